#include "tools/hub/client/hub_tokens.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/hub/temp_dir.h"

namespace hattama::hub {
namespace {

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(LoadHubTokens, ReadsEveryHubsTokenAfterTheHeaderSkippingCommentsAndBlankLines) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  Write(dir.File("tokens.csv"),
        "hub_id,token\r\n# written by hand\r\nhub-1,abc123\r\n\r\nhub-2,def,456\r\n");
  auto tokens = LoadHubTokens(dir.File("tokens.csv"));
  ASSERT_TRUE(tokens.ok()) << tokens.status().message();
  // A token is everything after the first comma.
  EXPECT_EQ(*tokens,
            (std::map<std::string, std::string>{{"hub-1", "abc123"}, {"hub-2", "def,456"}}));
}

TEST(LoadHubTokens, NamesAMissingFileAndALineWithoutAComma) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  auto missing = LoadHubTokens(dir.File("absent.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("absent.csv"), std::string::npos);

  Write(dir.File("broken.csv"), "hub_id,token\nhub-1 abc123\n");
  auto broken = LoadHubTokens(dir.File("broken.csv"));
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("expected hub_id,token"), std::string::npos);
}

}  // namespace
}  // namespace hattama::hub
