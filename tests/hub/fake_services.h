// In-process stand-ins for ingestion and publication at their gRPC boundary, so that the hub's
// client and verifier are tested without Kafka or Redis. They follow the contract, nothing more.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/domain/checks.h"
#include "common/domain/registry.h"
#include "hattama/v1/ingestion.grpc.pb.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tools/hub/simulator/truth.h"

namespace hattama::hub::testing {

// A gRPC server on a free local port, shut down on destruction.
class TestServer {
 public:
  explicit TestServer(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~TestServer() { server_->Shutdown(std::chrono::system_clock::now()); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// Answers like ingestion: rejects what domain::Validate rejects, flags what it flags, answers a
// resend of a remembered id DUPLICATE. Answers come in batches in reverse order, as the contract
// allows. Can drop a stream once, after a submission was made durable but before its answer (and
// those queued with it) went out.
class FakeIngestion final : public v1::IngestionService::Service {
 public:
  explicit FakeIngestion(std::shared_ptr<const domain::Registry> registry)
      : registry_(std::move(registry)) {}

  // Breaks the stream carrying the n-th durable submission (counted over all streams), once.
  void BreakAfter(int64_t n) { break_after_ = n; }
  // Refuses every stream with this code.
  void Refuse(grpc::StatusCode code) { refuse_ = code; }
  int64_t streams() const { return streams_; }
  size_t durable() const {
    std::lock_guard lock(mutex_);
    return digests_.size();
  }

  grpc::Status StreamSubmissions(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<v1::SubmissionAck, v1::StreamSubmissionsRequest>* stream) override {
    streams_ += 1;
    if (refuse_ != grpc::StatusCode::OK) return grpc::Status(refuse_, "refused by the test");
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<v1::SubmissionAck> queue;
    bool reading_done = false;
    std::thread answerer([&] {
      std::unique_lock lock(mutex);
      while (true) {
        cv.wait(lock, [&] { return reading_done || !queue.empty(); });
        if (queue.empty()) return;
        std::deque<v1::SubmissionAck> batch;
        batch.swap(queue);
        lock.unlock();
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) stream->Write(*it);
        lock.lock();
      }
    });
    bool broke = false;
    v1::StreamSubmissionsRequest request;
    while (!broke && stream->Read(&request)) {
      v1::SubmissionAck ack = Decide(request.submission(), broke);
      std::lock_guard lock(mutex);
      if (broke) {
        queue.clear();  // lost with the connection
      } else {
        queue.push_back(std::move(ack));
      }
      cv.notify_all();
    }
    {
      std::lock_guard lock(mutex);
      reading_done = true;
      cv.notify_all();
    }
    answerer.join();
    if (broke) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection lost (test)");
    return grpc::Status::OK;
  }

 private:
  v1::SubmissionAck Decide(const v1::Submission& submission, bool& broke) {
    v1::SubmissionAck ack;
    ack.set_submission_id(submission.submission_id());
    const auto validation = domain::Validate(submission, *registry_, domain::Clock::now());
    if (validation.rejected()) {
      ack.set_outcome(v1::OUTCOME_REJECTED);
      for (const auto& reason : validation.rejections) *ack.add_reasons() = reason;
      return ack;
    }
    const std::string bytes = submission.SerializeAsString();
    std::lock_guard lock(mutex_);
    auto [it, inserted] = digests_.emplace(submission.submission_id(), bytes);
    if (!inserted) {
      ack.set_outcome(it->second == bytes ? v1::OUTCOME_DUPLICATE : v1::OUTCOME_REJECTED);
      return ack;
    }
    if (static_cast<int64_t>(digests_.size()) == break_after_) broke = true;
    ack.set_outcome(validation.flags.empty() ? v1::OUTCOME_ACCEPTED
                                             : v1::OUTCOME_ACCEPTED_WITH_FLAGS);
    for (const auto& flag : validation.flags) *ack.add_reasons() = flag;
    return ack;
  }

  std::shared_ptr<const domain::Registry> registry_;
  std::atomic<int64_t> break_after_{-1};
  std::atomic<grpc::StatusCode> refuse_{grpc::StatusCode::OK};
  std::atomic<int64_t> streams_{0};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> digests_;
};

// Serves a Truth as publication would serve the totals it describes.
class FakePublication final : public v1::PublicationService::Service {
 public:
  FakePublication(std::shared_ptr<const domain::Registry> registry, Truth truth)
      : registry_(std::move(registry)), truth_(std::move(truth)) {}

  grpc::Status GetElection(grpc::ServerContext*, const v1::GetElectionRequest*,
                           v1::Election* response) override {
    *response = registry_->election();
    return grpc::Status::OK;
  }

  grpc::Status GetAreaTotals(grpc::ServerContext*, const v1::GetAreaTotalsRequest* request,
                             v1::AreaTotals* response) override {
    return Totals(truth_.areas, request->area_id(), request->contest_id(), response);
  }

  grpc::Status GetOfficialTotals(grpc::ServerContext*, const v1::GetOfficialTotalsRequest* request,
                                 v1::AreaTotals* response) override {
    return Totals(truth_.official_areas, request->area_id(), request->contest_id(), response);
  }

  grpc::Status Totals(const std::map<std::string, Tally>& areas, const std::string& area_id,
                      const std::string& contest_id, v1::AreaTotals* response) {
    const v1::Area* area = registry_->FindArea(area_id);
    const v1::Contest* contest = registry_->FindContest(contest_id);
    if (area == nullptr || contest == nullptr) return grpc::Status(grpc::StatusCode::NOT_FOUND, "");
    Tally tally;
    if (auto it = areas.find(AreaContestKey(area->area_id(), contest->contest_id()));
        it != areas.end()) {
      tally = it->second;
    }
    if (auto it = truth_.disputed.find(AreaContestKey(area->area_id(), contest->contest_id()));
        it != truth_.disputed.end() && &areas == &truth_.areas) {
      response->set_disputed_count(it->second);
    }
    *response->mutable_area() = *area;
    response->set_contest_id(contest->contest_id());
    auto* f = response->mutable_figures();
    f->set_registered_voters(tally.registered_voters);
    f->set_additional_list_voters(tally.additional_list_voters);
    f->set_ballots_received(tally.ballots_received);
    f->set_ballots_issued(tally.ballots_issued);
    f->set_ballots_cancelled(tally.ballots_cancelled);
    f->set_ballots_in_box(tally.ballots_in_box);
    f->set_ballots_spoiled(tally.ballots_spoiled);
    f->set_ballots_valid(tally.ballots_valid);
    for (const auto& option : contest->options()) {
      const int64_t votes = tally.option_votes[option.option_id()];
      auto* line = f->add_option_votes();
      line->set_option_id(option.option_id());
      line->set_votes(votes);
      auto* total = response->add_options();
      total->set_option_id(option.option_id());
      total->set_name(option.name());
      total->set_votes(votes);
    }
    response->set_stations_reporting(tally.stations_reporting);
    response->set_stations_registered(
        registry_->StationsRegistered(area->area_id(), contest->contest_id()));
    response->set_flagged_count(tally.flagged_count);
    return grpc::Status::OK;
  }

  grpc::Status GetStationResults(grpc::ServerContext*, const v1::GetStationResultsRequest* request,
                                 v1::StationResults* response) override {
    const domain::Station* station = registry_->FindStation(request->station_id());
    if (station == nullptr) return grpc::Status(grpc::StatusCode::NOT_FOUND, "");
    *response->mutable_station() = station->ToProto();
    for (const auto& contest_id : station->contest_ids()) {
      auto* result = response->add_contests();
      result->set_contest_id(contest_id);
      const StationTruth* s = truth_.FindStation(station->station_id(), contest_id);
      if (s == nullptr) continue;
      auto* counted = result->mutable_counted();
      counted->set_station_id(station->station_id());
      counted->set_contest_id(contest_id);
      *counted->mutable_figures() = s->figures;
      result->set_counted_submission_id(s->submission_id);
      result->set_confirmations(s->confirmations);
      result->set_disputed(s->disputed);
      for (auto code : s->flags) result->add_flags()->set_code(code);
    }
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<const domain::Registry> registry_;
  Truth truth_;
};

}  // namespace hattama::hub::testing
