// What an authenticated hub may send (hub_auth.h): its own hub id, stations of its regions; and a
// refusal never repeats the hub id the message carried, whatever its length.
#include "services/ingestion/hub_auth.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/testing/election.h"

namespace hattama::ingestion {
namespace {

class HubAuth : public ::testing::Test {
 protected:
  std::shared_ptr<const domain::Registry> registry_ = testing::TinyRegistry();
  const domain::Station& s1_ = *registry_->FindStation("S1");  // Region kz-a.
  const domain::Station& s4_ = *registry_->FindStation("S4");  // Region kz-b.
  domain::Hub hub_{.hub_id = "hub-almaty", .regions = {"kz-a"}};
};

TEST_F(HubAuth, ItsOwnHubAtAStationOfItsRegionIsAllowed) {
  EXPECT_TRUE(HubReasons(*registry_, &hub_, "hub-almaty", s1_, "station_id").empty());
}

TEST_F(HubAuth, AStationOutsideItsRegionsIsRefusedNamingTheStationField) {
  auto reasons = HubReasons(*registry_, &hub_, "hub-almaty", s4_, "protocol.station_id");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].code(), v1::REASON_CODE_REGION_NOT_ALLOWED);
  EXPECT_EQ(reasons[0].field(), "protocol.station_id");
}

TEST_F(HubAuth, AnotherHubsIdIsRefusedWithoutRepeatingIt) {
  for (const std::string& named :
       {std::string("hub-elsewhere"), std::string(600, 'h'), std::string(100'000, 'h')}) {
    auto reasons = HubReasons(*registry_, &hub_, named, s1_, "station_id");
    ASSERT_EQ(reasons.size(), 1u);
    EXPECT_EQ(reasons[0].code(), v1::REASON_CODE_HUB_MISMATCH);
    EXPECT_EQ(reasons[0].field(), "hub_id");
    EXPECT_EQ(reasons[0].message().find(named.substr(0, 8)), std::string::npos)
        << reasons[0].message();
    EXPECT_NE(reasons[0].message().find("'hub-almaty'"), std::string::npos);
    EXPECT_LT(reasons[0].message().size(), 200u);
  }
}

TEST_F(HubAuth, UnauthenticatedStreamsAreNotChecked) {
  EXPECT_TRUE(HubReasons(*registry_, nullptr, "any-hub", s4_, "station_id").empty());
}

}  // namespace
}  // namespace hattama::ingestion
