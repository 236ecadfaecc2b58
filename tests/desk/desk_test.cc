// The hub's desk as its operators use it, in headless Chromium against the real stack: a photo
// typed equally by two operators is sent and accepted; one typed differently goes to a third, who
// sees both and decides; a control relation broken and a plausibility limit passed while typing
// are shown as ingestion would answer them, in the operator's language (and a rejected figure
// cannot be saved); a flagged answer comes back to the photo's screen and is corrected as a
// revision; ingestion is stopped for a minute, during which operators keep typing and settling
// and the queue waits, the desk is killed mid-queue (and an answer it had recorded is lost with
// it) and restarted, the photo is zoomed and turned, and a second desk serving HTTPS ends idle and
// signed-out sessions; then everything arrives exactly once (the lost answer's resend is answered
// DUPLICATE) and publication counts each protocol once. Last, the desk hattama-demo --desk starts,
// beside the same stack, holds its synthetic photos ready to type, of stations nobody reported.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/domain/registry.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tools/hub/client/hub_tokens.h"
#include "tools/hub/desk/demo_desk.h"
#include "tools/hub/desk/desk.pb.h"
#include "tools/hub/desk/sqlite.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

const std::string kScriptDir = HATTAMA_DESK_TEST_DIR;
const std::string kPortalTestDir = HATTAMA_PORTAL_TEST_DIR;

using Target = desk::DeskTarget;

std::string TargetsJson(const std::vector<Target>& targets) {
  std::string json = "[";
  for (const Target& t : targets) {
    if (json.size() > 1) json += ",";
    json += "{\"station\":\"" + t.station_id + "\",\"contest\":\"" + t.contest_id +
            "\",\"observer\":\"" + t.observer_id + "\"}";
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

  // `extra`: more flags (HTTPS, the idle time).
  Status Start(const std::string& log_path, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {stack::BinaryPath("hattama-hub"),
                                     "desk",
                                     "--dir",
                                     registry_dir_,
                                     "--data",
                                     data_dir_,
                                     "--hub-id",
                                     hub_id_,
                                     "--token",
                                     token_,
                                     "--ingestion",
                                     ingestion_,
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port_),
                                     "--send-timeout-ms",
                                     "1000",
                                     "--retry-ms",
                                     "300"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto process = stack::Process::Start({.argv = argv, .log_path = log_path});
    if (!process.ok()) return process.status();
    process_ = std::move(*process);
    return stack::WaitUntilListening(*process_, port_, std::chrono::seconds(10));
  }

  stack::Process& process() { return *process_; }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  std::string registry_dir_, data_dir_, hub_id_, token_, ingestion_;
  int port_;
  std::unique_ptr<stack::Process> process_;
};

// The browser's lines up to the one starting with `summary` (printed as they come); that line, or
// why there is none (the script failed or went silent for two minutes: the outage lasts one).
std::string ReadUntil(stack::Process& browser, const std::string& summary) {
  for (;;) {
    auto line = browser.ReadLine(std::chrono::seconds(120));
    if (!line.ok()) return "no line: " + line.status().message();
    std::printf("%s\n", line->c_str());
    if (line->starts_with(summary) || line->starts_with("FAILED")) return *line;
  }
}

// A self-signed certificate for 127.0.0.1 and its key (PEM), made by Debian's openssl as a hub
// would make one: DIR/cert.pem, DIR/key.pem.
Status MakeSelfSignedCertificate(const std::string& dir) {
  auto openssl = stack::Process::Start(
      {.argv = {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out",
                dir + "/cert.pem"},
       .log_path = dir + "/openssl.log"});
  if (!openssl.ok()) return openssl.status();
  auto code = (*openssl)->Wait(std::chrono::seconds(20));
  if (!code.ok()) return code.status();
  return *code == 0 ? Status::Ok() : Status::Error("openssl failed: see " + dir + "/openssl.log");
}

// Tells the browser to go on with `phase` (check_desk.mjs waits for the file).
void Signal(const std::string& dir, const std::string& phase) {
  std::ofstream(dir + "/" + phase) << "go\n";
}

// Publication's view of a station's contest, once it shows `versions` versions (or the deadline).
v1::StationContestResult WaitForVersions(v1::PublicationService::Stub& publication,
                                         const Target& target, int versions) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  v1::StationContestResult found;
  while (std::chrono::steady_clock::now() < deadline) {
    grpc::ClientContext context;
    v1::GetStationResultsRequest request;
    request.set_station_id(target.station_id);
    v1::StationResults results;
    if (publication.GetStationResults(&context, request, &results).ok()) {
      for (const auto& contest : results.contests()) {
        if (contest.contest_id() == target.contest_id) found = contest;
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
  const auto [hub_id, targets] = desk::PickDeskTargets(**registry, "mazhilis", 6);
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

  // A second desk of the same hub, serving HTTPS with a self-signed certificate, whose sessions
  // end after 5 s unused: the browser tries its sessions while the first desk's queue waits.
  ASSERT_TRUE(MakeSelfSignedCertificate(dir.path()).ok());
  DeskProcess tls_desk(registry_dir, dir.path() + "/tls-desk", hub_id, tokens->at(hub_id),
                       (*stack)->ingestion_address(), stack::FreePort());
  ASSERT_TRUE(tls_desk.AddOperator("alice", "operator", "alice-token").ok());
  ASSERT_TRUE(tls_desk
                  .Start((*stack)->log_dir() + "/tls-desk.log",
                         {"--web-tls-cert", dir.path() + "/cert.pem", "--web-tls-key",
                          dir.path() + "/key.pem", "--session-idle-seconds", "5"})
                  .ok());

  // One browser, alice, bob and carol signed in, for the four phases.
  const std::string signals = dir.path() + "/signals";
  std::filesystem::create_directories(signals);
  auto browser =
      stack::Process::Start({.argv = {"node", kScriptDir + "/check_desk.mjs", desk.url(),
                                      targets_json, kPortalTestDir, signals, tls_desk.url("https")},
                             .capture_stdout = true});
  ASSERT_TRUE(browser.ok()) << browser.status().message();

  // Equal entries, different ones settled by a third, a relation broken while typing and a
  // flagged answer corrected as revision 2: each waits for ingestion's answer on its screen.
  ASSERT_TRUE(ReadUntil(**browser, "typing:").starts_with("typing:"));

  // Ingestion dies (the line drops) for a minute; operators go on typing three more photos, one
  // settled by carol, which wait in the queue.
  (*stack)->ingestion().Signal(SIGKILL);
  const auto outage_ends = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  (void)(*stack)->ingestion().Wait(std::chrono::seconds(10));
  Signal(signals, "offline");
  ASSERT_TRUE(ReadUntil(**browser, "offline:").starts_with("offline:"));

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
  Signal(signals, "restarted");
  // Operators keep working on the restarted desk (and the second one) while ingestion is away.
  ASSERT_TRUE(ReadUntil(**browser, "waiting:").starts_with("waiting:"));
  // The rest of the minute: the queue waits, as it would for a line down that long.
  std::this_thread::sleep_until(outage_ends);
  ASSERT_TRUE((*stack)->RestartIngestion().ok());
  Signal(signals, "after");

  // Everything answered once, the lost answer's resend DUPLICATE, the progress complete.
  ASSERT_TRUE(ReadUntil(**browser, "after:").starts_with("after:"));
  EXPECT_EQ((*browser)->Wait(std::chrono::seconds(30)).value(), 0);

  // Publication counts each protocol once: one version a photo (two for the corrected one), the
  // desk's last revision counted.
  auto publication = v1::PublicationService::NewStub(
      grpc::CreateChannel((*stack)->publication_address(), grpc::InsecureChannelCredentials()));
  for (size_t i = 0; i < targets.size(); ++i) {
    const int versions = i == 2 ? 2 : 1;
    const auto result = WaitForVersions(*publication, targets[i], versions);
    EXPECT_EQ(result.versions_size(), versions) << targets[i].station_id;
    EXPECT_TRUE(result.counted_submission_id().starts_with("desk-" + hub_id + "-"))
        << targets[i].station_id;
    EXPECT_TRUE(result.counted_submission_id().ends_with(i == 2 ? "-r2" : "-r1"))
        << result.counted_submission_id();
  }

  // hattama-demo --desk's desk beside the same stack: its operators sign in and find its synthetic
  // photos received, each a PNG, ready to type, and each of a station nobody reported yet (not one
  // of the six just counted): typed, they are new protocols, not revisions.
  std::ostringstream said;
  auto demo = desk::StartDemoDesk(registry_dir, (*stack)->ingestion_address(),
                                  (*stack)->publication_address(), dir.path() + "/demo", 4, said);
  ASSERT_TRUE(demo.ok()) << demo.status().message();
  httplib::Client client(demo->url);
  auto login =
      client.Post("/api/login", R"({"name":"bob","token":"bob-demo-token"})", "application/json");
  ASSERT_TRUE(login && login->status == 200);
  const std::string cookie = login->get_header_value("Set-Cookie");
  const httplib::Headers headers = {{"Cookie", cookie.substr(0, cookie.find(';'))}};
  auto listed = client.Get("/api/photos", headers);
  ASSERT_TRUE(listed && listed->status == 200);
  desk::PhotoList photos;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(listed->body, &photos).ok());
  ASSERT_EQ(photos.photos_size(), 4) << said.str();
  for (const desk::Photo& photo : photos.photos()) {
    EXPECT_EQ(photo.state(), "received");
    const auto published = WaitForVersions(
        *publication, {photo.station_id(), photo.contest_id(), photo.observer_id()}, 0);
    EXPECT_EQ(published.versions_size(), 0) << photo.station_id() << " was reported";
    EXPECT_FALSE(published.has_counted()) << photo.station_id() << " was counted";
    auto image = client.Get("/api/photo/image?sha256=" + photo.photo_sha256(), headers);
    ASSERT_TRUE(image && image->status == 200);
    EXPECT_TRUE(image->body.starts_with("\x89PNG")) << photo.photo_sha256();
  }
  EXPECT_NE(said.str().find("alice / alice-demo-token"), std::string::npos) << said.str();
}

}  // namespace
}  // namespace hattama
