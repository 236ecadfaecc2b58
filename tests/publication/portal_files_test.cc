// The portal as hattama-publication serves it: each file of services/publication/portal/ under
// its path, with the content type a browser needs to run it, byte for byte.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "services/publication/portal.h"

namespace hattama::publication {
namespace {

std::string PortalSource(const std::string& name) {
  std::ifstream in(std::string(HATTAMA_SOURCE_DIR) + "/services/publication/portal/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(PortalFiles, AreThePortalFolderByteForByteWithTheirContentTypes) {
  const StaticFiles files = PortalFiles();

  ASSERT_EQ(files.size(), 4u);
  const std::pair<std::string, std::string> expected[] = {
      {"index.html", "text/html; charset=utf-8"},
      {"app.js", "text/javascript; charset=utf-8"},
      {"logcheck.js", "text/javascript; charset=utf-8"},
      {"style.css", "text/css; charset=utf-8"}};
  for (const auto& [name, type] : expected) {
    auto file = files.find("/" + name);
    ASSERT_NE(file, files.end()) << name;
    EXPECT_EQ(file->second.first, type) << name;
    const std::string source = PortalSource(name);
    EXPECT_FALSE(source.empty()) << name;
    EXPECT_EQ(file->second.second, source) << name << " differs from its file";
  }
}

}  // namespace
}  // namespace hattama::publication
