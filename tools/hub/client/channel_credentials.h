// The channel credentials a hub connects to ingestion with: plaintext, TLS or mTLS, from the PEM
// files StreamOptions names.
#pragma once

#include <grpcpp/security/credentials.h>

#include <memory>

#include "common/base/result.h"
#include "tools/hub/client/stream_options.h"

namespace hattama::hub {

// Plaintext without tls_ca; TLS with it; mTLS with tls_cert and tls_key as well. An error names a
// file that cannot be read, or a client certificate given without a CA.
Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(const StreamOptions& options);

}  // namespace hattama::hub
