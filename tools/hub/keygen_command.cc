// hattama-hub keygen: an observer's Ed25519 key pair. The private key stays with the observer
// (their phone or the hub's signing desk); the public key goes into observers.csv.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/crypto/base64.h"
#include "common/crypto/key_file.h"
#include "tools/hub/commands.h"

namespace hattama::hub {

int Keygen(const std::string& private_path) {
  auto key = crypto::Ed25519PrivateKey::Generate();
  if (!key.ok()) {
    spdlog::error("{}", key.status().message());
    return kFailure;
  }
  // The private file first: it refuses to replace an existing key, and then nothing is written.
  if (auto written = crypto::WritePrivateKeyFile(private_path, *key); !written.ok()) {
    spdlog::error("{}", written.message());
    return kFailure;
  }
  const std::string public_path = private_path + ".pub";
  if (auto written = crypto::WritePublicKeyFile(public_path, key->public_key()); !written.ok()) {
    spdlog::error("{}", written.message());
    return kFailure;
  }
  fmt::print(
      "wrote {} (private key, mode 0600: keep it secret) and {}\n"
      "public_key for this observer's line in observers.csv: {}\n",
      private_path, public_path, crypto::EncodeBase64(key->public_key().bytes()));
  return 0;
}

}  // namespace hattama::hub
