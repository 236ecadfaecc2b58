// hattama-hub keygen, run as an observer would: a key pair whose public half goes into
// observers.csv, a private file only its owner can read, and never a key overwritten.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/crypto/base64.h"
#include "common/crypto/key_file.h"
#include "tools/stack/stack.h"

namespace hattama {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs hattama-hub keygen FILE; its exit code and what it printed.
std::pair<int, std::string> Keygen(const std::string& dir, const std::string& file) {
  const std::string log = dir + "/keygen.log";
  std::filesystem::remove(log);
  auto process = stack::Process::Start(
      {.argv = {stack::BinaryPath("hattama-hub"), "keygen", file}, .log_path = log});
  EXPECT_TRUE(process.ok()) << process.status().message();
  if (!process.ok()) return {-1, ""};
  auto code = (*process)->Wait(std::chrono::seconds(30));
  EXPECT_TRUE(code.ok());
  return {code.ok() ? *code : -1, Read(log)};
}

TEST(Keygen, WritesAPairPrintsThePublicKeyAndNeverOverwrites) {
  stack::TempDir dir("hattama-keygen");
  const std::string key_path = dir.path() + "/obs-UIK-00001.key";
  const auto [code, printed] = Keygen(dir.path(), key_path);
  ASSERT_EQ(code, 0) << printed;

  auto key = crypto::ReadPrivateKeyFile(key_path);
  ASSERT_TRUE(key.ok()) << key.status().message();
  auto public_key = crypto::ReadPublicKeyFile(key_path + ".pub");
  ASSERT_TRUE(public_key.ok()) << public_key.status().message();
  EXPECT_TRUE(key->public_key() == *public_key);
  // What to put in observers.csv is printed.
  EXPECT_NE(printed.find(crypto::EncodeBase64(public_key->bytes())), std::string::npos) << printed;
  const auto permissions = std::filesystem::status(key_path).permissions();
  EXPECT_EQ(permissions & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);

  const std::string before = Read(key_path);
  const auto [again, refused] = Keygen(dir.path(), key_path);
  EXPECT_NE(again, 0);
  EXPECT_NE(refused.find("never overwritten"), std::string::npos) << refused;
  EXPECT_EQ(Read(key_path), before);
}

}  // namespace
}  // namespace hattama
