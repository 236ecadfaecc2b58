// What the transparency log's integration tests check hattama-tlog with, as an outside checker
// would: the signed checkpoint opened with the verifier key, inclusion proofs from the gRPC API,
// and the entries downloaded from the static tiles over HTTP and hashed into a tree of their own.
#pragma once

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "common/base/status_grpc.h"
#include "common/tlog/checkpoint.h"
#include "common/tlog/memory_tree.h"
#include "common/tlog/proof.h"
#include "common/tlog/tile.h"
#include "hattama/v1/transparency.grpc.pb.h"

namespace hattama::transparency::testing {

class TlogClient {
 public:
  // `address` is the gRPC host:port, `http_address` the HTTP one, `verifier_key` the log's.
  TlogClient(const std::string& address, const std::string& http_address,
             const std::string& verifier_key)
      : stub_(v1::TransparencyService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        http_address_(http_address),
        verifier_(tlog::NoteVerifier::FromVerifierKey(verifier_key).value()) {}

  // The latest checkpoint as GetCheckpoint answers it, unchecked.
  Result<v1::SignedCheckpoint> SignedCheckpoint() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::SignedCheckpoint checkpoint;
    grpc::Status status = stub_->GetCheckpoint(&context, {}, &checkpoint);
    if (!status.ok()) return FromGrpc(status);
    return checkpoint;
  }

  // The latest checkpoint, opened with the verifier key (an error unless its signature holds).
  Result<tlog::Checkpoint> Checkpoint() {
    auto checkpoint = SignedCheckpoint();
    if (!checkpoint.ok()) return checkpoint.status();
    return tlog::OpenCheckpoint(checkpoint->signed_note(), verifier_.name(), verifier_);
  }

  // Waits until a checkpoint holds at least `size` leaves; the last one seen, or an error.
  Result<tlog::Checkpoint> WaitForSize(int64_t size, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Result<tlog::Checkpoint> last = Status::Unavailable("no checkpoint yet");
    while (std::chrono::steady_clock::now() < deadline) {
      last = Checkpoint();
      if (last.ok() && last->size >= size) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!last.ok()) return last;
    return Status::Unavailable("the checkpoint holds " + std::to_string(last->size) +
                               " leaves, not " + std::to_string(size) + ", after " +
                               std::to_string(timeout.count()) + " ms");
  }

  // Ok when the API proves that a leaf carrying `submission_id` is in the tree of `checkpoint`:
  // the proof verifies from the entry's own hash, and the entry names the id.
  Status CheckIncluded(const std::string& submission_id, const tlog::Checkpoint& checkpoint) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::GetInclusionProofRequest request;
    request.set_submission_id(submission_id);
    request.set_tree_size(checkpoint.size);
    v1::InclusionProof proof;
    grpc::Status status = stub_->GetInclusionProof(&context, request, &proof);
    if (!status.ok()) return FromGrpc(status);
    std::vector<tlog::Hash> hashes;
    for (const auto& hash : proof.hashes()) {
      auto parsed = tlog::HashFromBytes(hash);
      if (!parsed.ok()) return parsed.status();
      hashes.push_back(*parsed);
    }
    if (Status verified =
            tlog::VerifyInclusion(hashes, proof.leaf_index(), tlog::LeafHash(proof.entry().entry()),
                                  checkpoint.size, checkpoint.root);
        !verified.ok()) {
      return verified;
    }
    if (proof.entry().record().submission().submission_id() != submission_id) {
      return Status::InvalidArgument("the proven entry carries another id");
    }
    return Status::Ok();
  }

  // The entries of the first `size` leaves, downloaded from /tlog/tile/entries/ (what any
  // static mirror serves), each checked against its level-0 hash tile.
  Result<std::vector<std::string>> DownloadEntries(int64_t size) {
    httplib::Client http("http://" + http_address_);
    http.set_read_timeout(std::chrono::seconds(10));
    std::vector<std::string> entries;
    for (int64_t n = 0; n * tlog::kTileWidth < size; ++n) {
      const int width = static_cast<int>(std::min<int64_t>(size - n * tlog::kTileWidth, 256));
      const tlog::Tile tile{.level = 0, .n = n, .width = width};
      auto bundle = http.Get("/tlog/" + tlog::EntryBundlePath(tile));
      // A newer checkpoint may have completed the bundle and removed its partial copies: the full
      // one begins with the same entries (C2SP tlog-tiles).
      if (bundle && bundle->status == 404 && width < tlog::kTileWidth) {
        bundle = http.Get("/tlog/" + tlog::EntryBundlePath({.level = 0, .n = n}));
      }
      if (!bundle || bundle->status != 200) {
        return Status::NotFound("cannot download " + tlog::EntryBundlePath(tile));
      }
      auto decoded = tlog::DecodeEntryBundle(bundle->body);
      if (!decoded.ok()) return decoded.status();
      if (decoded->size() < static_cast<size_t>(width)) {
        return Status::InvalidArgument(tlog::EntryBundlePath(tile) + " is too short");
      }
      entries.insert(entries.end(), decoded->begin(), decoded->begin() + width);
    }
    return entries;
  }

  // The root of the tree of `entries`, computed here (RFC 6962, common/tlog).
  static tlog::Hash RootOf(const std::vector<std::string>& entries) {
    tlog::MemoryTree tree;
    for (const auto& entry : entries) tree.Append(tlog::LeafHash(entry));
    return tree.Head().root;
  }

  v1::TransparencyService::Stub& stub() { return *stub_; }
  const tlog::NoteVerifier& verifier() const { return verifier_; }

 private:
  std::unique_ptr<v1::TransparencyService::Stub> stub_;
  std::string http_address_;
  tlog::NoteVerifier verifier_;
};

}  // namespace hattama::transparency::testing
