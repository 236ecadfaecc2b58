// The one mapping of a Status to gRPC and HTTP (common/base/status_grpc.h): every kind keeps its
// meaning end to end, and overload is never "not found".
#include "common/base/status_grpc.h"

#include <gtest/gtest.h>

namespace hattama {
namespace {

TEST(StatusGrpc, EveryKindMapsToItsGrpcCodeAndHttpStatus) {
  struct Case {
    Status status;
    grpc::StatusCode code;
    int http;
  };
  const Case cases[] = {
      {Status::Ok(), grpc::StatusCode::OK, 200},
      {Status::InvalidArgument("bad"), grpc::StatusCode::INVALID_ARGUMENT, 400},
      {Status::NotFound("none"), grpc::StatusCode::NOT_FOUND, 404},
      {Status::FailedPrecondition("off"), grpc::StatusCode::FAILED_PRECONDITION, 400},
      {Status::PermissionDenied("not listed"), grpc::StatusCode::PERMISSION_DENIED, 403},
      {Status::ResourceExhausted("cap"), grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {Status::Unavailable("down"), grpc::StatusCode::UNAVAILABLE, 503},
      {Status::Internal("bug"), grpc::StatusCode::INTERNAL, 500},
      {Status::Error("bug"), grpc::StatusCode::INTERNAL, 500},
  };
  for (const auto& c : cases) {
    const grpc::Status mapped = ToGrpc(c.status);
    EXPECT_EQ(mapped.error_code(), c.code) << c.status.message();
    EXPECT_EQ(mapped.error_message(), c.status.message());
    EXPECT_EQ(HttpStatusOf(c.status), c.http) << c.status.message();
    EXPECT_EQ(HttpStatusOf(c.code), c.http);
    // And back: the kind survives a trip through gRPC (the gateway's in-process calls).
    EXPECT_EQ(FromGrpc(mapped).code(), c.status.code()) << c.status.message();
  }
}

TEST(StatusGrpc, DeadlinesAndCancellationAreRetryLaterNotNotFound) {
  EXPECT_TRUE(FromGrpc(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "")).IsUnavailable());
  EXPECT_TRUE(FromGrpc(grpc::Status(grpc::StatusCode::CANCELLED, "")).IsUnavailable());
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_STREQ(CodeName(grpc::StatusCode::UNAVAILABLE), "UNAVAILABLE");
  EXPECT_STREQ(CodeName(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
}

}  // namespace
}  // namespace hattama
