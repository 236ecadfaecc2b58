// The whole stack with hattama-tlog (tools/stack, Options::tlog) and a synthetic election night
// with confirmations, disputes, revisions, resends and official results, for the transparency
// log's e2e and chaos suites; and what they check: which records hattama.submissions.v1 holds,
// and that the log holds each exactly once.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "common/kafka/reader.h"
#include "common/kafka/topics.h"
#include "common/tlog/entry.h"
#include "tests/testing/night.h"
#include "tests/tlog/tlog_client.h"
#include "tools/hub/client/client.h"
#include "tools/hub/simulator/plan.h"
#include "tools/stack/stack.h"

namespace hattama::transparency::testing {

inline void Say(const std::string& text) {
  std::printf("[tlog] %s\n", text.c_str());
  std::fflush(stdout);
}

class TlogStack : public ::testing::Test {
 protected:
  void StartStack(int stations, std::vector<std::string> tlog_flags = {}) {
    auto night = hattama::testing::DrawNight(stations, 13, dir_.path());
    ASSERT_TRUE(night.ok()) << night.status().message();
    registry_ = night->registry;
    plan_ = std::move(night->plan);
    stack::Stack::Options options{.registry_dir = dir_.path(),
                                  .partitions = 4,
                                  .log_dir = hattama::testing::CaseLogDir(),
                                  .tlog = true,
                                  .tlog_flags = std::move(tlog_flags)};
    auto stack = stack::Stack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status().message();
    stack_ = std::move(stack).value();
    client_ = std::make_unique<TlogClient>(stack_->tlog_address(), stack_->tlog_http_address(),
                                           stack_->tlog_verifier_key());
  }

  // The end of every partition of `topic` now: partition -> records.
  std::map<int32_t, int64_t> Ends(const std::string& topic) {
    auto reader = kafka::Reader::Create(stack_->kafka().bootstrap(), topic);
    EXPECT_TRUE(reader.ok());
    if (!reader.ok()) return {};
    EXPECT_TRUE((*reader)->AssignAtEnd(std::chrono::seconds(10)).ok());
    return (*reader)->Positions();
  }
  static int64_t Sum(const std::map<int32_t, int64_t>& ends) {
    int64_t sum = 0;
    for (const auto& [partition, end] : ends) sum += end;
    return sum;
  }

  // Waits until the log's checkpoint holds every record of hattama.submissions.v1 (asked once
  // the hubs are done), then checks, from the static tiles, that it holds each exactly once, and,
  // through the API, that every accepted submission has an inclusion proof that checks out
  // against the signed checkpoint. Returns that checkpoint.
  tlog::Checkpoint CheckEveryRecordLoggedOnce(const hub::StreamReport& report) {
    const auto ends = Ends(kafka::kSubmissionsTopic);
    const int64_t records = Sum(ends);
    auto checkpoint = client_->WaitForSize(records, std::chrono::seconds(120));
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    if (!checkpoint.ok()) return {};
    EXPECT_EQ(checkpoint->size, records) << "more leaves than records";
    auto entries = client_->DownloadEntries(checkpoint->size);
    EXPECT_TRUE(entries.ok()) << entries.status().message();
    if (!entries.ok()) return *checkpoint;
    EXPECT_EQ(TlogClient::RootOf(*entries), checkpoint->root);
    std::set<tlog::SourcePosition> sources;
    for (const auto& bytes : *entries) {
      auto entry = tlog::DecodeLeafEntry(bytes);
      EXPECT_TRUE(entry.ok()) << entry.status().message();
      if (!entry.ok()) continue;
      EXPECT_TRUE(sources.insert(entry->source).second)
          << "partition " << entry->source.partition << " offset " << entry->source.offset
          << " is logged twice";
      EXPECT_LT(entry->source.offset, ends.at(entry->source.partition));
    }
    // As many distinct sources as records, each below its partition's end: every record once.
    EXPECT_EQ(static_cast<int64_t>(sources.size()), records);
    int64_t proven = 0;
    for (size_t i = 0; i < report.acks.size(); ++i) {
      const auto outcome = report.acks[i].outcome;
      if (outcome != v1::OUTCOME_ACCEPTED && outcome != v1::OUTCOME_ACCEPTED_WITH_FLAGS) continue;
      const std::string& id = plan_.submissions[i].submission.submission_id();
      Status included = client_->CheckIncluded(id, *checkpoint);
      EXPECT_TRUE(included.ok()) << id << ": " << included.message();
      proven += included.ok() ? 1 : 0;
    }
    EXPECT_EQ(proven, report.accepted + report.flagged);
    Say(
        fmt::format("checked: {} records of {} in {} leaves, each source once; {} accepted "
                    "submissions proven included in the signed checkpoint of size {}",
                    records, kafka::kSubmissionsTopic, entries->size(), proven, checkpoint->size));
    return *checkpoint;
  }

  stack::TempDir dir_{"hattama-tlog-stack"};
  std::shared_ptr<const domain::Registry> registry_;
  hub::Plan plan_;
  std::unique_ptr<stack::Stack> stack_;
  std::unique_ptr<TlogClient> client_;
};

}  // namespace hattama::transparency::testing
