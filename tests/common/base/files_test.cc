// Files written whole or not at all, with the mode asked for, and read with a bound, on the real
// file system in a temporary directory of the test's own.
#include "common/base/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tools/stack/process.h"

namespace hattama {
namespace {

// The names in `dir`, so that a test sees any temporary file left behind.
std::set<std::string> Names(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

// Sets the umask for one test and restores it after.
class UmaskFor {
 public:
  explicit UmaskFor(mode_t mask) : previous_(::umask(mask)) {}
  ~UmaskFor() { ::umask(previous_); }

 private:
  mode_t previous_;
};

TEST(Files, AFileWrittenAtomicallyReplacesTheOldOneWholeWithTheModeAskedFor) {
  stack::TempDir dir("hattama-files");
  const std::string path = dir.path() + "/state";
  UmaskFor umask(077);
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second, longer").ok());
  EXPECT_EQ(ReadSmallFile(path, 100).value(), "second, longer");
  EXPECT_EQ(ModeOf(path), 0644u) << "the default mode, whatever the umask";
  ASSERT_TRUE(WriteFileAtomically(path, "", {.mode = 0600}).ok());
  EXPECT_EQ(ReadSmallFile(path, 100).value(), "");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(Names(dir.path()), std::set<std::string>{"state"}) << "no temporary file left";
}

TEST(Files, ANewFileIsNeverWrittenOverAnExistingOne) {
  stack::TempDir dir("hattama-files");
  const std::string path = dir.path() + "/key";
  ASSERT_TRUE(WriteNewFile(path, "secret\n", {.mode = 0600}).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  Status again = WriteNewFile(path, "another secret\n", {.mode = 0600});
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.message(), path + " exists; it is not replaced");
  EXPECT_EQ(ReadSmallFile(path, 100).value(), "secret\n");
  EXPECT_EQ(Names(dir.path()), std::set<std::string>{"key"}) << "no temporary file left";
}

TEST(Files, TheTemporaryFileCanBeKeptInADirectoryOfItsOwn) {
  stack::TempDir dir("hattama-files");
  const std::string temp_dir = dir.path() + "/.tmp";
  std::filesystem::create_directory(temp_dir);
  const std::string path = dir.path() + "/tile";
  ASSERT_TRUE(WriteFileAtomically(path, "tile bytes", {.sync = false, .temp_dir = temp_dir}).ok());
  EXPECT_EQ(ReadSmallFile(path, 100).value(), "tile bytes");
  EXPECT_TRUE(Names(temp_dir).empty());
  EXPECT_EQ(Names(dir.path()), (std::set<std::string>{".tmp", "tile"}));
}

TEST(Files, AFileThatCannotBeWrittenIsUnavailableAndLeavesNothing) {
  stack::TempDir dir("hattama-files");
  const std::string path = dir.path() + "/no such directory/state";
  Status status = WriteFileAtomically(path, "x");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
  EXPECT_EQ(WriteNewFile(path, "x").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Names(dir.path()).empty());
}

TEST(Files, AFileIsReadUpToItsBoundAndNoFurther) {
  stack::TempDir dir("hattama-files");
  const std::string path = dir.path() + "/checkpoint";
  std::ofstream(path) << std::string(64, 'c');
  EXPECT_EQ(ReadSmallFile(path, 64).value(), std::string(64, 'c'));
  auto larger = ReadSmallFile(path, 63);
  EXPECT_EQ(larger.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(larger.status().message(), path + " is larger than 63 bytes");
  EXPECT_TRUE(ReadSmallFile(dir.path() + "/missing", 64).status().IsNotFound());
  EXPECT_EQ(ReadSmallFile(dir.path(), 64).status().code(), StatusCode::kUnavailable)
      << "a directory cannot be read as a file";
}

}  // namespace
}  // namespace hattama
