#include "services/tlog/witnesses.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/tlog/checkpoint.h"

namespace hattama::transparency {
namespace {

constexpr char kCosignedCheckpoint[] = "checkpoint.cosigned";
constexpr char kKeptFile[] = ".witnesses";

std::string KeyId(const tlog::NoteSignature& line) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", line.key_hash);
  return line.name + "+" + hex;
}

// The signed note of `text` with the log's line and the witnesses' lines, in that order.
Result<std::string> CosignedNote(const std::string& text, const tlog::NoteSignature& log_line,
                                 std::vector<tlog::NoteSignature> witness_lines) {
  tlog::Note note{text, {log_line}, std::move(witness_lines)};
  return tlog::SignNote(note, {});
}

// Newest first: by tree size, then time, then name (so that the order is one).
bool Newer(const v1::Cosignature& a, const v1::Cosignature& b) {
  if (a.tree_size() != b.tree_size()) return a.tree_size() > b.tree_size();
  if (a.timestamp() != b.timestamp()) return a.timestamp() > b.timestamp();
  return a.witness() < b.witness();
}

}  // namespace

Result<std::unique_ptr<Witnesses>> Witnesses::Open(std::vector<tlog::NoteVerifier> keys,
                                                   TileStore& store, const LogTree& tree,
                                                   const Publisher& publisher) {
  std::unique_ptr<Witnesses> witnesses(new Witnesses(std::move(keys), store, tree, publisher));
  auto file = store.Read(kKeptFile);
  if (!file.ok()) {
    if (file.status().IsNotFound()) return witnesses;
    return file.status();
  }
  std::istringstream lines(*file);
  for (std::string line; std::getline(lines, line);) {
    v1::AddCosignatureRequest kept;
    if (!google::protobuf::util::JsonStringToMessage(line, &kept).ok()) {
      spdlog::warn("a line of {}/{} is no kept cosignature; dropped", store.dir(), kKeptFile);
      continue;
    }
    witnesses->to_restore_.push_back(kept.cosigned_note());
  }
  return witnesses;
}

Result<std::vector<Witnesses::Kept>> Witnesses::Check(std::string_view cosigned_note) const {
  auto latest = publisher_.Latest();
  if (!latest) {
    return Status::Unavailable("the log is being rebuilt from Kafka and has no checkpoint yet");
  }
  // 1. The log's own checkpoint.
  auto note = tlog::OpenNote(cosigned_note, std::span(&publisher_.verifier(), 1));
  if (!note.ok()) {
    return Status::InvalidArgument("the note is no checkpoint signed by this log (key " +
                                   publisher_.verifier().VerifierKey() +
                                   "): " + note.status().message());
  }
  auto checkpoint = tlog::ParseCheckpoint(note->text);
  if (!checkpoint.ok()) {
    return Status::InvalidArgument("the note's text is no checkpoint: " +
                                   checkpoint.status().message());
  }
  if (checkpoint->origin != publisher_.origin()) {
    return Status::InvalidArgument("the checkpoint is of the log \"" + checkpoint->origin +
                                   "\", not of \"" + publisher_.origin() + "\"");
  }
  // 2. A tree this log has.
  const std::int64_t latest_size = latest->checkpoint.size;
  const std::string what = "a checkpoint signed with this log's key (tree size " +
                           std::to_string(checkpoint->size) + ", root " +
                           tlog::HashToBase64(checkpoint->root) + ")";
  if (checkpoint->size > latest_size) {
    spdlog::error(
        "FORK EVIDENCE: {} was handed in, but this log's latest checkpoint has only {} "
        "leaves: the key signed a tree this log never had",
        what, latest_size);
    return Status::FailedPrecondition(what + " is larger than this log's latest checkpoint (" +
                                      std::to_string(latest_size) + " leaves)");
  }
  auto root = tree_.tree().RootAt(checkpoint->size);
  if (!root.ok()) return root.status();
  if (*root != checkpoint->root) {
    spdlog::error(
        "FORK EVIDENCE: {} was handed in, but this log's root at that size is {}: the "
        "key signed a tree this log never had",
        what, tlog::HashToBase64(*root));
    return Status::FailedPrecondition(what + " is not this log's: its root at that size is " +
                                      tlog::HashToBase64(*root));
  }
  // 3. Cosigned by configured witnesses.
  std::vector<Kept> accepted;
  std::string others;
  for (const tlog::NoteSignature& line : note->unverified) {
    auto key = std::find_if(keys_.begin(), keys_.end(), [&](const tlog::NoteVerifier& key) {
      return key.name() == line.name && key.key_hash() == line.key_hash;
    });
    if (key == keys_.end()) {
      others += (others.empty() ? "" : ", ") + KeyId(line);
      continue;
    }
    auto timestamp = key->Verify(note->text, line.signature);
    if (!timestamp.ok()) {
      return Status::InvalidArgument("the cosignature of " + key->name() +
                                     " does not verify: " + timestamp.status().message());
    }
    auto signed_note = CosignedNote(note->text, note->verified.front(), {line});
    if (!signed_note.ok()) return signed_note.status();
    accepted.push_back({.witness = key->name(),
                        .tree_size = checkpoint->size,
                        .timestamp = timestamp->value_or(0),
                        .text = note->text,
                        .log_line = note->verified.front(),
                        .witness_line = line,
                        .signed_note = std::move(signed_note).value()});
  }
  if (accepted.empty()) {
    return Status::PermissionDenied(
        "the note carries no cosignature of a witness this log accepts (--witness-key); its "
        "other signatures are by " +
        (others.empty() ? std::string("nobody") : others));
  }
  return accepted;
}

Result<bool> Witnesses::Keep(std::vector<Kept> accepted) {
  for (const Kept& cosignature : accepted) {
    auto kept = kept_.find(cosignature.witness);
    if (kept != kept_.end() && kept->second.tree_size > cosignature.tree_size) {
      return Status::InvalidArgument(
          "the witness " + cosignature.witness + " cosigned the tree of " +
          std::to_string(kept->second.tree_size) + " leaves already, and now that of " +
          std::to_string(cosignature.tree_size) + ": a witness never goes back");
    }
  }
  bool changed = false;
  for (Kept& cosignature : accepted) {
    auto kept = kept_.find(cosignature.witness);
    if (kept != kept_.end() && kept->second.tree_size == cosignature.tree_size &&
        kept->second.timestamp >= cosignature.timestamp) {
      continue;
    }
    kept_[cosignature.witness] = std::move(cosignature);
    changed = true;
  }
  return changed;
}

void Witnesses::RestoreOnce() {
  if (restored_ || !publisher_.Latest()) return;
  restored_ = true;
  const std::size_t read = to_restore_.size();
  for (const std::string& note : to_restore_) {
    auto accepted = Check(note);
    auto kept = accepted.ok() ? Keep(std::move(accepted).value()) : accepted.status();
    if (!kept.ok()) {
      spdlog::warn("a cosignature kept by an earlier run is dropped: {}", kept.status().message());
    }
  }
  to_restore_.clear();
  if (read == 0) return;
  spdlog::info("{} of the {} witnesses' cosignatures kept by an earlier run hold", kept_.size(),
               read);
  if (Status saved = Save(); !saved.ok()) {
    spdlog::warn("cannot write the witnesses' cosignatures: {}", saved.message());
  }
}

Status Witnesses::Save() {
  std::string file;
  const Kept* newest = nullptr;
  for (const auto& [witness, kept] : kept_) {
    v1::AddCosignatureRequest line;
    line.set_cosigned_note(kept.signed_note);
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(line, &json).ok()) {
      return Status::Internal("a cosigned note has no JSON form");
    }
    file += json + "\n";
    if (newest == nullptr || kept.tree_size > newest->tree_size) newest = &kept;
  }
  if (Status written = store_.WriteMutable(kKeptFile, file); !written.ok()) return written;
  // None kept (every one dropped at a restart): no cosigned checkpoint of a witness no longer
  // configured stays served.
  if (newest == nullptr) return store_.Remove(kCosignedCheckpoint);
  std::vector<tlog::NoteSignature> lines;
  for (const auto& [witness, kept] : kept_) {
    if (kept.tree_size == newest->tree_size) lines.push_back(kept.witness_line);
  }
  auto cosigned = CosignedNote(newest->text, newest->log_line, std::move(lines));
  if (!cosigned.ok()) return cosigned.status();
  return store_.WriteMutable(kCosignedCheckpoint, *cosigned);
}

Result<v1::AddCosignatureResponse> Witnesses::Add(std::string_view cosigned_note) {
  std::lock_guard lock(mutex_);
  RestoreOnce();
  auto accepted = Check(cosigned_note);
  if (!accepted.ok()) return accepted.status();
  v1::AddCosignatureResponse response;
  response.set_witness(accepted->front().witness);
  response.set_tree_size(accepted->front().tree_size);
  auto changed = Keep(std::move(accepted).value());
  if (!changed.ok()) return changed.status();
  if (*changed) {
    spdlog::info("the witness {} cosigned the tree of {} leaves", response.witness(),
                 response.tree_size());
    if (Status saved = Save(); !saved.ok()) {
      return Status::Unavailable("the cosignature is accepted but cannot be written: " +
                                 saved.message());
    }
  }
  return response;
}

std::vector<v1::Cosignature> Witnesses::Newest() {
  std::lock_guard lock(mutex_);
  RestoreOnce();
  std::vector<v1::Cosignature> newest;
  for (const auto& [witness, kept] : kept_) {
    v1::Cosignature cosignature;
    cosignature.set_witness(witness);
    cosignature.set_tree_size(kept.tree_size);
    cosignature.set_timestamp(static_cast<std::int64_t>(kept.timestamp));
    cosignature.set_signed_note(kept.signed_note);
    newest.push_back(std::move(cosignature));
  }
  std::sort(newest.begin(), newest.end(), Newer);
  return newest;
}

}  // namespace hattama::transparency
