#include "services/ingestion/content_digest.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "common/base/digest.h"

namespace hattama::ingestion {

std::string DeterministicDigest(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return Sha256(bytes);
}

std::string SubmissionDigest(const v1::Submission& submission) {
  return DeterministicDigest(submission);
}

}  // namespace hattama::ingestion
