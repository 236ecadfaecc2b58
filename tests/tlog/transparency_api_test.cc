// The API's answers, checked as a client would check them: against the signed checkpoint, with
// nothing but the proof, the entry and the verifier key.
#include "services/tlog/transparency_api.h"

#include <gtest/gtest.h>

#include "common/tlog/checkpoint.h"
#include "common/tlog/proof.h"
#include "tests/tlog/tlog_testing.h"
#include "tools/stack/process.h"

namespace hattama::transparency {
namespace {

using testing::EntryOf;
using testing::TestSigner;

std::vector<tlog::Hash> Hashes(const google::protobuf::RepeatedPtrField<std::string>& bytes) {
  std::vector<tlog::Hash> hashes;
  for (const auto& hash : bytes) hashes.push_back(tlog::HashFromBytes(hash).value());
  return hashes;
}

class TlogApi : public ::testing::Test {
 protected:
  // Appends leaves for ids s-<from>..s-<to - 1>, one partition each id modulo 3.
  void Grow(int64_t to) {
    while (tree_.Head().size < to) {
      const int64_t n = tree_.Head().size;
      Append(EntryOf("s-" + std::to_string(n), 0, next_offset_++));
    }
  }
  void Append(const std::string& entry) {
    tree_.Append(entry);
    publisher_.AddEntry(entry);
  }
  void Publish() {
    ASSERT_TRUE(
        publisher_.Publish(tree_.tree(), tree_.Head().size, true, tree_.PartitionEnds(2)).ok());
  }

  // The checkpoint a client has: the signed note opened with the verifier key.
  tlog::Checkpoint Opened(const v1::SignedCheckpoint& checkpoint) {
    auto opened =
        tlog::OpenCheckpoint(checkpoint.signed_note(), "hattama/test", TestSigner().verifier());
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    return opened.ok() ? *opened : tlog::Checkpoint{};
  }

  stack::TempDir dir_{"tlog-api"};
  std::unique_ptr<TileStore> store_ = TileStore::Open(dir_.path()).value();
  LogTree tree_;
  Publisher publisher_{*store_, TestSigner()};
  std::unique_ptr<Witnesses> witnesses_ = Witnesses::Open({}, *store_, tree_, publisher_).value();
  TransparencyApi api_{tree_, publisher_, *witnesses_};
  int64_t next_offset_ = 0;
};

TEST_F(TlogApi, AnswersUnavailableUntilTheFirstCheckpoint) {
  Grow(3);
  EXPECT_TRUE(api_.GetCheckpoint().status().IsUnavailable());
  v1::GetInclusionProofRequest request;
  request.set_submission_id("s-1");
  EXPECT_TRUE(api_.GetInclusionProof(request).status().IsUnavailable());
}

TEST_F(TlogApi, TheCheckpointIsTheSignedNoteAndItsFields) {
  Grow(1000);
  Publish();
  auto checkpoint = api_.GetCheckpoint();
  ASSERT_TRUE(checkpoint.ok());
  const tlog::Checkpoint opened = Opened(*checkpoint);
  EXPECT_EQ(opened.size, 1000);
  EXPECT_EQ(checkpoint->tree_size(), 1000);
  EXPECT_EQ(checkpoint->origin(), "hattama/test");
  EXPECT_EQ(checkpoint->root_hash(), std::string(tlog::HashBytes(opened.root)));
  // Every leaf logs partition 0, offsets 0 to 999; partition 1 has none.
  EXPECT_EQ(std::vector<int64_t>(checkpoint->partition_ends().begin(),
                                 checkpoint->partition_ends().end()),
            (std::vector<int64_t>{1000, 0}));
}

TEST_F(TlogApi, EverySubmissionsInclusionProofChecksOutAgainstTheCheckpoint) {
  Grow(700);
  Publish();
  const tlog::Checkpoint checkpoint = Opened(api_.GetCheckpoint().value());
  for (int64_t n = 0; n < 700; ++n) {
    v1::GetInclusionProofRequest request;
    request.set_submission_id("s-" + std::to_string(n));
    auto proof = api_.GetInclusionProof(request);
    ASSERT_TRUE(proof.ok()) << proof.status().message();
    EXPECT_EQ(proof->leaf_index(), n);
    EXPECT_EQ(proof->tree_size(), 700);
    // The client hashes the entry itself, and reads the id from the entry it hashed.
    const tlog::Hash leaf = tlog::LeafHash(proof->entry().entry());
    EXPECT_TRUE(tlog::VerifyInclusion(Hashes(proof->hashes()), proof->leaf_index(), leaf,
                                      checkpoint.size, checkpoint.root)
                    .ok());
    EXPECT_EQ(tlog::DecodeLeafEntry(proof->entry().entry())->submission_id,
              request.submission_id());
    EXPECT_EQ(proof->entry().record().submission().submission_id(), request.submission_id());
    EXPECT_EQ(proof->checkpoint().signed_note(), api_.GetCheckpoint()->signed_note());
  }
}

TEST_F(TlogApi, ProvesInclusionAtAnEarlierSize) {
  Grow(300);
  Publish();
  const tlog::Checkpoint old_checkpoint = Opened(api_.GetCheckpoint().value());
  Grow(900);
  Publish();
  v1::GetInclusionProofRequest request;
  request.set_leaf_index(299);
  request.set_tree_size(300);
  auto proof = api_.GetInclusionProof(request);
  ASSERT_TRUE(proof.ok()) << proof.status().message();
  EXPECT_TRUE(tlog::VerifyInclusion(Hashes(proof->hashes()), 299,
                                    tlog::LeafHash(proof->entry().entry()), 300,
                                    old_checkpoint.root)
                  .ok());
  EXPECT_FALSE(proof->has_checkpoint()) << "the checkpoint comes only at its own size";
}

TEST_F(TlogApi, NamesEveryLeafOfAnIdWrittenTwice) {
  Grow(5);
  Append(EntryOf("s-2", 1, 0));  // the same submission, a second record
  Publish();
  v1::GetInclusionProofRequest request;
  request.set_submission_id("s-2");
  auto proof = api_.GetInclusionProof(request);
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(proof->leaf_index(), 2);
  ASSERT_EQ(proof->other_leaf_indexes_size(), 1);
  EXPECT_EQ(proof->other_leaf_indexes(0), 5);
  // At a size before the copy, only the first.
  request.set_tree_size(5);
  EXPECT_EQ(api_.GetInclusionProof(request)->other_leaf_indexes_size(), 0);
}

TEST_F(TlogApi, RefusesWhatCannotBeAnsweredSayingWhy) {
  Grow(10);
  Publish();
  Grow(20);  // beyond the checkpoint
  v1::GetInclusionProofRequest unknown;
  unknown.set_submission_id("s-404");
  EXPECT_TRUE(api_.GetInclusionProof(unknown).status().IsNotFound());
  v1::GetInclusionProofRequest not_yet;
  not_yet.set_submission_id("s-15");
  EXPECT_TRUE(api_.GetInclusionProof(not_yet).status().IsNotFound());
  v1::GetInclusionProofRequest too_large;
  too_large.set_leaf_index(3);
  too_large.set_tree_size(11);
  EXPECT_NE(api_.GetInclusionProof(too_large).status().message().find("latest checkpoint"),
            std::string::npos);
  v1::GetInclusionProofRequest beyond;
  beyond.set_leaf_index(10);
  EXPECT_EQ(api_.GetInclusionProof(beyond).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api_.GetInclusionProof({}).status().code(), StatusCode::kInvalidArgument);
  v1::GetConsistencyProofRequest backwards;
  backwards.set_old_size(9);
  backwards.set_new_size(5);
  EXPECT_EQ(api_.GetConsistencyProof(backwards).status().code(), StatusCode::kInvalidArgument);
  v1::GetEntryRequest entry;
  entry.set_leaf_index(10);
  EXPECT_EQ(api_.GetEntry(entry).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TlogApi, ProvesAnOlderCheckpointAPrefixOfTheLatest) {
  Grow(300);
  Publish();
  const tlog::Checkpoint old_checkpoint = Opened(api_.GetCheckpoint().value());
  Grow(1300);
  Publish();
  v1::GetConsistencyProofRequest request;
  request.set_old_size(300);
  auto proof = api_.GetConsistencyProof(request);
  ASSERT_TRUE(proof.ok()) << proof.status().message();
  const tlog::Checkpoint latest = Opened(proof->checkpoint());
  EXPECT_EQ(proof->new_size(), 1300);
  EXPECT_TRUE(tlog::VerifyConsistency(Hashes(proof->hashes()), 300, old_checkpoint.root,
                                      latest.size, latest.root)
                  .ok());
}

TEST_F(TlogApi, AnEntryIsItsBytesAndItsFields) {
  Grow(3);
  Publish();
  v1::GetEntryRequest request;
  request.set_leaf_index(1);
  auto entry = api_.GetEntry(request);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->entry(), EntryOf("s-1", 0, 1));
  EXPECT_EQ(entry->leaf_hash(), std::string(tlog::HashBytes(tlog::LeafHash(entry->entry()))));
  EXPECT_EQ(entry->source_partition(), 0);
  EXPECT_EQ(entry->source_offset(), 1);
  EXPECT_EQ(entry->submission_id(), "s-1");
  EXPECT_TRUE(entry->record_included());
  EXPECT_EQ(entry->record().submission().protocol().contest_id(), "mazhilis");
}

}  // namespace
}  // namespace hattama::transparency
