// The portal's edge as deployed: Debian's nginx with deploy/components/nginx/portal.conf
// (stack::Nginx) serving a snapshot directory and a portal directory, checked the way a browser
// and a CDN see it: cache headers, ETags and revalidation, gzip, 404s, and no /v1/ behind it.
#include "tools/stack/nginx.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tools/stack/process.h"

namespace hattama::stack {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A JSON answer large enough to be worth compressing (nginx skips bodies under 256 bytes).
std::string TotalsJson() {
  std::string json = R"({"area":{"area_id":"kz"},"options":[)";
  for (int i = 0; i < 40; ++i) {
    json += (i ? "," : "") + std::string(R"({"option_id":"o)") + std::to_string(i) +
            R"(","votes":"12345"})";
  }
  return json + "]}\n";
}

class NginxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    snapshots_ = new TempDir("nginx-test-data");
    portal_ = new TempDir("nginx-test-portal");
    Write(snapshots_->path() + "/index.json",
          R"({"format":1,"sequence":3,"files":{"GetAreaTotals?area_id=kz&contest_id=m":)"
          R"("v/0123456789abcdef0123456789abcdef.json"}})"
          "\n");
    Write(snapshots_->path() + "/v/0123456789abcdef0123456789abcdef.json", TotalsJson());
    Write(snapshots_->path() + "/.index.json.tmp", "{}");
    Write(portal_->path() + "/index.html", "<!doctype html><title>Hattama</title>\n");
    auto nginx = Nginx::Start({.snapshot_dir = snapshots_->path(), .portal_dir = portal_->path()});
    ASSERT_TRUE(nginx.ok()) << nginx.status().message();
    nginx_ = std::move(nginx).value().release();
  }
  static void TearDownTestSuite() {
    delete nginx_;
    delete portal_;
    delete snapshots_;
  }

  static httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", nginx_->port());
    client.set_decompress(false);
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
    return client.Get(path, headers);
  }

  static inline TempDir* snapshots_ = nullptr;
  static inline TempDir* portal_ = nullptr;
  static inline Nginx* nginx_ = nullptr;
};

TEST_F(NginxTest, VersionedFilesAreCachedForAYearAndTheIndexForOneSecond) {
  auto file = Get("/data/v/0123456789abcdef0123456789abcdef.json");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->status, 200);
  EXPECT_EQ(file->body, TotalsJson());
  EXPECT_EQ(file->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(file->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(file->get_header_value("Access-Control-Allow-Origin"), "*");

  auto index = Get("/data/index.json");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Cache-Control"), "public, max-age=1");
}

TEST_F(NginxTest, AnEtagTurnsARepeatedRequestIntoANotModified) {
  auto first = Get("/data/index.json");
  ASSERT_TRUE(first);
  const std::string etag = first->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());

  auto again = Get("/data/index.json", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(NginxTest, JsonIsGzippedForClientsThatAskOnly) {
  const std::string path = "/data/v/0123456789abcdef0123456789abcdef.json";
  auto zipped = Get(path, {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(zipped);
  EXPECT_EQ(zipped->status, 200);
  EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(zipped->get_header_value("Vary"), "Accept-Encoding");
  ASSERT_GE(zipped->body.size(), 2u);
  EXPECT_EQ(zipped->body.substr(0, 2), "\x1f\x8b");  // gzip's magic
  EXPECT_LT(zipped->body.size(), TotalsJson().size() / 2);

  auto plain = Get(path);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  EXPECT_EQ(plain->body, TotalsJson());
}

TEST_F(NginxTest, MissingFilesTempFilesAndTheApiAreNotFound) {
  auto missing = Get("/data/v/ffffffffffffffffffffffffffffffff.json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  // A name not written yet must not be cached as missing for a year.
  EXPECT_FALSE(missing->has_header("Cache-Control"));

  auto temp = Get("/data/.index.json.tmp");
  ASSERT_TRUE(temp);
  EXPECT_EQ(temp->status, 404);

  // Public load never reaches publication: the API is not behind this nginx.
  auto api = Get("/v1/GetElection");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 404);
}

TEST_F(NginxTest, ThePortalPageIsServedAtTheRootAndAlwaysRevalidated) {
  auto page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "<!doctype html><title>Hattama</title>\n");
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-cache");
}

}  // namespace
}  // namespace hattama::stack
