// The hub's desk as its operators use it, in headless Chromium against the real stack: a photo
// typed equally by two operators is sent and accepted; one typed differently goes to a third, who
// sees both and decides; a control relation broken and a plausibility limit passed while typing
// are shown as ingestion would answer them (and a rejected figure cannot be saved); a flagged
// answer comes back to the photo's screen and is corrected as a revision; while ingestion is
// stopped operators keep working and the queue waits; the desk is killed mid-queue (and an answer
// it had recorded is lost with it) and restarted; then everything arrives exactly once (the lost
// answer's resend is answered DUPLICATE) and publication counts each protocol once.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <thread>

#include "common/domain/registry.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tools/hub/client/hub_tokens.h"
#include "tools/hub/desk/sqlite.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

const std::string kScriptDir = HATTAMA_DESK_TEST_DIR;
const std::string kPortalTestDir = HATTAMA_PORTAL_TEST_DIR;

// What the browser types: a photo of `station`'s `contest` protocol brought by `observer`.
struct Target {
  std::string station;
  std::string contest;
  std::string observer;
};

// Six stations whose observers the same hub relays, and that hub.
std::pair<std::string, std::vector<Target>> PickTargets(const domain::Registry& registry) {
  std::map<std::string, std::vector<Target>> by_hub;
  for (const domain::Station& station : registry.stations()) {
    const auto* observer = registry.observers()->FindObserver("obs-" + station.station_id());
    if (observer == nullptr || !domain::Registry::HoldsContest(station, "mazhilis")) continue;
    auto& targets = by_hub[observer->hub_ids().front()];
    targets.push_back({station.station_id(), "mazhilis", observer->observer_id()});
    if (targets.size() == 6) return {observer->hub_ids().front(), targets};
  }
  return {};
}

std::string TargetsJson(const std::vector<Target>& targets) {
  std::string json = "[";
  for (const Target& t : targets) {
    if (json.size() > 1) json += ",";
    json += "{\"station\":\"" + t.station + "\",\"contest\":\"" + t.contest + "\",\"observer\":\"" +
            t.observer + "\"}";
  }
  return json + "]";
}

class DeskProcess {
 public:
  DeskProcess(std::string registry_dir, std::string data_dir, std::string hub_id, std::string token,
              std::string ingestion, int port)
      : registry_dir_(std::move(registry_dir)),
        data_dir_(std::move(data_dir)),
        hub_id_(std::move(hub_id)),
        token_(std::move(token)),
        ingestion_(std::move(ingestion)),
        port_(port) {}

  // Runs `hattama-hub desk --add-operator`, as a hub's coordinator would.
  Status AddOperator(const std::string& name, const std::string& role, const std::string& token) {
    auto process = stack::Process::Start(
        {.argv = {stack::BinaryPath("hattama-hub"), "desk", "--dir", registry_dir_, "--data",
                  data_dir_, "--add-operator", name, "--role", role, "--operator-token", token},
         .capture_stdout = true});
    if (!process.ok()) return process.status();
    auto line = (*process)->ReadLine(std::chrono::seconds(10));
    if (!line.ok()) return line.status();
    if (line->find("token " + token) == std::string::npos) return Status::Error(*line);
    return Status::Ok();
  }

  Status Start(const std::string& log_path) {
    auto process = stack::Process::Start(
        {.argv = {stack::BinaryPath("hattama-hub"), "desk", "--dir", registry_dir_, "--data",
                  data_dir_, "--hub-id", hub_id_, "--token", token_, "--ingestion", ingestion_,
                  "--listen", "127.0.0.1:" + std::to_string(port_), "--send-timeout-ms", "1000",
                  "--retry-ms", "300"},
         .log_path = log_path});
    if (!process.ok()) return process.status();
    process_ = std::move(*process);
    return stack::WaitUntilListening(*process_, port_, std::chrono::seconds(10));
  }

  stack::Process& process() { return *process_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string registry_dir_, data_dir_, hub_id_, token_, ingestion_;
  int port_;
  std::unique_ptr<stack::Process> process_;
};

// Runs one phase of check_desk.mjs and returns its last line (the phase's summary).
std::string RunPhase(const std::string& phase, const std::string& desk_url,
                     const std::string& targets) {
  auto browser = stack::Process::Start(
      {.argv = {"node", kScriptDir + "/check_desk.mjs", desk_url, phase, targets, kPortalTestDir},
       .capture_stdout = true});
  EXPECT_TRUE(browser.ok()) << browser.status().message();
  if (!browser.ok()) return "";
  std::string last;
  for (;;) {
    auto line = (*browser)->ReadLine(std::chrono::seconds(60));
    if (!line.ok()) break;
    std::printf("%s\n", line->c_str());
    last = *line;
  }
  EXPECT_EQ((*browser)->Wait(std::chrono::seconds(30)).value(), 0) << phase << ": " << last;
  return last;
}

// Publication's view of a station's contest, once it shows `versions` versions (or the deadline).
v1::StationContestResult WaitForVersions(v1::PublicationService::Stub& publication,
                                         const Target& target, int versions) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  v1::StationContestResult found;
  while (std::chrono::steady_clock::now() < deadline) {
    grpc::ClientContext context;
    v1::GetStationResultsRequest request;
    request.set_station_id(target.station);
    v1::StationResults results;
    if (publication.GetStationResults(&context, request, &results).ok()) {
      for (const auto& contest : results.contests()) {
        if (contest.contest_id() == target.contest) found = contest;
      }
      if (found.versions_size() >= versions) return found;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return found;
}

TEST(Desk, OperatorsTypeTwiceSettleConflictsAndEverythingArrivesOnceThroughOutagesAndARestart) {
  ASSERT_TRUE(std::filesystem::exists(kPortalTestDir + "/node_modules/playwright-core"))
      << "playwright-core is not installed: run ./hattama setup (npm ci in tests/portal)";
  stack::TempDir dir("hattama-desk");
  const std::string registry_dir = dir.path() + "/registry";
  auto generate =
      stack::Process::Start({.argv = {stack::BinaryPath("hattama-hub"), "generate", "--out",
                                      registry_dir, "--station-count", "60", "--seed", "17"},
                             .log_path = dir.path() + "/generate.log"});
  ASSERT_TRUE(generate.ok());
  ASSERT_EQ((*generate)->Wait(std::chrono::seconds(30)).value(), 0);
  auto registry =
      domain::Registry::Load(registry_dir + "/election.json", registry_dir + "/stations.csv");
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  const auto [hub_id, targets] = PickTargets(**registry);
  ASSERT_EQ(targets.size(), 6u) << "no hub relays six observers' stations";
  auto tokens = hub::LoadHubTokens(registry_dir + "/hub-tokens.csv");
  ASSERT_TRUE(tokens.ok());

  // Ingestion checks the hub's token against the hub registry, as in production.
  auto stack = stack::Stack::Start(
      {.registry_dir = registry_dir, .partitions = 2, .hub_registry = registry_dir + "/hubs.csv"});
  ASSERT_TRUE(stack.ok()) << stack.status().message();
  DeskProcess desk(registry_dir, dir.path() + "/desk", hub_id, tokens->at(hub_id),
                   (*stack)->ingestion_address(), stack::FreePort());
  ASSERT_TRUE(desk.AddOperator("alice", "operator", "alice-token").ok());
  ASSERT_TRUE(desk.AddOperator("bob", "operator", "bob-token").ok());
  ASSERT_TRUE(desk.AddOperator("carol", "supervisor", "carol-token").ok());
  const std::string desk_log = (*stack)->log_dir() + "/desk.log";
  ASSERT_TRUE(desk.Start(desk_log).ok());
  const std::string targets_json = TargetsJson(targets);

  // Equal entries, different ones settled by a third, a relation broken while typing and a
  // flagged answer corrected as revision 2: each waits for ingestion's answer on its screen.
  EXPECT_TRUE(RunPhase("typing", desk.url(), targets_json).starts_with("typing:"));

  // Ingestion stops; operators go on typing three more photos, which wait in the queue.
  (*stack)->ingestion().Stop();
  EXPECT_TRUE(RunPhase("offline", desk.url(), targets_json).starts_with("offline:"));

  // The desk is killed mid-queue. The answer to the first photo is lost with it (as if the crash
  // came between ingestion's answer and the desk writing it down): it must be sent again.
  desk.process().Signal(SIGKILL);
  (void)desk.process().Wait(std::chrono::seconds(10));
  {
    auto db = desk::SqlDatabase::Open(dir.path() + "/desk/desk.sqlite");
    ASSERT_TRUE(db.ok());
    auto cleared = (*db)->Query("UPDATE queue SET answer = NULL WHERE seq = 1");
    ASSERT_TRUE(cleared.ok()) << cleared.status().message();
    ASSERT_EQ((*db)->Changes(), 1);
  }
  ASSERT_TRUE(desk.Start(desk_log).ok());
  ASSERT_TRUE((*stack)->RestartIngestion().ok());

  // Everything answered once, the lost answer's resend DUPLICATE, the progress complete.
  EXPECT_TRUE(RunPhase("after", desk.url(), targets_json).starts_with("after:"));

  // Publication counts each protocol once: one version a photo (two for the corrected one), the
  // desk's last revision counted.
  auto publication = v1::PublicationService::NewStub(
      grpc::CreateChannel((*stack)->publication_address(), grpc::InsecureChannelCredentials()));
  for (size_t i = 0; i < targets.size(); ++i) {
    const int versions = i == 2 ? 2 : 1;
    const auto result = WaitForVersions(*publication, targets[i], versions);
    EXPECT_EQ(result.versions_size(), versions) << targets[i].station;
    EXPECT_TRUE(result.counted_submission_id().starts_with("desk-" + hub_id + "-"))
        << targets[i].station;
    EXPECT_TRUE(result.counted_submission_id().ends_with(i == 2 ? "-r2" : "-r1"))
        << result.counted_submission_id();
  }
}

}  // namespace
}  // namespace hattama
