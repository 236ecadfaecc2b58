// The one mapping of a Status to gRPC and to HTTP, so that a failure keeps its kind from the
// place it happened to the client: a store that is down is UNAVAILABLE (503) everywhere, never
// NOT_FOUND (404). Stateless functions: safe from any thread.
#pragma once

#include <grpcpp/support/status.h>

#include "common/base/result.h"

namespace hattama {

// The gRPC status of `status`: kInvalidArgument -> INVALID_ARGUMENT, kNotFound -> NOT_FOUND,
// kFailedPrecondition -> FAILED_PRECONDITION, kResourceExhausted -> RESOURCE_EXHAUSTED,
// kUnavailable -> UNAVAILABLE, kInternal -> INTERNAL; the message is kept.
grpc::Status ToGrpc(const Status& status);

// The Status of a gRPC status (the inverse of ToGrpc; codes it does not produce become the
// nearest kind: DEADLINE_EXCEEDED and CANCELLED are kUnavailable, OUT_OF_RANGE kInvalidArgument).
Status FromGrpc(const grpc::Status& status);

// The HTTP status that stands for a gRPC code: OK 200, INVALID_ARGUMENT / FAILED_PRECONDITION /
// OUT_OF_RANGE 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED
// 504, UNIMPLEMENTED 501, anything else 500.
int HttpStatusOf(grpc::StatusCode code);
// The same for a Status (through ToGrpc).
int HttpStatusOf(const Status& status);

// The code's name as gRPC spells it ("NOT_FOUND"): the "code" of the HTTP API's JSON errors.
const char* CodeName(grpc::StatusCode code);

}  // namespace hattama
