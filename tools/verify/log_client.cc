#include "tools/verify/log_client.h"

#include <fmt/format.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "common/tlog/hash.h"
#include "common/tlog/proof.h"
#include "common/tlog/tile.h"
#include "tools/verify/tree_hasher.h"

namespace hattama::verify {
namespace {

// The most an entry bundle can be: 256 entries of at most 65,535 bytes, each after its 2-byte
// length (C2SP tlog-tiles with Hattama's entries).
constexpr std::size_t kMaxBundleBytes = tlog::kTileWidth * (2 + tlog::kMaxEntrySize);

// The log's own error answer {"code": …, "message": …}: its code and message.
struct ApiError {
  std::string code;
  std::string message;
};

// The answer as the log's API error, or nothing when the body is not one (an HTML page of a
// static mirror, a proxy or a wrong URL prefix).
std::optional<ApiError> ApiErrorOf(const HttpAnswer& answer) {
  google::protobuf::Struct error;
  if (!google::protobuf::util::JsonStringToMessage(answer.body, &error).ok()) return std::nullopt;
  const auto code = error.fields().find("code");
  const auto message = error.fields().find("message");
  if (code == error.fields().end() || !code->second.has_string_value() ||
      message == error.fields().end() || !message->second.has_string_value()) {
    return std::nullopt;
  }
  return ApiError{.code = code->second.string_value(), .message = message->second.string_value()};
}

// A failure the log answered with, as the kind LogClient's header promises. Only the log's own
// error answer is its word: a 404 or 400 of anything else (a static mirror serves the tiles but
// no /v1/, a wrong URL prefix) means the log could not be asked, never that it does not hold.
Status FromHttp(const std::string& what, const HttpAnswer& answer) {
  const std::optional<ApiError> error = ApiErrorOf(answer);
  if (!error) {
    return Status::Unavailable(fmt::format(
        "{}: HTTP {} that is not the log's API answer (is the URL a log, or a static mirror of "
        "its tiles only?): {}",
        what, answer.status, answer.body.substr(0, 200)));
  }
  const std::string message = fmt::format("{}: HTTP {}: {}", what, answer.status, error->message);
  if (answer.status == 404 && error->code == "NOT_FOUND") return Status::NotFound(message);
  if ((answer.status == 400 &&
       (error->code == "INVALID_ARGUMENT" || error->code == "FAILED_PRECONDITION" ||
        error->code == "OUT_OF_RANGE")) ||
      (answer.status == 403 && error->code == "PERMISSION_DENIED")) {
    return Status::FailedPrecondition(message);
  }
  return Status::Unavailable(message);
}

Result<std::vector<tlog::Hash>> HashesOf(const google::protobuf::RepeatedPtrField<std::string>& in,
                                         const std::string& what) {
  std::vector<tlog::Hash> hashes;
  for (const auto& bytes : in) {
    auto hash = tlog::HashFromBytes(bytes);
    if (!hash.ok()) return Status::InvalidArgument(what + ": " + hash.status().message());
    hashes.push_back(*hash);
  }
  return hashes;
}

}  // namespace

Progress StderrProgress(std::string what) {
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [what = std::move(what), last](std::int64_t done, std::int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done < total && now - *last < std::chrono::seconds(2)) return;
    *last = now;
    const double percent = total == 0 ? 100.0 : 100.0 * static_cast<double>(done) / total;
    std::fprintf(stderr, "%s: %lld of %lld (%.0f%%)\n", what.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total), percent);
  };
}

Result<VerifiedCheckpoint> OpenSignedCheckpoint(std::string_view signed_note,
                                                const tlog::NoteVerifier& log_key) {
  auto note = tlog::OpenNote(signed_note, std::span(&log_key, 1));
  if (!note.ok()) {
    return Status::InvalidArgument("the checkpoint is not signed by the log key " +
                                   log_key.VerifierKey() + ": " + note.status().message());
  }
  auto checkpoint = tlog::ParseCheckpoint(note->text);
  if (!checkpoint.ok()) {
    return Status::InvalidArgument("the checkpoint does not parse: " +
                                   checkpoint.status().message());
  }
  if (checkpoint->origin != log_key.name()) {
    return Status::InvalidArgument("the checkpoint is of log \"" + checkpoint->origin +
                                   "\", not \"" + log_key.name() + "\"");
  }
  return VerifiedCheckpoint{.checkpoint = std::move(checkpoint).value(),
                            .signed_note = std::string(signed_note),
                            .note = std::move(note).value()};
}

Result<CosignedCheckpoint> OpenCosignature(const v1::Cosignature& cosignature,
                                           const tlog::NoteVerifier& log_key,
                                           const tlog::NoteVerifier& witness) {
  auto logged = OpenSignedCheckpoint(cosignature.signed_note(), log_key);
  if (!logged.ok()) return logged.status();
  // Opened with the log's key alone, the witness's lines are among the unverified ones.
  const auto& lines = logged->note.unverified;
  if (std::none_of(lines.begin(), lines.end(), [&](const tlog::NoteSignature& line) {
        return line.name == witness.name() && line.key_hash == witness.key_hash();
      })) {
    return Status::NotFound("it carries no cosignature by the key " + witness.VerifierKey());
  }
  auto cosigned = tlog::OpenNote(cosignature.signed_note(), std::span(&witness, 1));
  if (!cosigned.ok() || cosigned->verified.empty() || !cosigned->verified[0].timestamp) {
    return Status::InvalidArgument(
        "the cosignature does not verify with the key " + witness.VerifierKey() +
        (cosigned.ok() ? std::string() : ": " + cosigned.status().message()));
  }
  return CosignedCheckpoint{.checkpoint = std::move(logged->checkpoint),
                            .timestamp = *cosigned->verified[0].timestamp};
}

Result<std::unique_ptr<LogClient>> LogClient::Create(std::string_view url,
                                                     tlog::NoteVerifier log_key, LogLimits limits) {
  if (log_key.type() != tlog::NoteKeyType::kEd25519) {
    return Status::InvalidArgument("a log key is an Ed25519 note key");
  }
  auto http = HttpFetcher::Create(url, limits.http);
  if (!http.ok()) return http.status();
  return std::unique_ptr<LogClient>(
      new LogClient(std::move(http).value(), std::move(log_key), limits));
}

Result<VerifiedCheckpoint> LogClient::FetchCheckpoint() {
  auto answer = http_->Get("/tlog/checkpoint", limits_.max_answer_bytes);
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) {
    // A log that serves no checkpoint (yet) cannot be checked; it is not evidence against it.
    return Status::Unavailable(
        fmt::format("{}/tlog/checkpoint: HTTP {}", http_->url(), answer->status));
  }
  return OpenSignedCheckpoint(answer->body, log_key_);
}

Status LogClient::CallApi(const std::string& path_and_query, const std::string* body,
                          google::protobuf::Message& answer) {
  auto http = body == nullptr ? http_->Get(path_and_query, limits_.max_answer_bytes)
                              : http_->PostJson(path_and_query, *body, limits_.max_answer_bytes);
  if (!http.ok()) return http.status();
  if (http->status != 200) return FromHttp(path_and_query, *http);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(http->body, &answer, options);
      !parsed.ok()) {
    return Status::InvalidArgument(fmt::format("{}: the answer is no {}: {}", path_and_query,
                                               answer.GetTypeName(), parsed.message().as_string()));
  }
  return Status::Ok();
}

Result<IncludedEntry> LogClient::ProveIncluded(const std::string& submission_id,
                                               const tlog::Checkpoint& checkpoint) {
  v1::InclusionProof proof;
  if (Status status = CallApi(fmt::format("/v1/GetInclusionProof?submission_id={}&tree_size={}",
                                          EncodeQueryValue(submission_id), checkpoint.size),
                              nullptr, proof);
      !status.ok()) {
    return status;
  }
  const std::string what =
      fmt::format("the inclusion proof of {} (leaf {})", submission_id, proof.leaf_index());
  if (proof.tree_size() != checkpoint.size) {
    return Status::InvalidArgument(
        fmt::format("{} is for tree size {}, not {}", what, proof.tree_size(), checkpoint.size));
  }
  auto hashes = HashesOf(proof.hashes(), what);
  if (!hashes.ok()) return hashes.status();
  IncludedEntry included{.leaf_index = proof.leaf_index(), .entry = proof.entry().entry()};
  if (Status verified =
          tlog::VerifyInclusion(*hashes, included.leaf_index, tlog::LeafHash(included.entry),
                                checkpoint.size, checkpoint.root);
      !verified.ok()) {
    return Status::InvalidArgument(
        fmt::format("{} does not lead to the checkpoint's root: {}", what, verified.message()));
  }
  auto decoded = tlog::DecodeLeafEntry(included.entry);
  if (!decoded.ok()) {
    return Status::InvalidArgument(what + ": the entry: " + decoded.status().message());
  }
  if (decoded->submission_id != submission_id) {
    return Status::InvalidArgument(
        fmt::format("{}: the entry carries the id \"{}\"", what, decoded->submission_id));
  }
  included.decoded = std::move(decoded).value();
  included.other_leaf_indexes.assign(proof.other_leaf_indexes().begin(),
                                     proof.other_leaf_indexes().end());
  return included;
}

Status LogClient::CheckConsistent(const tlog::Checkpoint& older, const tlog::Checkpoint& newer) {
  if (older.origin != newer.origin) {
    return Status::InvalidArgument("the checkpoints are of two logs: \"" + older.origin +
                                   "\" and \"" + newer.origin + "\"");
  }
  if (older.size > newer.size) {
    return Status::InvalidArgument(fmt::format(
        "the newer checkpoint holds {} leaves, fewer than the older's {}", newer.size, older.size));
  }
  if (older.size == newer.size) {
    if (older.root == newer.root) return Status::Ok();
    return Status::InvalidArgument(fmt::format("two different roots at tree size {}: {} and {}",
                                               older.size, tlog::HashToBase64(older.root),
                                               tlog::HashToBase64(newer.root)));
  }
  v1::ConsistencyProof proof;
  if (Status status = CallApi(
          fmt::format("/v1/GetConsistencyProof?old_size={}&new_size={}", older.size, newer.size),
          nullptr, proof);
      !status.ok()) {
    return status;
  }
  const std::string what =
      fmt::format("the consistency proof from size {} to {}", older.size, newer.size);
  if (proof.old_size() != older.size || proof.new_size() != newer.size) {
    return Status::InvalidArgument(
        fmt::format("{} is for sizes {} to {}", what, proof.old_size(), proof.new_size()));
  }
  auto hashes = HashesOf(proof.hashes(), what);
  if (!hashes.ok()) return hashes.status();
  if (Status verified =
          tlog::VerifyConsistency(*hashes, older.size, older.root, newer.size, newer.root);
      !verified.ok()) {
    return Status::InvalidArgument(fmt::format("{} does not join the two roots ({} and {}): {}",
                                               what, tlog::HashToBase64(older.root),
                                               tlog::HashToBase64(newer.root), verified.message()));
  }
  return Status::Ok();
}

Result<std::string> LogClient::FetchBundle(std::int64_t n, int width) {
  const tlog::Tile tile{.level = 0, .n = n, .width = width};
  auto answer = http_->Get("/tlog/" + tlog::EntryBundlePath(tile), kMaxBundleBytes);
  // A newer checkpoint may have completed the bundle, and the log removed its partial copies: the
  // full bundle begins with the same entries (C2SP tlog-tiles).
  if (answer.ok() && answer->status == 404 && width < tlog::kTileWidth) {
    answer = http_->Get("/tlog/" + tlog::EntryBundlePath({.level = 0, .n = n}), kMaxBundleBytes);
  }
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) {
    return Status::Unavailable(fmt::format("{}/tlog/{}: HTTP {}", http_->url(),
                                           tlog::EntryBundlePath(tile), answer->status));
  }
  return std::move(answer->body);
}

Status LogClient::ForEachEntry(const tlog::Checkpoint& checkpoint, const EntryVisitor& visit,
                               const Progress& progress) {
  if (checkpoint.size > limits_.max_tree_size) {
    return Status::ResourceExhausted(
        fmt::format("the checkpoint holds {} leaves, more than the limit of {} (--max-tree-size)",
                    checkpoint.size, limits_.max_tree_size));
  }
  TreeHasher tree;
  for (std::int64_t n = 0; n * tlog::kTileWidth < checkpoint.size; ++n) {
    const int width = static_cast<int>(
        std::min<std::int64_t>(checkpoint.size - n * tlog::kTileWidth, tlog::kTileWidth));
    auto bundle = FetchBundle(n, width);
    if (!bundle.ok()) return bundle.status();
    auto entries = tlog::DecodeEntryBundle(*bundle);
    if (!entries.ok() || entries->size() < static_cast<std::size_t>(width)) {
      return Status::InvalidArgument(
          fmt::format("entry bundle {} does not hold the {} entries the checkpoint needs{}", n,
                      width, entries.ok() ? "" : ": " + entries.status().message()));
    }
    for (int i = 0; i < width; ++i) {
      const std::string& entry = (*entries)[static_cast<std::size_t>(i)];
      if (Status visited = visit(tree.size(), entry); !visited.ok()) return visited;
      tree.AppendLeaf(tlog::LeafHash(entry));
    }
    if (progress) progress(tree.size(), checkpoint.size);
  }
  if (progress && checkpoint.size == 0) progress(0, 0);
  if (tree.Root() != checkpoint.root) {
    return Status::InvalidArgument(fmt::format(
        "the {} downloaded entries hash to the root {}, not the checkpoint's {}", tree.size(),
        tlog::HashToBase64(tree.Root()), tlog::HashToBase64(checkpoint.root)));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> LogClient::DownloadEntries(const tlog::Checkpoint& checkpoint,
                                                            const Progress& progress) {
  std::vector<std::string> entries;
  Status status = ForEachEntry(
      checkpoint,
      [&entries](std::int64_t, std::string_view entry) {
        entries.emplace_back(entry);
        return Status::Ok();
      },
      progress);
  if (!status.ok()) return status;
  return entries;
}

Result<std::vector<v1::Cosignature>> LogClient::FetchCosignatures() {
  v1::SignedCheckpoint served;
  if (Status status = CallApi("/v1/GetCheckpoint", nullptr, served); !status.ok()) return status;
  return std::vector<v1::Cosignature>(served.cosignatures().begin(), served.cosignatures().end());
}

Result<v1::AddCosignatureResponse> LogClient::AddCosignature(const std::string& cosigned_note) {
  v1::AddCosignatureRequest request;
  request.set_cosigned_note(cosigned_note);
  std::string body;
  (void)google::protobuf::util::MessageToJsonString(request, &body);
  v1::AddCosignatureResponse response;
  if (Status status = CallApi("/v1/AddCosignature", &body, response); !status.ok()) return status;
  return response;
}

}  // namespace hattama::verify
