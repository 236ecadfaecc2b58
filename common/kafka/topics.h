// The names of Hattama's Kafka topics: the contract between the services, each topic's record type
// in proto/hattama/v1/records.proto. The version is part of the name.
#pragma once

namespace hattama::kafka {

inline constexpr char kSubmissionsTopic[] = "hattama.submissions.v1";
inline constexpr char kRejectionsTopic[] = "hattama.rejections.v1";
inline constexpr char kDeploymentTopic[] = "hattama.deployment.v1";
inline constexpr char kTotalsTopic[] = "hattama.totals.v1";
// The transparency log's leaves in their one order (services/tlog): one partition, written by one
// writer; each record's value is a leaf entry (common/tlog/entry.h).
inline constexpr char kTlogTopic[] = "hattama.tlog.v1";

}  // namespace hattama::kafka
