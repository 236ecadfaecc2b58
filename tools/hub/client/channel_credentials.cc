#include "tools/hub/client/channel_credentials.h"

#include <fstream>
#include <sstream>
#include <string>

namespace hattama::hub {

Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(const StreamOptions& options) {
  if (options.tls_ca.empty()) {
    if (!options.tls_cert.empty()) return Status::Error("a client certificate needs --tls-ca");
    return grpc::InsecureChannelCredentials();
  }
  auto read = [](const std::string& path) -> Result<std::string> {
    std::ifstream in(path);
    if (!in) return Status::Error("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  grpc::SslCredentialsOptions ssl;
  auto ca = read(options.tls_ca);
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *ca;
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    auto cert = read(options.tls_cert);
    if (!cert.ok()) return cert.status();
    auto key = read(options.tls_key);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace hattama::hub
