// The portal as hattama-publication serves it: each file of services/publication/portal/ under
// its path, with the content type a browser needs to run it, byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
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

// Every file of the folder is served, under its name, with the type its extension calls for, and
// nothing else is: a script added to portal/ and not to portal.cc's list fails here.
TEST(PortalFiles, AreThePortalFolderByteForByteWithTheirContentTypes) {
  const StaticFiles files = PortalFiles();
  const std::map<std::string, std::string> types = {{".html", "text/html; charset=utf-8"},
                                                    {".js", "text/javascript; charset=utf-8"},
                                                    {".css", "text/css; charset=utf-8"}};
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(HATTAMA_SOURCE_DIR) +
                                                               "/services/publication/portal")) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    ++count;
    auto file = files.find("/" + name);
    ASSERT_NE(file, files.end()) << name << " is in portal/ but not served";
    ASSERT_TRUE(types.contains(entry.path().extension().string())) << name;
    EXPECT_EQ(file->second.first, types.at(entry.path().extension().string())) << name;
    const std::string source = PortalSource(name);
    EXPECT_FALSE(source.empty()) << name;
    EXPECT_EQ(file->second.second, source) << name << " differs from its file";
  }
  EXPECT_EQ(files.size(), count) << "served files that portal/ does not hold";
  EXPECT_GE(count, 8u);  // index.html, style.css and the six scripts
}

}  // namespace
}  // namespace hattama::publication
