#include "tools/hub/desk/desk.h"

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/base/digest.h"
#include "tools/hub/desk/form.h"

namespace hattama::desk {
namespace {

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomToken() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "";
  return Hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string TimeText(int64_t unix_seconds) {
  return google::protobuf::util::TimeUtil::ToString(
      google::protobuf::util::TimeUtil::SecondsToTimestamp(unix_seconds));
}

bool SameFigures(const v1::Figures& a, const v1::Figures& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

Entry EntryOf(const EntryRow& row) {
  Entry entry;
  entry.set_operator_(row.operator_name);
  *entry.mutable_figures() = row.figures;
  entry.set_at(TimeText(row.at));
  return entry;
}

std::string Joined(const std::vector<v1::Reason>& reasons) {
  std::string text;
  for (const v1::Reason& reason : reasons) {
    if (!text.empty()) text += "; ";
    text += reason.field() + ": " + reason.message();
  }
  return text;
}

}  // namespace

std::string StateOf(size_t entries, const QueueRow* submission) {
  if (submission == nullptr) {
    return entries == 0 ? "received" : entries == 1 ? "typed_once" : "conflict";
  }
  if (!submission->answered) return submission->sends > 0 ? "sent" : "queued";
  switch (submission->ack.outcome()) {
    case v1::OUTCOME_ACCEPTED:
      return "accepted";
    case v1::OUTCOME_ACCEPTED_WITH_FLAGS:
      return "flagged";
    case v1::OUTCOME_DUPLICATE:
      return "duplicate";
    case v1::OUTCOME_REJECTED:
      return "rejected";
    default:
      return "not_sent";
  }
}

Result<std::unique_ptr<Desk>> Desk::Open(std::shared_ptr<const domain::Registry> registry,
                                         Options options) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir + "/photos", error);
  if (error) {
    return Status::Unavailable(
        fmt::format("cannot create {}: {}", options.data_dir, error.message()));
  }
  auto store = DeskStore::Open(options.data_dir + "/desk.sqlite");
  if (!store.ok()) return store.status();
  return std::unique_ptr<Desk>(
      new Desk(std::move(registry), std::move(options), std::move(*store)));
}

Result<std::string> Desk::AddOperator(const std::string& name, const std::string& role,
                                      std::string token) {
  if (name.empty() || name.size() > 64) {
    return Status::InvalidArgument("an operator's name is 1 to 64 bytes");
  }
  if (role != kOperatorRole && role != kSupervisorRole) {
    return Status::InvalidArgument(
        fmt::format("role is {} or {}, not {}", kOperatorRole, kSupervisorRole, role));
  }
  if (token.empty()) token = RandomToken();
  if (token.size() < 8) return Status::InvalidArgument("a token is at least 8 characters");
  if (Status s = store_->AddOperator(name, Hex(Sha256(token)), role); !s.ok()) return s;
  return token;
}

Result<std::pair<OperatorRow, std::string>> Desk::Login(const std::string& name,
                                                        const std::string& token) {
  auto found = store_->FindOperator(name, Hex(Sha256(token)));
  if (!found.ok()) return found.status();
  if (!*found) return Status::PermissionDenied("no operator with that name and token");
  std::string session = RandomToken();
  if (session.empty()) return Status::Internal("no random bytes for a session");
  if (Status s = store_->AddSession(Hex(Sha256(session)), (*found)->name, UnixNow()); !s.ok()) {
    return s;
  }
  return std::make_pair(**found, session);
}

Result<OperatorRow> Desk::SessionOperator(const std::string& session_token, bool used) {
  auto found = store_->SessionOperator(Hex(Sha256(session_token)), UnixNow(),
                                       options_.session_idle_seconds, used);
  if (!found.ok()) return found.status();
  if (!*found) return Status::PermissionDenied("not signed in, or signed out after being idle");
  return **found;
}

Status Desk::Logout(const std::string& session_token) {
  return store_->EndSession(Hex(Sha256(session_token)));
}

Result<PhotoRow> Desk::FindPhoto(const std::string& sha256) {
  auto found = store_->FindPhoto(sha256);
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("no photo " + sha256);
  return **found;
}

Result<Photo> Desk::Receive(const OperatorRow& by, const std::string& station_id,
                            const std::string& contest_id, const std::string& observer_id,
                            const std::string& image) {
  if (observer_id.empty()) return Status::InvalidArgument("the observer's id is missing");
  PhotoRow row{.station_id = station_id,
               .contest_id = contest_id,
               .observer_id = observer_id,
               .uploaded_by = by.name,
               .uploaded_at = UnixNow()};
  if (const auto* observers = registry_->observers()) {
    if (const auto* observer = observers->FindObserver(observer_id)) {
      row.organisation_id = observer->organisation_id();
    }
  }
  // Checked with a placeholder hash: where and who, before anything is written.
  row.sha256 = std::string(64, '0');
  if (auto reasons = CheckPhotoTarget(*registry_, options_.hub_id, row); !reasons.empty()) {
    return Status::InvalidArgument(Joined(reasons));
  }
  auto stored = photos_.Put(image);
  if (!stored.ok()) return stored.status();
  row.sha256 = stored->sha256_hex;
  row.content_type = stored->content_type;
  row.bytes = stored->bytes;
  auto added = store_->AddPhoto(row);
  if (!added.ok()) return added.status();
  return View(by, row.sha256);
}

Result<std::string> Desk::PhotoBytes(const std::string& sha256) const {
  return photos_.Get(sha256);
}

Result<Photo> Desk::View(const OperatorRow& by, const std::string& sha256) {
  DeskStore::Transaction transaction(*store_);  // one consistent state
  auto row = FindPhoto(sha256);
  if (!row.ok()) return row.status();
  auto entries = store_->Entries(sha256, row->revision);
  if (!entries.ok()) return entries.status();
  auto queued = store_->QueueOf(sha256);
  if (!queued.ok()) return queued.status();
  auto decision = store_->Decision(sha256, row->revision);
  if (!decision.ok()) return decision.status();

  Photo photo;
  photo.set_photo_sha256(row->sha256);
  photo.set_station_id(row->station_id);
  photo.set_contest_id(row->contest_id);
  photo.set_observer_id(row->observer_id);
  if (const auto* station = registry_->FindStation(row->station_id)) {
    if (const v1::Area* region = registry_->RegionOf(*station)) {
      photo.set_region_id(region->area_id());
    }
  }
  photo.set_uploaded_by(row->uploaded_by);
  photo.set_uploaded_at(TimeText(row->uploaded_at));
  photo.set_content_type(row->content_type);
  photo.set_bytes(row->bytes);
  photo.set_revision(row->revision);
  photo.set_entries(static_cast<int32_t>(entries->size()));
  const QueueRow* current = nullptr;
  for (const QueueRow& q : *queued) {
    if (q.revision == row->revision) {
      current = &q;
    } else if (q.answered) {
      *photo.add_earlier_answers() = q.ack;
    }
  }
  photo.set_state(StateOf(entries->size(), current));
  bool typed = false;
  for (const EntryRow& e : *entries) typed = typed || e.operator_name == by.name;
  photo.set_you_typed(typed);
  if (photo.state() == "conflict" && !typed) {
    for (const EntryRow& e : *entries) *photo.add_conflicting_entries() = EntryOf(e);
  }
  if (*decision) {
    Entry& d = *photo.mutable_decision();
    d.set_operator_((*decision)->operator_name);
    d.set_at(TimeText((*decision)->at));
    d.set_kind((*decision)->kind);
    // The figures decided are shown once the revision is out of the typists' hands.
    *d.mutable_figures() = (*decision)->figures;
  }
  if (current != nullptr) {
    photo.set_submission_id(current->submission.submission_id());
    if (current->answered) *photo.mutable_answer() = current->ack;
  }
  return photo;
}

Result<PhotoList> Desk::List(const OperatorRow& by) {
  auto rows = store_->Photos();
  if (!rows.ok()) return rows.status();
  PhotoList list;
  for (const PhotoRow& row : *rows) {
    auto photo = View(by, row.sha256);
    if (!photo.ok()) return photo.status();
    *list.add_photos() = std::move(*photo);
  }
  return list;
}

Result<NextPhoto> Desk::Next(const OperatorRow& by) {
  auto rows = store_->Photos();
  if (!rows.ok()) return rows.status();
  NextPhoto next;
  // Oldest first: Photos() lists the newest first.
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
    auto entries = store_->Entries(it->sha256, it->revision);
    if (!entries.ok()) return entries.status();
    if (entries->size() >= 2) continue;
    if (std::any_of(entries->begin(), entries->end(),
                    [&](const EntryRow& e) { return e.operator_name == by.name; })) {
      continue;
    }
    next.set_photo_sha256(it->sha256);
    break;
  }
  return next;
}

Result<Form> Desk::FormOf(const std::string& sha256) {
  auto row = FindPhoto(sha256);
  if (!row.ok()) return row.status();
  return BuildForm(*registry_, *row);
}

Result<CheckResult> Desk::CheckFigures(const std::string& sha256, const v1::Figures& figures) {
  auto row = FindPhoto(sha256);
  if (!row.ok()) return row.status();
  return Check(*registry_, BuildSubmission(options_.hub_id, *row, figures, row->revision),
               std::chrono::system_clock::now());
}

Status Desk::CheckSavable(const PhotoRow& photo, const v1::Figures& figures, Refused* refused) {
  CheckResult check = Check(*registry_, BuildSubmission(options_.hub_id, photo, figures, 1),
                            std::chrono::system_clock::now());
  if (check.rejections_size() == 0) return Status::Ok();
  const std::string message =
      fmt::format("ingestion would reject these figures: {}",
                  Joined({check.rejections().begin(), check.rejections().end()}));
  if (refused != nullptr) refused->check = std::move(check);
  return Status::InvalidArgument(message);
}

Status Desk::Enqueue(const PhotoRow& photo, const v1::Figures& figures) {
  auto highest =
      store_->HighestQueuedRevision(photo.observer_id, photo.station_id, photo.contest_id);
  if (!highest.ok()) return highest.status();
  const v1::Submission submission = BuildSubmission(options_.hub_id, photo, figures, *highest + 1);
  return store_->Enqueue(photo.sha256, photo.revision, submission, UnixNow());
}

Result<Photo> Desk::Type(const OperatorRow& by, const std::string& sha256,
                         const v1::Figures& figures, Refused* refused) {
  {
    DeskStore::Transaction transaction(*store_);
    if (!transaction.status().ok()) return transaction.status();
    auto row = FindPhoto(sha256);
    if (!row.ok()) return row.status();
    if (Status s = CheckSavable(*row, figures, refused); !s.ok()) return s;
    auto entries = store_->Entries(sha256, row->revision);
    if (!entries.ok()) return entries.status();
    if (entries->size() >= 2) {
      return Status::FailedPrecondition("this photo is typed twice already");
    }
    const EntryRow entry{.photo = sha256,
                         .revision = row->revision,
                         .operator_name = by.name,
                         .figures = figures,
                         .at = UnixNow()};
    if (Status s = store_->AddEntry(entry); !s.ok()) return s;
    bool queued = false;
    if (entries->size() == 1 && SameFigures(entries->front().figures, figures)) {
      const DecisionRow agreed{.photo = sha256,
                               .revision = row->revision,
                               .operator_name = by.name,
                               .kind = "agreed",
                               .figures = figures,
                               .at = entry.at};
      if (Status s = store_->AddDecision(agreed); !s.ok()) return s;
      if (Status s = Enqueue(*row, figures); !s.ok()) return s;
      queued = true;
    }
    if (Status s = transaction.Commit(); !s.ok()) return s;
    if (queued && on_queued_) on_queued_();
  }
  return View(by, sha256);
}

Result<Photo> Desk::Settle(const OperatorRow& by, const std::string& sha256,
                           const v1::Figures& figures, Refused* refused) {
  {
    DeskStore::Transaction transaction(*store_);
    if (!transaction.status().ok()) return transaction.status();
    auto row = FindPhoto(sha256);
    if (!row.ok()) return row.status();
    auto entries = store_->Entries(sha256, row->revision);
    if (!entries.ok()) return entries.status();
    auto decision = store_->Decision(sha256, row->revision);
    if (!decision.ok()) return decision.status();
    if (entries->size() != 2 || *decision) {
      return Status::FailedPrecondition("this photo is not in conflict");
    }
    for (const EntryRow& e : *entries) {
      if (e.operator_name == by.name) {
        return Status::PermissionDenied(
            "a conflict is settled by an operator who typed neither entry");
      }
    }
    if (Status s = CheckSavable(*row, figures, refused); !s.ok()) return s;
    const DecisionRow settled{.photo = sha256,
                              .revision = row->revision,
                              .operator_name = by.name,
                              .kind = "settled",
                              .figures = figures,
                              .at = UnixNow()};
    if (Status s = store_->AddDecision(settled); !s.ok()) return s;
    if (Status s = Enqueue(*row, figures); !s.ok()) return s;
    if (Status s = transaction.Commit(); !s.ok()) return s;
  }
  if (on_queued_) on_queued_();
  return View(by, sha256);
}

Result<Photo> Desk::Correct(const OperatorRow& by, const std::string& sha256) {
  {
    DeskStore::Transaction transaction(*store_);
    if (!transaction.status().ok()) return transaction.status();
    auto row = FindPhoto(sha256);
    if (!row.ok()) return row.status();
    auto queued = store_->QueueOf(sha256);
    if (!queued.ok()) return queued.status();
    const QueueRow* current = nullptr;
    for (const QueueRow& q : *queued) {
      if (q.revision == row->revision) current = &q;
    }
    const std::string state = current ? StateOf(2, current) : "";
    if (state != "rejected" && state != "flagged" && state != "not_sent") {
      return Status::FailedPrecondition(
          "only a rejected, flagged or unsent submission is corrected");
    }
    if (Status s = store_->SetRevision(sha256, row->revision + 1); !s.ok()) return s;
    if (Status s = transaction.Commit(); !s.ok()) return s;
  }
  return View(by, sha256);
}

}  // namespace hattama::desk
