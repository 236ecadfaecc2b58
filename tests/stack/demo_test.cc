// hattama-demo as a person runs it, on a small election: the night matches the simulator's ground
// truth, and the demo verifies it itself with hattama-verify — every accepted answer in the signed
// log, the recount of the log equal to every published total — and says so.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "tools/stack/process.h"
#include "tools/stack/stack.h"

namespace hattama::stack {
namespace {

TEST(Demo, VerifiesTheNightItselfAndSaysWhatItChecked) {
  TempDir dir("hattama-demo-test");
  const std::string log = dir.path() + "/demo.log";
  auto demo =
      Process::Start({.argv = {BinaryPath("hattama-demo"), "--station-count", "300", "--hubs", "2",
                               "--partitions", "4", "--work-dir", dir.path() + "/night"},
                      .log_path = log});
  ASSERT_TRUE(demo.ok()) << demo.status().message();
  auto status = (*demo)->Wait(std::chrono::minutes(4));
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  ASSERT_TRUE(status.ok()) << "the demo did not end within 4 minutes\n" << output.str();
  EXPECT_EQ(*status, 0) << output.str();

  std::smatch said;
  const std::string text = output.str();
  ASSERT_TRUE(std::regex_search(
      text, said,
      std::regex("the night verifies: the log holds all (\\d+) accepted protocols; the recount at "
                 "tree size (\\d+) equals all (\\d+) published totals")))
      << text;
  EXPECT_GT(std::stoll(said[1]), 300);  // every station's protocols, official results too
  EXPECT_GE(std::stoll(said[2]), std::stoll(said[1]));
  // 3 contests × (nation, 20 regions, their districts) × observers and official.
  EXPECT_GT(std::stoll(said[3]), 3 * 21 * 2);
  EXPECT_NE(text.find("matches ground truth"), std::string::npos) << text;
  // The reforms' table, from GetReforms (tools/stack/reform_table.h).
  EXPECT_NE(
      text.find("== reforms (GetReforms, contest mazhilis, 98 seats; observers' counts at 300 "
                "of 300 stations)"),
      std::string::npos)
      << text;
  // The observer deployment per organisation, and the PVT from the sample drawn before the night
  // beside the one from the stations reported so far (issue #16).
  EXPECT_NE(text.find("observer deployment per organisation:"), std::string::npos) << text;
  EXPECT_NE(text.find("From the stations reported so far:"), std::string::npos) << text;
  EXPECT_NE(text.find("From the PVT sample alone (sha256 "), std::string::npos) << text;
}

}  // namespace
}  // namespace hattama::stack
