#include "tools/hub/simulator/hub_credentials.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/domain/hubs.h"
#include "tests/hub/temp_dir.h"
#include "tools/hub/client/hub_tokens.h"
#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

// What generate writes is what ingestion loads and what the hubs send: every hub's token
// authenticates it, for exactly the regions the plan gives it.
TEST(HubCredentials, EveryHubsTokenAuthenticatesItForThePlansRegions) {
  TempDir dir;
  auto registry = std::move(GenerateRegistry({.stations = 300, .seed = 5})).value();
  auto plan = DrawPlan(*registry, {.seed = 5, .hubs = 3});
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(WriteHubCredentials(*plan, dir.path()).ok());

  auto hubs = domain::HubRegistry::Load(HubRegistryPath(dir.path()));
  ASSERT_TRUE(hubs.ok()) << hubs.status().message();
  auto tokens = LoadHubTokens(HubTokensPath(dir.path()));
  ASSERT_TRUE(tokens.ok()) << tokens.status().message();
  ASSERT_EQ(tokens->size(), 3u);
  for (const auto& hub_id : plan->hub_ids) {
    ASSERT_TRUE(tokens->contains(hub_id)) << hub_id;
    const domain::Hub* hub = (*hubs)->Authenticate(tokens->at(hub_id));
    ASSERT_NE(hub, nullptr) << hub_id;
    EXPECT_EQ(hub->hub_id, hub_id);
    for (const auto& [region, owner] : plan->hub_of_region) {
      EXPECT_EQ(hub->MaySubmitFor(region), owner == hub_id) << hub_id << " " << region;
    }
  }
  // The tokens stay with the hubs: readable by their owner only.
  const auto permissions = std::filesystem::status(HubTokensPath(dir.path())).permissions();
  EXPECT_EQ(permissions & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
}

// A fresh token every time: writing twice does not give the same secrets.
TEST(HubCredentials, TokensAreFreshEachTime) {
  TempDir dir;
  auto registry = std::move(GenerateRegistry({.stations = 100, .seed = 5})).value();
  auto plan = DrawPlan(*registry, {.seed = 5, .hubs = 2});
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(WriteHubCredentials(*plan, dir.path()).ok());
  const auto first = LoadHubTokens(HubTokensPath(dir.path()));
  ASSERT_TRUE(WriteHubCredentials(*plan, dir.path()).ok());
  const auto second = LoadHubTokens(HubTokensPath(dir.path()));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size(), 2u);
  EXPECT_NE(*first, *second);
}

}  // namespace
}  // namespace hattama::hub
