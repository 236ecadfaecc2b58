// Hattama's transparency log formats checked by an independent implementation: Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog from Debian's golang-golang-x-mod-dev, and Go's
// crypto/ed25519 for cosignatures (which that note package predates). The test builds
// interop/tlog_interop.go with Debian's golang-go in GOPATH mode, offline, and runs it on what
// Hattama writes; Hattama in turn reads what Go writes. ./hattama setup installs both packages; a
// machine without them fails this test and says so (it does not skip).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/crypto/base64.h"
#include "common/tlog/checkpoint.h"
#include "common/tlog/memory_tree.h"
#include "common/tlog/note.h"
#include "common/tlog/tile.h"
#include "tools/stack/process.h"

namespace hattama::tlog {
namespace {

constexpr char kDebianGoPath[] = "/usr/share/gocode";
constexpr char kOrigin[] = "hattama.example/log";
constexpr auto kGoTimeout = std::chrono::seconds(120);

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, std::string_view content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = dir + "/" + program;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Runs `argv` with Go's environment for a GOPATH build against Debian's packages; its exit code,
// with its output appended to `log`.
Result<int> RunGo(std::vector<std::string> argv, const std::string& log) {
  auto process = stack::Process::Start({
      .argv = std::move(argv),
      .env = {{"GO111MODULE", "off"},
              {"GOPATH", kDebianGoPath},
              {"GOCACHE", HATTAMA_TLOG_INTEROP_WORK_DIR "/go-cache"},
              {"GOFLAGS", ""},
              {"GOPROXY", "off"},
              {"GOENV", "off"},
              {"CGO_ENABLED", "0"}},
      .log_path = log,
  });
  if (!process.ok()) return process.status();
  return (*process)->Wait(kGoTimeout);
}

// Builds the Go program once for all tests; empty if that worked, else why not.
const std::string& BuildError() {
  static const std::string error = [] {
    const std::string go = FindOnPath("go");
    if (go.empty()) {
      return std::string(
          "go is not installed: the interop test needs Debian's golang-go and "
          "golang-golang-x-mod-dev (./hattama setup installs them)");
    }
    if (!std::filesystem::exists(std::string(kDebianGoPath) + "/src/golang.org/x/mod/sumdb/tlog")) {
      return std::string(
          "golang.org/x/mod/sumdb is not in /usr/share/gocode: install Debian's "
          "golang-golang-x-mod-dev (./hattama setup does)");
    }
    std::filesystem::create_directories(HATTAMA_TLOG_INTEROP_WORK_DIR);
    const std::string log = HATTAMA_TLOG_INTEROP_WORK_DIR "/build.log";
    std::filesystem::remove(log);
    auto code = RunGo({go, "build", "-o", HATTAMA_TLOG_INTEROP_WORK_DIR "/tlog_interop",
                       HATTAMA_TLOG_INTEROP_SOURCE},
                      log);
    if (!code.ok()) return "go build: " + code.status().message();
    if (*code != 0) return "go build failed:\n" + ReadFile(log);
    return std::string();
  }();
  return error;
}

class GoInterop : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(BuildError(), ""); }

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string Write(const std::string& name, std::string_view content) const {
    WriteFile(Path(name), content);
    return Path(name);
  }

  // Runs a subcommand of the Go program; what it wrote, or its complaint.
  Result<std::string> Go(std::vector<std::string> args) {
    const std::string out = Path("go-" + std::to_string(++runs_) + ".out");
    const std::string log = Path("go-" + std::to_string(runs_) + ".log");
    args.insert(args.begin(), HATTAMA_TLOG_INTEROP_WORK_DIR "/tlog_interop");
    args.push_back(out);
    auto code = RunGo(args, log);
    if (!code.ok()) return code.status();
    if (*code != 0) return Status::InvalidArgument(ReadFile(log));
    return ReadFile(out);
  }

  static NoteSigner NewSigner(const std::string& name, NoteKeyType type = NoteKeyType::kEd25519) {
    return *NoteSigner::Create(name, type, *crypto::Ed25519PrivateKey::Generate());
  }

  stack::TempDir dir_{"tlog-interop"};
  int runs_ = 0;
};

// Entries of assorted lengths (the empty one too), as a log of protocols would have.
std::string Entry(std::int64_t i) {
  return i % 97 == 0 ? std::string() : "entry " + std::to_string(i) + std::string(i % 13, '+');
}

TEST_F(GoInterop, GoOpensACheckpointHattamaSigned) {
  const NoteSigner log = NewSigner(kOrigin);
  const Checkpoint checkpoint{kOrigin, 20852163, LeafHash("x"), {}};
  const std::string note = *SignCheckpoint(checkpoint, log);

  const std::string key = Write("log.vkey", log.verifier().VerifierKey());
  auto text = Go({"open", key, Write("checkpoint", note)});
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, *FormatCheckpoint(checkpoint));

  std::string altered = note;
  altered.replace(altered.find("20852163"), 8, "20852164");
  auto refused = Go({"open", key, Write("altered", altered)});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("invalid signature"), std::string::npos)
      << refused.status().message();
}

TEST_F(GoInterop, HattamaOpensANoteGoSignedAndSignsItTheSame) {
  auto keys = Go({"generate-key", kOrigin});
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  const std::string signer_key = keys->substr(0, keys->find('\n'));
  const std::string verifier_key =
      keys->substr(signer_key.size() + 1, keys->size() - signer_key.size() - 2);

  const Checkpoint checkpoint{kOrigin, 70000, LeafHash("y"), {"extension line"}};
  auto go_note =
      Go({"sign", Write("go.skey", signer_key), Write("text", *FormatCheckpoint(checkpoint))});
  ASSERT_TRUE(go_note.ok()) << go_note.status().message();

  auto verifier = NoteVerifier::FromVerifierKey(verifier_key);
  ASSERT_TRUE(verifier.ok()) << verifier.status().message();
  auto opened = OpenCheckpoint(*go_note, kOrigin, *verifier);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, checkpoint);

  // Go's key files mean the same key to Hattama; Ed25519 is deterministic, so the notes are equal.
  auto signer = NoteSigner::FromSignerKey(signer_key);
  ASSERT_TRUE(signer.ok()) << signer.status().message();
  EXPECT_EQ(signer->SignerKey(), signer_key);
  EXPECT_EQ(signer->verifier().VerifierKey(), verifier_key);
  EXPECT_EQ(*SignCheckpoint(checkpoint, *signer), *go_note);
}

// Every root and every inclusion and consistency proof of trees up to 100 leaves: Go checks each
// of Hattama's (CheckRecord, CheckTree) and makes the same itself (ProveRecord, ProveTree).
TEST_F(GoInterop, GoVerifiesHattamasRootsAndProofs) {
  constexpr std::int64_t kLeaves = 100;
  MemoryTree tree;
  std::ostringstream input;
  for (std::int64_t i = 0; i < kLeaves; ++i) {
    tree.Append(LeafHash(Entry(i)));
    input << "leaf " << crypto::EncodeBase64(Entry(i)) << "\n";
  }
  const auto proof_text = [](const std::vector<Hash>& proof) {
    std::string text;
    for (const Hash& hash : proof) text += (text.empty() ? "" : ",") + HashToBase64(hash);
    return text.empty() ? std::string("-") : text;
  };
  int inclusions = 0;
  int consistencies = 0;
  for (std::int64_t size = 1; size <= kLeaves; ++size) {
    input << "root " << size << " " << HashToBase64(*tree.RootAt(size)) << "\n";
    for (std::int64_t i = 0; i < size; ++i, ++inclusions) {
      input << "inclusion " << i << " " << size << " " << proof_text(*tree.ProveInclusion(i, size))
            << "\n";
    }
    for (std::int64_t old = 1; old <= size; ++old, ++consistencies) {
      input << "consistency " << old << " " << size << " "
            << proof_text(*tree.ProveConsistency(old, size)) << "\n";
    }
  }
  auto answer = Go({"check-tree", Write("tree", input.str())});
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(*answer, "leaves 100 roots 100 inclusion " + std::to_string(inclusions) +
                         " consistency " + std::to_string(consistencies) + "\n");
}

// Writes what a log of `entries` publishes when it grows from `old_size` to `new_size`: the new
// tiles, their entry bundles and the signed checkpoint (under `name` as well as "checkpoint").
void Publish(const std::string& dir, const MemoryTree& tree,
             const std::vector<std::string>& entries, std::int64_t old_size, std::int64_t new_size,
             const NoteSigner& log, const std::string& name) {
  for (const Tile& tile : NewTiles(old_size, new_size)) {
    WriteFile(dir + "/" + TilePath(tile), *ReadTileData(tile, tree));
    if (tile.level != 0) continue;
    const auto first = entries.begin() + tile.n * kTileWidth;
    const std::vector<std::string> bundle(first, first + tile.width);
    WriteFile(dir + "/" + EntryBundlePath(tile), *EncodeEntryBundle(bundle));
  }
  const std::string note = *SignCheckpoint({kOrigin, new_size, *tree.RootAt(new_size), {}}, log);
  WriteFile(dir + "/checkpoint", note);
  WriteFile(dir + "/" + name, note);
}

// A log of 70,000 entries (tiles at levels 0, 1 and 2) published in two steps; Go's tile reader
// authenticates Hattama's tiles against each checkpoint, checks each entry bundle against the leaf
// hashes, proves leaves through the tiles and the two checkpoints consistent.
TEST_F(GoInterop, GoReadsHattamasTilesAndEntryBundles) {
  const NoteSigner log = NewSigner(kOrigin);
  const std::string key = Write("log.vkey", log.verifier().VerifierKey());
  const std::string dir = Path("log");
  MemoryTree tree;
  std::vector<std::string> entries;
  std::int64_t published = 0;
  for (const std::int64_t size : {1000, 70000}) {
    while (tree.Head().size < size) {
      entries.push_back(Entry(tree.Head().size));
      tree.Append(LeafHash(entries.back()));
    }
    Publish(dir, tree, entries, published, size, log, "checkpoint-" + std::to_string(size));
    published = size;
  }
  auto old_answer = Go({"read-tiles", dir, key, dir + "/checkpoint-1000"});
  ASSERT_TRUE(old_answer.ok()) << old_answer.status().message();
  EXPECT_EQ(*old_answer, "size 1000 entries 1000 proofs 2\n");
  auto answer = Go({"read-tiles", dir, key, dir + "/checkpoint", dir + "/checkpoint-1000"});
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(*answer, "size 70000 entries 70000 proofs 71\nconsistent with 1000\n");

  // The checks can fail: a changed byte in the checkpoint's partial tile breaks the root Go
  // computes, one in a full tile the hash of its entry. (Go 0.7.0's tile reader would not notice
  // the second alone: it authenticates the full tiles it reads below the root's tiles only from
  // position len(stx) of its list, the number of subtree hashes, not of their tiles.)
  const auto flip = [&](const std::string& path) {
    std::string tile = ReadFile(dir + "/" + path);
    ASSERT_GT(tile.size(), 100u);
    tile[100] ^= 1;
    WriteFile(dir + "/" + path, tile);
  };
  flip("tile/0/014");
  auto changed_entry = Go({"read-tiles", dir, key, dir + "/checkpoint"});
  ASSERT_FALSE(changed_entry.ok());
  EXPECT_EQ(changed_entry.status().message(),
            "tlog_interop: tile/entries/014: entry 3 does not hash to its leaf\n");
  flip("tile/0/273.p/112");
  auto changed_root = Go({"read-tiles", dir, key, dir + "/checkpoint"});
  ASSERT_FALSE(changed_root.ok());
  EXPECT_NE(changed_root.status().message().find("downloaded inconsistent tile"), std::string::npos)
      << changed_root.status().message();
}

// c2sp.org/tlog-cosignature both ways: a Go cosigner's line verifies with Hattama, and Hattama's
// cosignature verifies with Go's crypto/ed25519 over the message the spec defines.
TEST_F(GoInterop, CosignaturesVerifyBothWays) {
  const NoteSigner log = NewSigner(kOrigin);
  const std::string note = *SignCheckpoint({kOrigin, 5, LeafHash("z"), {}}, log);

  const auto before = std::chrono::system_clock::now();
  auto go = Go({"cosign", "witness.example/go", Write("checkpoint", note)});
  const auto after = std::chrono::system_clock::now();
  ASSERT_TRUE(go.ok()) << go.status().message();
  const std::string go_key = go->substr(0, go->find('\n'));
  const std::string cosigned = go->substr(go_key.size() + 1);
  auto witness = NoteVerifier::FromVerifierKey(go_key);
  ASSERT_TRUE(witness.ok()) << witness.status().message();
  EXPECT_EQ(witness->type(), NoteKeyType::kCosignatureV1);
  const NoteVerifier known[] = {log.verifier(), *witness};
  auto opened = OpenNote(cosigned, known);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  ASSERT_EQ(opened->verified.size(), 2u);
  const auto seconds = [](auto time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
  };
  ASSERT_TRUE(opened->verified[1].timestamp.has_value());
  EXPECT_GE(static_cast<std::int64_t>(*opened->verified[1].timestamp), seconds(before));
  EXPECT_LE(static_cast<std::int64_t>(*opened->verified[1].timestamp), seconds(after));

  const NoteSigner hattama_witness =
      NewSigner("witness.example/hattama", NoteKeyType::kCosignatureV1);
  auto ours = SignNote(*ParseNote(note), std::span(&hattama_witness, 1), 1700000000);
  ASSERT_TRUE(ours.ok());
  auto checked =
      Go({"check-cosignature", Write("witness.vkey", hattama_witness.verifier().VerifierKey()),
          Write("cosigned", *ours)});
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  EXPECT_EQ(*checked, "time 1700000000\n");
}

}  // namespace
}  // namespace hattama::tlog
