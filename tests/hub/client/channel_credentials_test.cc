#include "tools/hub/client/channel_credentials.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/hub/temp_dir.h"

namespace hattama::hub {
namespace {

TEST(ChannelCredentials, PlaintextWithoutACa) {
  auto credentials = ChannelCredentials(StreamOptions{});
  ASSERT_TRUE(credentials.ok()) << credentials.status().message();
  EXPECT_NE(*credentials, nullptr);
}

TEST(ChannelCredentials, RefusesAClientCertificateWithoutACa) {
  auto credentials = ChannelCredentials({.tls_cert = "client.pem", .tls_key = "client.key"});
  ASSERT_FALSE(credentials.ok());
  EXPECT_NE(credentials.status().message().find("--tls-ca"), std::string::npos);
}

TEST(ChannelCredentials, NamesTheFileItCannotRead) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  std::ofstream(dir.File("ca.pem")) << "-----BEGIN CERTIFICATE-----\n";
  auto no_ca = ChannelCredentials({.tls_ca = dir.File("absent-ca.pem")});
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.status().message().find("absent-ca.pem"), std::string::npos);

  // mTLS needs both halves of the client's pair.
  auto no_key = ChannelCredentials(
      {.tls_ca = dir.File("ca.pem"), .tls_cert = dir.File("ca.pem"), .tls_key = ""});
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.status().message().find("cannot read"), std::string::npos);

  auto tls = ChannelCredentials({.tls_ca = dir.File("ca.pem")});
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  EXPECT_NE(*tls, nullptr);
}

}  // namespace
}  // namespace hattama::hub
