// What ingestion's stream reactor does with a hub's raw bytes before and after the domain code
// sees them: parse one message, say why bytes are not a message (naming the field a person must
// fix), and bound every answer and record built from what a hub sent, so that no hub can make
// ingestion hold or write more than the documented sizes. Pure functions: safe from any thread.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hattama/v1/protocol.pb.h"
#include "hattama/v1/records.pb.h"

namespace hattama::ingestion {

// An answer lists at most this many reasons, the last of them then standing for the rest ("… and
// 37 more"), so that a hostile submission gets a small answer and a small rejection record.
inline constexpr int kMaxAnswerReasons = 20;
// A reason's message and field are cut to these many bytes (at a UTF-8 character boundary); a cut
// message ends in "…", within its limit.
inline constexpr size_t kMaxReasonMessageBytes = 512;
inline constexpr size_t kMaxReasonFieldBytes = 256;
// A Kafka key built from a hub's id is cut to this many bytes: only a rejected submission's id can
// be longer (validation refuses longer ids), and a rejection's key only spreads rejections over
// partitions.
inline constexpr size_t kMaxRecordKeyBytes = 256;

// The bytes of `buffer` in one string.
std::string Flatten(const grpc::ByteBuffer& buffer);

// Parses `buffer` into `message`. False when the bytes are not a valid message of its type:
// protobuf's parser also refuses a string field that is not valid UTF-8.
bool ParseMessage(grpc::ByteBuffer& buffer, google::protobuf::Message& message);

// Why `bytes`, which did not parse as `type`, are not one: "field submission.observer_id is not
// valid UTF-8 ..." naming the first such string field by its path, or that the bytes are not a
// protobuf message of that type at all. Also names the string at `id_path` (field numbers from
// the top, e.g. {1, 1} for submission.submission_id) when it can be read, so a person can find
// the message.
std::string DescribeUnparseable(std::string_view bytes, const google::protobuf::Descriptor& type,
                                const std::vector<int>& id_path);

bool IsValidUtf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not cut a UTF-8 character.
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

// Bounds a list of reasons in place: at most kMaxAnswerReasons. A longer list keeps its first
// kMaxAnswerReasons - 1 and ends in one reason standing for the rest: the code and field of the
// first one left out, and a message saying how many it stands for. Each message and field is cut
// to its limit. Returns how many reasons were left out.
int BoundReasons(google::protobuf::RepeatedPtrField<v1::Reason>& reasons);

// The rejection record of `submission` (the value of a hattama.rejections.v1 record), bounded
// whatever the hub sent, so that it always fits the log: the raw submission only when it is at
// most `max_raw_bytes` (--max-message-bytes; left out above it, which only a message already
// rejected for its size can be), the reasons as BoundReasons leaves them, the hub id cut to 128
// bytes. `hub_id` is the authenticated hub's (or, unauthenticated, the submission's own).
std::string RejectionRecordValue(const v1::Submission& submission, const std::string& hub_id,
                                 const std::vector<v1::Reason>& reasons, int64_t max_raw_bytes);
// The same for a rejected deployment event: its raw bytes go into raw_deployment_event, which is
// present (empty when the event is above `max_raw_bytes`) so that a reader tells it from a
// submission.
std::string RejectionRecordValue(const v1::DeploymentEvent& event, const std::string& hub_id,
                                 const std::vector<v1::Reason>& reasons, int64_t max_raw_bytes);

// "262,144": byte counts in messages a person reads.
std::string Thousands(int64_t n);

}  // namespace hattama::ingestion
