// The public portal in a real browser (headless Chromium driven by playwright-core) against the
// whole stack: the national figures the page shows equal the API's, a live update appears
// without a reload while more protocols stream in, and the deployment table, the
// official-against-observers comparison, the tile map of the regions (its colours, its keyboard
// use, its drill-down), the night's charts, the district's station list and a station's page
// show the API's figures; Russian and Kazakh replace the labels, the numbers' formats and the
// names; tables stay inside their cards at 1,280 and 360 px; and the transparency log: the panel
// shows hattama-tlog's checkpoint, a protocol checked in the browser is verified at its leaf, an
// altered answer is not, and the totals state the log size they were computed at. The page is
// served by a real nginx from publication's snapshot files (the live update comes from the index
// polled, and the page asks nothing of /v1/); pages on publication's own server update too. One
// stack for every case (check_portal.mjs runs them in turn).
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>

#include "common/base/files.h"
#include "common/tlog/note.h"
#include "hattama/v1/transparency.pb.h"
#include "tests/tlog/tlog_testing.h"
#include "tools/hub/client/client.h"
#include "tools/hub/client/deployment_stream.h"
#include "tools/hub/simulator/deployment.h"
#include "tools/hub/simulator/observer_registry.h"
#include "tools/hub/simulator/plan.h"
#include "tools/hub/simulator/sample.h"
#include "tools/hub/simulator/synthetic.h"
#include "tools/hub/simulator/truth.h"
#include "tools/hub/simulator/verify.h"
#include "tools/stack/nginx.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

const std::string kScriptDir = HATTAMA_PORTAL_TEST_DIR;

// `witness` cosigns the log's latest checkpoint and hands the cosignature to the log, as a
// witness would (POST /v1/AddCosignature on its HTTP side).
void Cosign(const std::string& tlog_http_address, const tlog::NoteSigner& witness) {
  httplib::Client log("http://" + tlog_http_address);
  auto note = log.Get("/tlog/checkpoint");
  ASSERT_TRUE(note && note->status == 200) << "no checkpoint from the log";
  v1::AddCosignatureRequest request;
  request.set_cosigned_note(transparency::testing::Cosign(note->body, witness));
  std::string body;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(request, &body).ok());
  auto added = log.Post("/v1/AddCosignature", body, "application/json");
  ASSERT_TRUE(added && added->status == 200) << (added ? added->body : "no answer");
}

TEST(Portal, ShowsTheApisFiguresAndUpdatesLive) {
  ASSERT_TRUE(std::filesystem::exists(kScriptDir + "/node_modules/playwright-core"))
      << "playwright-core is not installed: run ./hattama setup (npm ci in tests/portal)";
  stack::TempDir dir("hattama-portal");
  auto registry = hub::GenerateRegistryFiles({.stations = 300, .seed = 11}, dir.path());
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  // With the commission's results too, for the comparison.
  auto plan = hub::DrawPlan(**registry, {.seed = 11, .hubs = 2, .official_results = true});
  ASSERT_TRUE(plan.ok());
  // The organisations (and their camps) and observers, for the view of who observed.
  ASSERT_TRUE(hub::WriteObserverRegistry(*plan, dir.path()).ok());
  // A PVT sample drawn before the night, for the sample's view (pvt_check.mjs).
  const std::string sample_path = dir.path() + "/pvt-sample.txt";
  auto sample = hub::DrawPvtSample(**registry, {.size = {.margin_percent = 3}, .seed = 11});
  ASSERT_TRUE(sample.ok()) << sample.status().message();
  ASSERT_TRUE(WriteNewFile(sample_path, *analysis::FormatPvtSample(*sample), {.sync = false}).ok());
  // The transparency log, with one witness whose cosignature the portal is to show.
  const tlog::NoteSigner witness =
      transparency::testing::WitnessSigner("witness.example/portal", 5);
  // Publication writes the snapshot files and the portal's own files; nginx serves both, as in
  // production.
  const std::string snapshot_dir = dir.path() + "/snapshots";
  const std::string portal_dir = dir.path() + "/portal";
  auto stack =
      stack::Stack::Start({.registry_dir = dir.path(),
                           .partitions = 4,
                           .tlog = true,
                           .tlog_flags = {"--witness-key", witness.verifier().VerifierKey()},
                           .publication_flags = {"--snapshot-dir", snapshot_dir, "--portal-dir",
                                                 portal_dir, "--pvt-sample", sample_path}});
  ASSERT_TRUE(stack.ok()) << stack.status().message();
  auto nginx = stack::Nginx::Start({.snapshot_dir = snapshot_dir, .portal_dir = portal_dir});
  ASSERT_TRUE(nginx.ok()) << nginx.status().message();

  // Half of the night, and wait until publication shows all of it, so the page starts settled.
  std::span<const hub::PlannedSubmission> all = plan->submissions;
  auto first = all.first(all.size() / 2);
  auto second = all.subspan(all.size() / 2);
  auto sent = hub::StreamSubmissions(first, {.ingestion_address = (*stack)->ingestion_address()});
  ASSERT_TRUE(sent.ok()) << sent.status().message();
  // The observers' deployment, for the deployment table.
  const auto deployment = hub::DrawDeployment(**registry, 11, plan->hub_of_region);
  auto deployed = hub::StreamDeploymentEvents(deployment.events,
                                              {.ingestion_address = (*stack)->ingestion_address()});
  ASSERT_TRUE(deployed.ok()) << deployed.status().message();
  v1::DeploymentTable table;
  ASSERT_EQ(hub::VerifyDeploymentTable((*stack)->publication_address(), deployment,
                                       std::chrono::seconds(60), &table),
            std::vector<std::string>{});
  auto settled = hub::VerifyPublication(**registry, hub::ComputeTruth(**registry, first),
                                        {.publication_address = (*stack)->publication_address(),
                                         .timeout = std::chrono::seconds(60),
                                         .check_stations = false});
  ASSERT_TRUE(settled.ok());
  Cosign((*stack)->tlog_http_address(), witness);

  const std::string portal_url = (*nginx)->url();
  const std::string screenshot = stack::ExecutableDir() + "/portal.png";
  auto browser =
      stack::Process::Start({.argv = {"node", kScriptDir + "/check_portal.mjs", portal_url,
                                      "http://" + (*stack)->publication_http_address(), screenshot,
                                      "http://" + (*stack)->tlog_http_address()},
                             .capture_stdout = true});
  ASSERT_TRUE(browser.ok()) << browser.status().message();
  auto ready = (*browser)->ReadLine(std::chrono::seconds(60));
  ASSERT_TRUE(ready.ok()) << "the page never matched the API: " << ready.status().message();
  EXPECT_TRUE(ready->starts_with("ready ")) << *ready;

  // The rest of the night, while the page is open.
  auto rest = hub::StreamSubmissions(second, {.ingestion_address = (*stack)->ingestion_address()});
  ASSERT_TRUE(rest.ok()) << rest.status().message();
  auto updated = (*browser)->ReadLine(std::chrono::seconds(90));
  ASSERT_TRUE(updated.ok()) << "no live update reached the page: " << updated.status().message();
  EXPECT_TRUE(updated->starts_with("updated ")) << *updated;
  EXPECT_NE(updated->find(" via files;"), std::string::npos)
      << "not from nginx's files: " << *updated;
  std::printf("%s\n%s\n", ready->c_str(), updated->c_str());
  // The other views, each against the API: the deployment table, the comparison, the map, the
  // charts, the languages, the tables' widths, the district drill-down to its stations and a
  // station's page, the transparency log.
  for (const char* check : {"deployment ", "comparison ", "map ", "charts ", "languages ",
                            "tables ", "stations ", "log "}) {
    auto line = (*browser)->ReadLine(std::chrono::seconds(60));
    ASSERT_TRUE(line.ok()) << "no answer for " << check << ": " << line.status().message();
    EXPECT_TRUE(line->starts_with(check)) << *line;
    std::printf("%s\n", line->c_str());
  }
  EXPECT_EQ((*browser)->Wait(std::chrono::seconds(30)).value(), 0);
  EXPECT_TRUE(std::filesystem::exists(screenshot));
  // Each view's own check, in its own browser, against the same stack.
  for (const char* script : {"observers_check.mjs", "pvt_check.mjs", "reforms_check.mjs"}) {
    auto view = stack::Process::Start({.argv = {"node", kScriptDir + "/" + script, portal_url,
                                                "http://" + (*stack)->publication_http_address()},
                                       .capture_stdout = true});
    ASSERT_TRUE(view.ok()) << view.status().message();
    auto line = (*view)->ReadLine(std::chrono::seconds(90));
    ASSERT_TRUE(line.ok()) << script << ": " << line.status().message();
    std::printf("%s\n", line->c_str());
    EXPECT_EQ((*view)->Wait(std::chrono::seconds(30)).value(), 0) << script;
  }
}

}  // namespace
}  // namespace hattama
