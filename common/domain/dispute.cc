#include "common/domain/dispute.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "common/base/digest.h"

namespace hattama::domain {

std::string CanonicalFigures(const v1::Figures& figures) {
  std::string text;
  const auto* descriptor = v1::Figures::descriptor();
  const auto* reflection = figures.GetReflection();
  // Every scalar figure, absent or not: the proto says an absent figure is zero, so leaving the
  // additional list empty and writing 0 are the same figures.
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->is_repeated() ||
        field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT64) {
      continue;
    }
    text += "f:" + field->name() + "=" + std::to_string(reflection->GetInt64(figures, field)) + ";";
  }
  std::vector<std::pair<std::string, int64_t>> options;
  for (const auto& line : figures.option_votes())
    options.emplace_back(line.option_id(), line.votes());
  // std::string compares bytes (as unsigned char), never by locale.
  std::sort(options.begin(), options.end());
  for (const auto& [id, votes] : options) text += "v:" + id + "=" + std::to_string(votes) + ";";
  return text;
}

std::string FiguresDigest(const v1::Figures& figures) {
  return Hex(Sha256(CanonicalFigures(figures)));
}

bool Outranks(const DisputeVersion& a, const DisputeVersion& b) {
  return std::tie(a.revision, a.retraction, a.submission_id) >
         std::tie(b.revision, b.retraction, b.submission_id);
}

DisputeDecision Decide(std::span<const DisputeVersion> versions) {
  std::map<std::string, const DisputeVersion*> standing;  // observer -> entry
  for (const auto& version : versions) {
    auto [it, inserted] = standing.emplace(version.observer_id, &version);
    if (!inserted && Outranks(version, *it->second)) it->second = &version;
  }
  struct Group {
    int64_t confirmations = 0;
    const DisputeVersion* representative = nullptr;
  };
  std::map<std::string, Group> groups;  // figures digest -> backers
  for (const auto& [observer, entry] : standing) {
    if (entry->retraction) continue;
    Group& group = groups[entry->figures_digest];
    group.confirmations += 1;
    if (group.representative == nullptr ||
        entry->submission_id < group.representative->submission_id) {
      group.representative = entry;
    }
  }
  DisputeDecision decision;
  decision.variants = static_cast<int64_t>(groups.size());
  // Iterating in digest order and replacing only on strictly more confirmations leaves a tie
  // with the smallest digest.
  for (const auto& [digest, group] : groups) {
    if (group.confirmations > decision.confirmations) {
      decision.counted = true;
      decision.figures_digest = digest;
      decision.submission_id = group.representative->submission_id;
      decision.flagged = group.representative->flagged;
      decision.confirmations = group.confirmations;
    }
  }
  return decision;
}

DisputeVersion VersionOf(const v1::Submission& submission, bool flagged) {
  DisputeVersion version;
  version.submission_id = submission.submission_id();
  version.observer_id = submission.observer_id();
  version.revision = submission.revision();
  version.retraction = submission.retraction();
  if (!version.retraction) version.figures_digest = FiguresDigest(submission.protocol().figures());
  version.flagged = flagged;
  return version;
}

}  // namespace hattama::domain
