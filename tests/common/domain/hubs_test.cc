// The hub registry file: what ingestion lets in, and the mistakes in the file it refuses to start
// with.
#include "common/domain/hubs.h"

#include <gtest/gtest.h>

namespace hattama::domain {
namespace {

const std::string kAlmatyHash = TokenSha256Hex("almaty-secret");
const std::string kNationalHash = TokenSha256Hex("national-secret");

TEST(HubRegistry, TokenAuthenticatesItsHubWithItsRegionsAndRate) {
  const std::string text =
      "# comment\nhub_id,token_sha256,regions,max_submissions_per_second\n"
      "hub-almaty," +
      kAlmatyHash +
      ",kz-almaty;kz-almaty-city,500\n\n"
      "hub-national," +
      kNationalHash + ",*,\n";
  auto registry = HubRegistry::Parse(text);
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const Hub* almaty = (*registry)->Authenticate("almaty-secret");
  ASSERT_NE(almaty, nullptr);
  EXPECT_EQ(almaty->hub_id, "hub-almaty");
  EXPECT_TRUE(almaty->MaySubmitFor("kz-almaty-city"));
  EXPECT_FALSE(almaty->MaySubmitFor("kz-shymkent"));
  EXPECT_DOUBLE_EQ(almaty->max_submissions_per_second, 500);
  const Hub* national = (*registry)->Authenticate("national-secret");
  ASSERT_NE(national, nullptr);
  EXPECT_TRUE(national->MaySubmitFor("kz-shymkent"));
  EXPECT_DOUBLE_EQ(national->max_submissions_per_second, 0);
}

TEST(HubRegistry, UnknownOrEmptyTokenAuthenticatesNoOne) {
  auto registry = HubRegistry::Parse("hub_id,token_sha256,regions\nhub-a," + kAlmatyHash + ",*\n");
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  EXPECT_EQ((*registry)->Authenticate(""), nullptr);
  EXPECT_EQ((*registry)->Authenticate("almaty-secre"), nullptr);
  // The stored hash is not a token: knowing the file must not let anyone in.
  EXPECT_EQ((*registry)->Authenticate(kAlmatyHash), nullptr);
}

TEST(HubRegistry, MistakesAreErrorsNamingTheLine) {
  const std::string header = "hub_id,token_sha256,regions\n";
  auto expect_error = [](const std::string& text, const std::string& fragment) {
    auto registry = HubRegistry::Parse(text);
    ASSERT_FALSE(registry.ok()) << text;
    EXPECT_NE(registry.status().message().find(fragment), std::string::npos)
        << registry.status().message();
  };
  expect_error(header + "hub-a,not-a-hash,*\n", "line 2");
  expect_error(header + "hub-a," + kAlmatyHash + ",*\nhub-a," + kNationalHash + ",*\n",
               "listed twice");
  expect_error(header + "hub-a," + kAlmatyHash + ",*\nhub-b," + kAlmatyHash + ",*\n",
               "shares its token");
  expect_error(header + "hub-a," + kAlmatyHash + ",\n", "no regions");
  expect_error(header + "hub-a," + kAlmatyHash + ",*,fast\n", "max_submissions_per_second");
  expect_error("hub,token\n", "header");
  expect_error("", "no header");
  const std::set<std::string> known = {"kz-almaty"};
  auto unknown = HubRegistry::Parse(header + "hub-a," + kAlmatyHash + ",kz-atlantis\n", &known);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("kz-atlantis"), std::string::npos);
}

TEST(HubRegistry, FormatIsReadBackAsWritten) {
  Hub hub{.hub_id = "hub-1", .regions = {"r1", "r2"}, .max_submissions_per_second = 20};
  Hub all{.hub_id = "hub-2", .all_regions = true};
  auto registry =
      HubRegistry::Parse(HubRegistry::Format({{hub, kAlmatyHash}, {all, kNationalHash}}));
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const Hub* read = (*registry)->Authenticate("almaty-secret");
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->regions, hub.regions);
  EXPECT_DOUBLE_EQ(read->max_submissions_per_second, 20);
  EXPECT_TRUE((*registry)->Authenticate("national-secret")->all_regions);
}

TEST(HubRegistry, NewTokensAreLongAndDistinct) {
  const std::string a = NewHubToken(), b = NewHubToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace hattama::domain
