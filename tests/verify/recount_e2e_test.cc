// hattama-verify recount as a user runs it, against the whole stack with hattama-tlog after a
// night with confirmations, disputes, revisions, resends and official results: the recount of the
// log equals every total publication shows, and with a registry in which one station stands in
// another district, the totals differ and the recount exits 1 naming the district.
#include <fmt/format.h>

#include <filesystem>
#include <regex>

#include "common/domain/registry.h"
#include "hattama/v1/publication.pb.h"
#include "tests/verify/verify_stack.h"
#include "tools/verify/http_fetcher.h"

namespace hattama::verify::testing {
namespace {

namespace fs = std::filesystem;

class RecountStack : public VerifyStack {
 protected:
  // Waits until publication's nation total states a position holding every leaf of the log's
  // checkpoint, i.e. aggregation applied the whole night and publication saw a checkpoint of it.
  void WaitForTotalsOfTheWholeNight() {
    auto registry = hub::LoadRegistryFiles(dir());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    const std::string path =
        fmt::format("/v1/GetAreaTotals?area_id={}&contest_id={}", (*registry)->nation_id(),
                    (*registry)->election().contests(0).contest_id());
    auto http = HttpFetcher::Create(publication_url(), {});
    ASSERT_TRUE(http.ok());
    std::string last;
    const bool whole = hattama::testing::Eventually(
        [&] {
          auto checkpoint = client_->FetchCheckpoint();
          auto answer = (*http)->Get(path, 1 << 20);
          v1::AreaTotals totals;
          if (!checkpoint.ok() || !answer.ok() ||
              !google::protobuf::util::JsonStringToMessage(answer->body, &totals).ok()) {
            return false;
          }
          int64_t records = 0;
          for (int64_t end : totals.log_position().partition_ends()) records += end;
          last = fmt::format("{} records applied, tree size {}, checkpoint {}", records,
                             totals.log_position().tree_size(), checkpoint->checkpoint.size);
          return totals.log_position().tree_size() > 0 && records == checkpoint->checkpoint.size;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(200));
    ASSERT_TRUE(whole) << "publication's totals did not come to hold the whole log: " << last;
  }

  testing::Run Recount(const std::string& registry_dir, const std::string& name) {
    return Verify({"recount", "--publication-url", publication_url(), "--registry", registry_dir},
                  name);
  }

  std::string publication_url() const { return "http://" + stack_->publication_http_address(); }
};

// Copies the registry files of `from` to `to`, with `station` moved into `district`.
void CopyWithStationMoved(const std::string& from, const std::string& to,
                          const std::string& station, const std::string& district) {
  fs::create_directories(to);
  for (const char* name : {"election.json", "organisations.csv", "observers.csv"}) {
    if (fs::exists(from + "/" + name)) fs::copy_file(from + "/" + name, to + "/" + name);
  }
  // "station_id,district_id,registered_voters,contest_ids"
  const std::regex line("^" + station + ",[^,]*,", std::regex::multiline);
  WriteFile(to + "/stations.csv", std::regex_replace(ReadFile(from + "/stations.csv"), line,
                                                     station + "," + district + ","));
}

TEST_F(RecountStack, TheRecountOfTheLogEqualsEveryPublishedTotalAndAMovedStationDiffers) {
  StartAndSendNight();
  WaitForTotalsOfTheWholeNight();
  auto checkpoint = client_->FetchCheckpoint();
  ASSERT_TRUE(checkpoint.ok());

  const testing::Run holds = Recount(dir(), "recount");
  EXPECT_EQ(holds.status, 0) << holds.output;
  EXPECT_NE(holds.output.find("HOLDS: the recount at tree size"), std::string::npos)
      << holds.output;
  EXPECT_EQ(holds.output.find("DIFFERS"), std::string::npos) << holds.output;

  // The checker's registry puts a station whose protocol counts into another district.
  auto registry = hub::LoadRegistryFiles(dir());
  ASSERT_TRUE(registry.ok());
  std::string station_id;
  for (const auto& planned : plan_.submissions) {
    if (planned.expected_outcome == v1::OUTCOME_ACCEPTED &&
        planned.submission.source() == v1::SOURCE_OBSERVER && !planned.submission.retraction()) {
      station_id = planned.submission.protocol().station_id();
      break;
    }
  }
  ASSERT_FALSE(station_id.empty());
  const domain::Station* station = (*registry)->FindStation(station_id);
  ASSERT_NE(station, nullptr);
  std::string other_district;
  for (const auto& area : (*registry)->election().areas()) {
    if (area.kind() == v1::AREA_KIND_DISTRICT && area.area_id() != station->district_id()) {
      other_district = area.area_id();
      break;
    }
  }
  ASSERT_FALSE(other_district.empty());
  const std::string moved = dir() + "/moved-registry";
  CopyWithStationMoved(dir(), moved, station_id, other_district);

  const testing::Run differs = Recount(moved, "recount-moved");
  EXPECT_EQ(differs.status, 1) << differs.output;
  for (const std::string& district : {station->district_id(), other_district}) {
    EXPECT_NE(differs.output.find("DIFFERS district " + district + " ("), std::string::npos)
        << district << "\n"
        << differs.output;
  }
  EXPECT_NE(differs.output.find("DOES NOT HOLD"), std::string::npos) << differs.output;
}

}  // namespace
}  // namespace hattama::verify::testing
