// The desk's work: operators sign in, photos are received, each revision of a photo is typed by
// two different operators who never see each other's figures, equal entries become the submission
// and different ones wait for a third operator who sees both and decides; the submission joins the
// durable queue (DeskStore) the Sender streams to ingestion; a rejected or flagged answer may be
// corrected as the next revision, typed twice again. Every entry and decision is kept with its
// author. Figures with a rejection (Validate, ingestion's code) are never saved.
//
// Thread-safety: every method may be called from any thread (the HTTP server's workers); each
// change is one DeskStore transaction.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/domain/registry.h"
#include "tools/hub/desk/desk.pb.h"
#include "tools/hub/desk/desk_store.h"
#include "tools/hub/desk/photo_store.h"

namespace hattama::desk {

inline constexpr char kOperatorRole[] = "operator";
inline constexpr char kSupervisorRole[] = "supervisor";
// A session unused for this long ends: the operator signs in again (--session-idle-seconds).
inline constexpr int64_t kDefaultSessionIdleSeconds = 3600;

// Figures refused by Validate: the reasons, for the form to show.
struct Refused {
  CheckResult check;
};

class Desk {
 public:
  struct Options {
    // The hub this desk relays for: its submissions' hub_id (the hub registry's id of its token).
    std::string hub_id;
    // DATA: desk.sqlite and photos/.
    std::string data_dir;
    int64_t max_photo_bytes = kDefaultMaxPhotoBytes;
    int64_t session_idle_seconds = kDefaultSessionIdleSeconds;
  };

  static Result<std::unique_ptr<Desk>> Open(std::shared_ptr<const domain::Registry> registry,
                                            Options options);

  // Creates an operator (role kOperatorRole or kSupervisorRole); `token` empty: a new random one.
  // Returns the token, which the desk keeps only as its SHA-256.
  Result<std::string> AddOperator(const std::string& name, const std::string& role,
                                  std::string token);
  // A new session token for the operator with that name and token; PermissionDenied otherwise.
  Result<std::pair<OperatorRow, std::string>> Login(const std::string& name,
                                                    const std::string& token);
  // The operator of a session token; PermissionDenied for an unknown one, one signed out or one
  // unused for longer than the idle time. Sessions are kept in the store, so that a desk restarted
  // mid-shift keeps its operators signed in. `used`: the operator's own request, which keeps the
  // session alive (a page asking again by itself for an answer does not).
  Result<OperatorRow> SessionOperator(const std::string& session_token, bool used = true);
  // Ends the session (signing out); nothing for an unknown one.
  Status Logout(const std::string& session_token);

  // Receives a photo of the protocol of `station_id` × `contest_id` obtained by `observer_id`.
  // InvalidArgument for an image that is no JPEG or PNG, a station, contest or observer Validate
  // refuses (its reasons in the message); ResourceExhausted above the size limit. The same image
  // again returns the photo received before.
  Result<Photo> Receive(const OperatorRow& by, const std::string& station_id,
                        const std::string& contest_id, const std::string& observer_id,
                        const std::string& image);
  Result<std::string> PhotoBytes(const std::string& sha256) const;
  // The photo as `by` may see it (the other entries only when it is in conflict and `by` typed
  // none of them).
  Result<Photo> View(const OperatorRow& by, const std::string& sha256);
  Result<PhotoList> List(const OperatorRow& by);
  // The oldest photo `by` may type (fewer than two entries, none of them by `by`).
  Result<NextPhoto> Next(const OperatorRow& by);
  Result<Form> FormOf(const std::string& sha256);
  // Validate's verdict on `figures` as the photo's submission, now.
  Result<CheckResult> CheckFigures(const std::string& sha256, const v1::Figures& figures);

  // `by`'s entry of the photo's current revision. The second entry, when equal to the first,
  // queues the submission. FailedPrecondition when `by` typed it already or it has two entries;
  // a Refused (through `refused`) and InvalidArgument when Validate rejects the figures.
  Result<Photo> Type(const OperatorRow& by, const std::string& sha256, const v1::Figures& figures,
                     Refused* refused);
  // Settles a conflict with `figures` (one of the entries or the photo read anew), by an operator
  // who typed neither entry; queues the submission.
  Result<Photo> Settle(const OperatorRow& by, const std::string& sha256, const v1::Figures& figures,
                       Refused* refused);
  // Starts the next revision of a photo whose submission was rejected or flagged (or set aside
  // unsent), to be typed twice again.
  Result<Photo> Correct(const OperatorRow& by, const std::string& sha256);

  // Called after a submission is queued (the Sender's wake-up).
  void set_on_queued(std::function<void()> on_queued) { on_queued_ = std::move(on_queued); }

  const domain::Registry& registry() const { return *registry_; }
  DeskStore& store() { return *store_; }
  const std::string& hub_id() const { return options_.hub_id; }

 private:
  Desk(std::shared_ptr<const domain::Registry> registry, Options options,
       std::unique_ptr<DeskStore> store)
      : registry_(std::move(registry)),
        options_(std::move(options)),
        store_(std::move(store)),
        photos_(options_.data_dir + "/photos", options_.max_photo_bytes) {}
  Result<PhotoRow> FindPhoto(const std::string& sha256);
  // Builds, checks and queues the submission of the photo's current revision (in the caller's
  // transaction).
  Status Enqueue(const PhotoRow& photo, const v1::Figures& figures);
  // Validate's rejections of the figures as the photo's submission go to `refused`.
  Status CheckSavable(const PhotoRow& photo, const v1::Figures& figures, Refused* refused);

  std::shared_ptr<const domain::Registry> registry_;
  Options options_;
  std::unique_ptr<DeskStore> store_;
  PhotoStore photos_;
  std::function<void()> on_queued_;
};

// A photo's state, by its current revision's entries, decision and queued submission: received,
// typed_once, conflict, queued, sent, accepted, flagged, duplicate, rejected or not_sent.
std::string StateOf(size_t entries, const QueueRow* submission);

}  // namespace hattama::desk
