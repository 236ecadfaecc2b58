// LogClient against a small log served here over real HTTP (cpp-httplib): the checkpoint, the
// entry bundles and a proof built with common/tlog. It accepts the log as it is and refuses it
// when a byte of what it serves changes; every answer is bounded in size and time.
#include "tools/verify/log_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "common/crypto/ed25519.h"
#include "common/http/serve_thread.h"
#include "common/tlog/checkpoint.h"
#include "common/tlog/memory_tree.h"
#include "common/tlog/tile.h"

namespace hattama::verify {
namespace {

constexpr char kOrigin[] = "verify.test/log";

// A log of `size` leaves served at http://127.0.0.1:<port>: /tlog/checkpoint and the entry
// bundles as C2SP tlog-tiles paths; `tamper` changes the served bytes of entry `tamper_leaf`.
// With `api`, /v1/GetInclusionProof answers as the log does for an id it has no leaf of; without
// it the server is like a static mirror of the tiles, which has no /v1/.
class ServedLog {
 public:
  explicit ServedLog(int size, int tamper_leaf = -1, bool api = false)
      : signer_(tlog::NoteSigner::Create(kOrigin, tlog::NoteKeyType::kEd25519,
                                         crypto::Ed25519PrivateKey::Generate().value())
                    .value()) {
    for (int i = 0; i < size; ++i) {
      entries_.push_back("entry " + std::to_string(i));
      tree_.Append(tlog::LeafHash(entries_.back()));
    }
    const tlog::Checkpoint checkpoint{.origin = kOrigin, .size = size, .root = tree_.Head().root};
    note_ = tlog::SignCheckpoint(checkpoint, signer_).value();
    if (tamper_leaf >= 0) entries_[static_cast<std::size_t>(tamper_leaf)] += "!";
    server_.Get("/tlog/checkpoint", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(note_, "text/plain");
    });
    server_.Get(R"(/tlog/(tile/entries/.*))", [this](const httplib::Request& request,
                                                     httplib::Response& response) {
      auto parsed = tlog::ParseTilePath(request.matches[1].str());
      if (!parsed.ok()) {
        response.status = 404;
        return;
      }
      const auto begin = entries_.begin() + parsed->tile.n * tlog::kTileWidth;
      response.set_content(tlog::EncodeEntryBundle({begin, begin + parsed->tile.width}).value(),
                           "application/octet-stream");
    });
    if (api) {
      server_.Get("/v1/GetInclusionProof",
                  [](const httplib::Request&, httplib::Response& response) {
                    response.status = 404;
                    response.set_content(R"({"code":"NOT_FOUND","message":"no leaf of that id"})",
                                         "application/json");
                  });
    }
    server_.Get("/big", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(2 << 20, 'x'), "text/plain");
    });
    // Drips a byte every 100 ms: each read is quick, the whole answer never ends in time.
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& response) {
      response.set_chunked_content_provider("text/plain", [](std::size_t, httplib::DataSink& sink) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return sink.write("x", 1);
      });
    });
    // Bound and listening here: connections wait in the backlog until the thread accepts them.
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = hattama::http::ServeOnThread(server_);
  }
  ~ServedLog() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const tlog::NoteVerifier& key() const { return signer_.verifier(); }

 private:
  tlog::NoteSigner signer_;
  std::vector<std::string> entries_;
  tlog::MemoryTree tree_;
  std::string note_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(VerifyLogClient, DownloadsEveryEntryOfAVerifiedCheckpoint) {
  ServedLog log(600);
  auto client = LogClient::Create(log.url(), log.key());
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto checkpoint = (*client)->FetchCheckpoint();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
  EXPECT_EQ(checkpoint->checkpoint.size, 600);
  std::int64_t reported = 0;
  auto entries = (*client)->DownloadEntries(
      checkpoint->checkpoint, [&](std::int64_t done, std::int64_t) { reported = done; });
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 600u);
  EXPECT_EQ((*entries)[599], "entry 599");
  EXPECT_EQ(reported, 600);
}

TEST(VerifyLogClient, RefusesAnEntryChangedAfterTheCheckpointWasSigned) {
  ServedLog log(300, /*tamper_leaf=*/277);
  auto client = LogClient::Create(log.url(), log.key());
  ASSERT_TRUE(client.ok());
  auto checkpoint = (*client)->FetchCheckpoint();
  ASSERT_TRUE(checkpoint.ok());
  auto entries = (*client)->DownloadEntries(checkpoint->checkpoint);
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(entries.status().message().find("not the checkpoint's"), std::string::npos);
}

TEST(VerifyLogClient, RefusesACheckpointSignedByAnotherKeyAndATreeAboveTheLimit) {
  ServedLog log(10);
  ServedLog other(10);
  auto wrong_key = LogClient::Create(log.url(), other.key());
  ASSERT_TRUE(wrong_key.ok());
  auto refused = (*wrong_key)->FetchCheckpoint();
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);

  auto bounded = LogClient::Create(log.url(), log.key(), {.max_tree_size = 9});
  ASSERT_TRUE(bounded.ok());
  auto checkpoint = (*bounded)->FetchCheckpoint();
  ASSERT_TRUE(checkpoint.ok());
  auto too_many = (*bounded)->DownloadEntries(checkpoint->checkpoint);
  EXPECT_EQ(too_many.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(too_many.status().message().find("--max-tree-size"), std::string::npos);
}

// Only the log's own NOT_FOUND says a protocol is missing from it. A 404 of a static mirror (it
// serves the tiles, not /v1/) or of a wrong URL means the log could not be asked: never evidence.
TEST(VerifyLogClient, OnlyTheLogsOwnNotFoundSaysALeafIsMissing) {
  ServedLog log(10, -1, /*api=*/true);
  auto client = LogClient::Create(log.url(), log.key());
  ASSERT_TRUE(client.ok());
  auto checkpoint = (*client)->FetchCheckpoint();
  ASSERT_TRUE(checkpoint.ok());
  auto missing = (*client)->ProveIncluded("s-1", checkpoint->checkpoint);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().message();
  EXPECT_NE(missing.status().message().find("no leaf of that id"), std::string::npos);

  ServedLog mirror(10);
  auto mirrored = LogClient::Create(mirror.url(), mirror.key());
  ASSERT_TRUE(mirrored.ok());
  auto mirror_checkpoint = (*mirrored)->FetchCheckpoint();
  ASSERT_TRUE(mirror_checkpoint.ok());
  auto unasked = (*mirrored)->ProveIncluded("s-1", mirror_checkpoint->checkpoint);
  EXPECT_EQ(unasked.status().code(), StatusCode::kUnavailable) << unasked.status().message();
  EXPECT_NE(unasked.status().message().find("not the log's API answer"), std::string::npos);
}

tlog::NoteSigner NewSigner(const std::string& name, tlog::NoteKeyType type) {
  return tlog::NoteSigner::Create(name, type, crypto::Ed25519PrivateKey::Generate().value())
      .value();
}

// `log`'s checkpoint of `size` leaves, cosigned by `witness` at `time`, as the log serves it.
v1::Cosignature Cosigned(const tlog::NoteSigner& log, const tlog::NoteSigner& witness,
                         std::int64_t size, std::int64_t time) {
  tlog::MemoryTree tree;
  for (int i = 0; i < size; ++i) tree.Append(tlog::LeafHash("entry " + std::to_string(i)));
  const tlog::Checkpoint checkpoint{.origin = log.name(), .size = size, .root = tree.Head().root};
  const std::string signed_note = tlog::SignCheckpoint(checkpoint, log).value();
  auto note = tlog::OpenNote(signed_note, std::span(&log.verifier(), 1)).value();
  v1::Cosignature cosignature;
  cosignature.set_witness(witness.name());
  cosignature.set_tree_size(size);
  cosignature.set_timestamp(time);
  cosignature.set_signed_note(tlog::SignNote(note, std::span(&witness, 1), time).value());
  return cosignature;
}

// A cosignature holds when the log's signature and the witness's line both verify with the keys
// the checker holds; a changed byte, another key of the witness's name, or a checkpoint another
// log signed does not.
TEST(VerifyCosignature, HoldsOnlyForTheLogsCheckpointCosignedByTheWitnessKeyGiven) {
  const tlog::NoteSigner log = NewSigner(kOrigin, tlog::NoteKeyType::kEd25519);
  const tlog::NoteSigner witness = NewSigner("witness.test/w1", tlog::NoteKeyType::kCosignatureV1);
  const v1::Cosignature served = Cosigned(log, witness, 12, 1'790'000'000);

  auto opened = OpenCosignature(served, log.verifier(), witness.verifier());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->checkpoint.size, 12);
  EXPECT_EQ(opened->timestamp, 1'790'000'000u);

  v1::Cosignature changed = served;
  std::string& note = *changed.mutable_signed_note();
  const std::size_t last_line = note.rfind("\n\xe2\x80\x94 witness.test/w1 ");
  ASSERT_NE(last_line, std::string::npos) << note;
  note[note.size() - 5] = note[note.size() - 5] == 'A' ? 'B' : 'A';
  auto tampered = OpenCosignature(changed, log.verifier(), witness.verifier());
  EXPECT_EQ(tampered.status().code(), StatusCode::kInvalidArgument) << tampered.status().message();

  const tlog::NoteSigner impostor = NewSigner("witness.test/w1", tlog::NoteKeyType::kCosignatureV1);
  auto other_key = OpenCosignature(served, log.verifier(), impostor.verifier());
  EXPECT_EQ(other_key.status().code(), StatusCode::kNotFound) << other_key.status().message();

  const tlog::NoteSigner other_log = NewSigner("other.test/log", tlog::NoteKeyType::kEd25519);
  auto of_another_log = OpenCosignature(Cosigned(other_log, witness, 12, 1'790'000'000),
                                        log.verifier(), witness.verifier());
  EXPECT_EQ(of_another_log.status().code(), StatusCode::kInvalidArgument)
      << of_another_log.status().message();
}

TEST(VerifyHttpFetcher, AnAnswerBeyondItsSizeOrTimeIsCutOff) {
  ServedLog log(1);
  auto fetcher =
      HttpFetcher::Create(log.url(), {.connect_timeout = std::chrono::seconds(2),
                                      .request_timeout = std::chrono::milliseconds(1000)});
  ASSERT_TRUE(fetcher.ok());
  auto big = (*fetcher)->Get("/big", 1 << 20);
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  const auto start = std::chrono::steady_clock::now();
  auto slow = (*fetcher)->Get("/slow", 1 << 20);
  EXPECT_EQ(slow.status().code(), StatusCode::kUnavailable) << "a dripping answer was read whole";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(VerifyHttpFetcher, RefusesAURLOfAnotherShape) {
  EXPECT_FALSE(HttpFetcher::Create("ftp://example.org", {}).ok());
  EXPECT_FALSE(HttpFetcher::Create("http://", {}).ok());
  EXPECT_FALSE(HttpFetcher::Create("http://host/log?x=1", {}).ok());
  auto prefixed = HttpFetcher::Create("https://mirror.example.org/hattama/", {});
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ((*prefixed)->url(), "https://mirror.example.org/hattama");
}

}  // namespace
}  // namespace hattama::verify
