// hattama-verify recount: every area total publication shows, observers' and official, recounted
// from the transparency log's entries at the log position the total states, and compared.
//
// Steps: the registry from --registry; the election's areas and contests from publication
// (/v1/GetElection); every area × contest total (/v1/GetAreaTotals, /v1/GetOfficialTotals) with
// its log position, asking again for those not yet logged (tree size 0) for --position-wait
// seconds; the log's checkpoint, verified with the log key, and every entry up to it, hashed into
// a tree whose root must be the checkpoint's (LogClient::ForEachEntry); then each total recounted
// at its own position (recount.h) and compared field by field.
#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "common/domain/registry.h"
#include "tools/verify/commands.h"
#include "tools/verify/recount.h"

namespace hattama::verify {
namespace {

constexpr char kRecountCommand[] = "recount";
// The election (areas and contests, no stations) of a national registry is a few MiB at most.
constexpr std::size_t kMaxElectionBytes = std::size_t{64} << 20;
constexpr auto kAskAgainEvery = std::chrono::milliseconds(500);

// A published total and what was asked for.
struct Fetched {
  TotalsId id;
  v1::AreaTotals totals;
};

// Reads publication's JSON API (GET /v1/<Method>?…), bounded like the log's answers.
class Publication {
 public:
  static Result<Publication> Connect(const RecountArgs& args) {
    if (args.publication_url.empty()) {
      return Status::InvalidArgument("--publication-url is required");
    }
    auto http = HttpFetcher::Create(
        args.publication_url,
        {.connect_timeout = std::chrono::seconds(args.log.connect_timeout_seconds),
         .request_timeout = std::chrono::seconds(args.log.request_timeout_seconds)});
    if (!http.ok()) return http.status();
    return Publication(std::move(http).value(), args.log.max_answer_bytes);
  }

  Result<v1::Election> Election() {
    v1::Election election;
    if (Status got = Call("/v1/GetElection", kMaxElectionBytes, election); !got.ok()) return got;
    return election;
  }

  Result<v1::AreaTotals> Totals(const TotalsId& id) {
    const std::string path = fmt::format(
        "/v1/{}?area_id={}&contest_id={}", id.official ? "GetOfficialTotals" : "GetAreaTotals",
        EncodeQueryValue(id.area_id), EncodeQueryValue(id.contest_id));
    v1::AreaTotals totals;
    if (Status got = Call(path, max_answer_bytes_, totals); !got.ok()) return got;
    // The answer must be about what was asked, or the comparison would be of something else.
    if (totals.area().area_id() != id.area_id || totals.contest_id() != id.contest_id ||
        totals.official() != id.official) {
      return Status::InvalidArgument(
          fmt::format("{} answered the totals of area \"{}\", contest \"{}\", {}", path,
                      totals.area().area_id(), totals.contest_id(), ScopeName(totals.official())));
    }
    return totals;
  }

 private:
  Publication(std::unique_ptr<HttpFetcher> http, std::size_t max_answer_bytes)
      : http_(std::move(http)), max_answer_bytes_(max_answer_bytes) {}

  Status Call(const std::string& path, std::size_t max_bytes, google::protobuf::Message& answer) {
    auto got = http_->Get(path, max_bytes);
    if (!got.ok()) return got.status();
    if (got->status != 200) {
      return Status::Unavailable(fmt::format("publication {}{}: HTTP {}: {}", http_->url(), path,
                                             got->status, got->body.substr(0, 200)));
    }
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;  // a newer publication may say more
    if (!google::protobuf::util::JsonStringToMessage(got->body, &answer, options).ok()) {
      return Status::Unavailable(fmt::format("publication {}{}: the answer is no {}", http_->url(),
                                             path, answer.GetDescriptor()->full_name()));
    }
    return Status::Ok();
  }

  std::unique_ptr<HttpFetcher> http_;
  std::size_t max_answer_bytes_;
};

// Every area × contest total of both scopes, each with a log position; those still not logged
// after `wait` go to `not_logged`.
Result<std::vector<Fetched>> FetchTotals(Publication& publication, const v1::Election& election,
                                         std::chrono::seconds wait,
                                         std::vector<Fetched>& not_logged) {
  std::vector<TotalsId> ids;
  for (const auto& area : election.areas()) {
    for (const auto& contest : election.contests()) {
      for (bool official : {false, true})
        ids.push_back({area.area_id(), contest.contest_id(), official});
    }
  }
  const Progress progress = StderrProgress("published totals fetched");
  std::vector<Fetched> logged;
  std::vector<TotalsId> pending;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto totals = publication.Totals(ids[i]);
    if (!totals.ok()) return totals.status();
    if (totals->log_position().tree_size() > 0) {
      logged.push_back({ids[i], std::move(totals).value()});
    } else {
      pending.push_back(ids[i]);
    }
    progress(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(ids.size()));
  }
  // Publication states a position once the log holds it; just after the night that takes about a
  // checkpoint interval.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kAskAgainEvery);
    std::vector<TotalsId> still;
    for (const TotalsId& id : pending) {
      auto totals = publication.Totals(id);
      if (!totals.ok()) return totals.status();
      if (totals->log_position().tree_size() > 0) {
        logged.push_back({id, std::move(totals).value()});
      } else {
        still.push_back(id);
      }
    }
    pending = std::move(still);
  }
  for (const TotalsId& id : pending) not_logged.push_back({id, {}});
  return logged;
}

// The verified checkpoint to download: the log's latest, which holds every size publication
// stated (publication states only sizes of checkpoints it saw). Asked again while it is smaller,
// as a mirror may lag; InvalidArgument when it stays smaller.
Result<VerifiedCheckpoint> CheckpointHolding(LogClient& log, std::int64_t size,
                                             std::chrono::seconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    auto checkpoint = log.FetchCheckpoint();
    if (!checkpoint.ok() || checkpoint->checkpoint.size >= size) return checkpoint;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::InvalidArgument(
          fmt::format("publication states tree size {}, but the log's signed checkpoint holds {} "
                      "leaves",
                      size, checkpoint->checkpoint.size));
    }
    std::this_thread::sleep_for(kAskAgainEvery);
  }
}

std::string Where(const domain::Registry& registry, const TotalsId& id) {
  // Describe's wording, without a field.
  std::string line = Describe(registry, {id, "", 0, 0});
  return line.substr(0, line.find(": "));
}

}  // namespace

int RecountTotals(const RecountArgs& args) {
  if (args.registry_dir.empty()) return CannotCheck(kRecountCommand, "--registry is required");
  const std::filesystem::path dir(args.registry_dir);
  auto registry =
      domain::Registry::Load((dir / "election.json").string(), (dir / "stations.csv").string());
  if (!registry.ok()) return CannotCheck(kRecountCommand, registry.status().message());
  auto log = ConnectLog(args.log);
  if (!log.ok()) return CannotCheck(kRecountCommand, log.status().message());
  auto publication = Publication::Connect(args);
  if (!publication.ok()) return CannotCheck(kRecountCommand, publication.status().message());

  auto election = publication->Election();
  if (!election.ok()) return CannotCheck(kRecountCommand, election.status().message());
  if (election->election_id() != (*registry)->election().election_id()) {
    std::printf("NOTE publication serves election \"%s\", the registry is of \"%s\"\n",
                election->election_id().c_str(), (*registry)->election().election_id().c_str());
  }
  std::vector<Fetched> not_logged;
  auto published = FetchTotals(*publication, *election,
                               std::chrono::seconds(args.position_wait_seconds), not_logged);
  if (!published.ok()) {
    if (ExitStatusOf(published.status()) != kDoesNotHold) {
      return CannotCheck(kRecountCommand, published.status().message());
    }
    std::printf("DOES NOT HOLD: %s\n", published.status().message().c_str());
    return kDoesNotHold;
  }

  std::int64_t largest = 0;
  for (const Fetched& fetched : *published) {
    largest = std::max(largest, fetched.totals.log_position().tree_size());
  }
  Recount recount(*registry);
  if (largest > 0) {
    auto checkpoint =
        CheckpointHolding(**log, largest, std::chrono::seconds(args.position_wait_seconds));
    if (!checkpoint.ok()) {
      if (ExitStatusOf(checkpoint.status()) != kDoesNotHold) {
        return CannotCheck(kRecountCommand, checkpoint.status().message());
      }
      std::printf("DOES NOT HOLD: %s\n", checkpoint.status().message().c_str());
      return kDoesNotHold;
    }
    std::fprintf(stderr, "checkpoint verified: %s\n", Describe(checkpoint->checkpoint).c_str());
    Status downloaded = (*log)->ForEachEntry(
        checkpoint->checkpoint,
        [&](std::int64_t leaf, std::string_view bytes) {
          auto entry = tlog::DecodeLeafEntry(bytes);
          if (!entry.ok()) {
            return Status::InvalidArgument(
                fmt::format("leaf {}: {}", leaf, entry.status().message()));
          }
          recount.AddLeaf(*entry);
          return Status::Ok();
        },
        StderrProgress("entries downloaded"));
    if (!downloaded.ok()) {
      if (ExitStatusOf(downloaded) != kDoesNotHold) {
        return CannotCheck(kRecountCommand, downloaded.message());
      }
      std::printf("DOES NOT HOLD: the log: %s\n", downloaded.message().c_str());
      return kDoesNotHold;
    }
  }

  std::int64_t equal = 0, different = 0, unrecountable = 0;
  std::int64_t smallest_size = largest;
  for (const Fetched& fetched : *published) {
    const v1::LogPosition& position = fetched.totals.log_position();
    smallest_size = std::min(smallest_size, position.tree_size());
    auto recounted = recount.At(position);
    if (!recounted.ok()) {
      ++unrecountable;
      std::printf(
          "CANNOT RECOUNT %s at tree size %lld: %s\n", Where(**registry, fetched.id).c_str(),
          static_cast<long long>(position.tree_size()), recounted.status().message().c_str());
      continue;
    }
    auto it = recounted->totals.find(fetched.id);
    const auto differences = CompareTotals(**registry, fetched.totals,
                                           it == recounted->totals.end() ? nullptr : &it->second);
    for (const Difference& difference : differences) {
      std::printf("DIFFERS %s (tree size %lld)\n", Describe(**registry, difference).c_str(),
                  static_cast<long long>(position.tree_size()));
    }
    (differences.empty() ? equal : different) += 1;
  }
  for (const Fetched& fetched : not_logged) {
    std::printf("NOT YET LOGGED %s: publication states no tree size after %d s\n",
                Where(**registry, fetched.id).c_str(), args.position_wait_seconds);
  }

  const std::int64_t checked = static_cast<std::int64_t>(published->size());
  const std::string sizes = smallest_size == largest
                                ? fmt::format("tree size {}", largest)
                                : fmt::format("tree sizes {} to {}", smallest_size, largest);
  if (different == 0 && unrecountable == 0 && not_logged.empty()) {
    std::printf("HOLDS: the recount at %s equals all %lld published totals (%lld leaves read)\n",
                sizes.c_str(), static_cast<long long>(checked),
                static_cast<long long>(recount.leaves()));
    return kHolds;
  }
  std::printf(
      "%s: %lld published totals checked at %s: %lld equal, %lld different, %lld not "
      "recountable; %zu not yet logged\n",
      different + unrecountable > 0 ? "DOES NOT HOLD" : "NOT CHECKED",
      static_cast<long long>(checked), sizes.c_str(), static_cast<long long>(equal),
      static_cast<long long>(different), static_cast<long long>(unrecountable), not_logged.size());
  return different + unrecountable > 0 ? kDoesNotHold : kCannotCheck;
}

}  // namespace hattama::verify
