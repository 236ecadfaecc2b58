// One gRPC bidirectional stream used the simplest way a client can: write every request,
// half-close, and read every answer until the stream ends. Header-only, for any generated stub's
// ClientReaderWriter.
#pragma once

#include <grpcpp/grpcpp.h>

#include <future>
#include <utility>
#include <vector>

namespace hattama::testing {

// Writes each of `items` on `stream` as `to_request` makes it a request, half-closes, reads every
// answer until the end, and returns them with the stream's status. Reading runs beside writing:
// a server that stops reading while its answers are not read (ingestion's backpressure) would
// stall a client that wrote everything first. Writing stops at the first write that fails (the
// server ended the stream).
template <typename Answer, typename Stream, typename Item, typename ToRequest>
std::pair<std::vector<Answer>, grpc::Status> WriteAllThenReadAll(Stream& stream,
                                                                 const std::vector<Item>& items,
                                                                 ToRequest to_request) {
  auto reader = std::async(std::launch::async, [&stream] {
    std::vector<Answer> answers;
    Answer answer;
    while (stream.Read(&answer)) answers.push_back(answer);
    return answers;
  });
  for (const auto& item : items) {
    if (!stream.Write(to_request(item))) break;
  }
  stream.WritesDone();
  std::vector<Answer> answers = reader.get();
  return {std::move(answers), stream.Finish()};
}

}  // namespace hattama::testing
