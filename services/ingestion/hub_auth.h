// Who a hub stream comes from, and what that hub may send: a stream carries the token of a hub of
// the hub registry (common/domain/hubs.h), and each of its messages must name that hub and a
// station of one of the hub's regions. Pure functions: safe from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/domain/hubs.h"
#include "common/domain/registry.h"
#include "hattama/v1/election.pb.h"
#include "hattama/v1/protocol.pb.h"

namespace hattama::ingestion {

// The metadata key a hub's token travels in, as "Bearer <token>".
inline constexpr char kAuthorizationHeader[] = "authorization";

// The hub whose token the stream carries; nullptr when `hubs` is null (the service runs
// unauthenticated, and lets every stream in). An error naming what is wrong (no token, not a
// bearer token, a token of no hub): the stream is refused UNAUTHENTICATED.
Result<const domain::Hub*> Authenticate(const domain::HubRegistry* hubs,
                                        const grpc::CallbackServerContext& context);

// The authorisation checks every message of an authenticated hub passes: it names its own hub
// (`hub_id`, the message's), and a station of one of its regions (`station_field` names the
// station's field in reasons). Empty when allowed, or when `hub` is null (unauthenticated). No
// reason repeats `hub_id`, which may be any length.
std::vector<v1::Reason> HubReasons(const domain::Registry& registry, const domain::Hub* hub,
                                   const std::string& hub_id, const domain::Station& station,
                                   const std::string& station_field);

}  // namespace hattama::ingestion
