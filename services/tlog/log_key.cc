#include "services/tlog/log_key.h"

#include "common/base/files.h"
#include "common/crypto/ed25519.h"

namespace hattama::transparency {
namespace {

// A key file is one line; anything longer is not one (a wrong path), and is not read whole.
constexpr std::size_t kMaxKeyFileBytes = 4096;

}  // namespace

Result<std::string> GenerateLogKey(const std::string& path, const std::string& origin) {
  auto key = crypto::Ed25519PrivateKey::Generate();
  if (!key.ok()) return key.status();
  auto signer = tlog::NoteSigner::Create(origin, tlog::NoteKeyType::kEd25519, *key);
  if (!signer.ok())
    return Status::InvalidArgument("origin " + origin + ": " + signer.status().message());
  Status written = WriteNewFile(path, signer->SignerKey() + "\n", {.mode = 0600});
  if (written.code() == StatusCode::kFailedPrecondition) {
    return Status::FailedPrecondition(path + " exists; a log key is never overwritten");
  }
  if (!written.ok()) return written;
  const std::string verifier = signer->verifier().VerifierKey();
  if (Status status = WriteFileAtomically(path + ".pub", verifier + "\n"); !status.ok()) {
    return status;
  }
  return verifier;
}

Result<tlog::NoteSigner> ReadLogKey(const std::string& path) {
  auto text = ReadSmallFile(path, kMaxKeyFileBytes);
  if (text.status().IsNotFound()) return Status::NotFound("no log key file " + path);
  if (text.status().code() == StatusCode::kResourceExhausted) {
    return Status::InvalidArgument(path + " is larger than a log key file can be");
  }
  if (!text.ok()) return text.status();
  auto signer = tlog::NoteSigner::FromSignerKey(*text);
  if (!signer.ok()) return Status::InvalidArgument(path + ": " + signer.status().message());
  if (signer->type() != tlog::NoteKeyType::kEd25519) {
    return Status::InvalidArgument(path + " holds a cosigner's key, not a log key (type 0x01)");
  }
  return signer;
}

}  // namespace hattama::transparency
