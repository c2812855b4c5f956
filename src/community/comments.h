#pragma once
// Community on a report: comments, "I saw it too" confirmations, abuse flags, and staff
// moderation (hiding a comment keeps it in the table and the event log). Who may act is
// decided by the report's visibility (ReportService::Get → Decide): anyone who sees a
// report may comment on it, confirm it and flag it; nobody else learns it exists.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "community/rate_limit.h"
#include "community/reports.h"
#include "community/visibility.h"
#include "store/inflight.h"
#include "store/store.h"

namespace centinela::community {

//! Named limits (STYLE.md habit 6).
inline constexpr size_t kMaxCommentChars = 1000;  //!< code points
inline constexpr size_t kMaxFlagReasonChars = 500;
inline constexpr size_t kMaxHideReasonChars = 500;
inline constexpr int kMaxCommentPage = 200;
inline constexpr int kDefaultCommentPage = 50;

struct Comment {
  std::string id;
  std::string report_id;
  std::string author_id;
  std::string author_name;
  std::string body;
  bool hidden = false;
  std::string hidden_by;
  std::string hidden_reason;
  int64_t created_ms = 0;
};

struct CommentPage {
  std::vector<Comment> items;  //!< oldest first
  std::string next_cursor;     //!< empty at the end
};

//! A flag's target, parsed from "comment:<id>" or "report:<id>". Pure.
struct FlagTarget {
  enum class Kind { kComment, kReport } kind = Kind::kReport;
  std::string id;
};
std::optional<FlagTarget> ParseFlagTarget(const std::string& text);

//! 422 unless `body` is valid UTF-8 of 1..kMaxCommentChars code points, not only spaces.
Status ValidateCommentBody(const std::string& body);

//! True when the viewer moderates the report: an operator or admin grant covering one of
//! its areas (or "*"). Pure.
bool Moderates(const Viewer& viewer, const Report& report);

//! How a comment is shown to one viewer: moderators see hidden comments (with the reason);
//! everyone else does not see them at all. Whether its author (and who hid it) may be
//! named is NamePerson's decision (visibility.h), as for every field naming a person: the
//! anonymous reporter's comments are as anonymous as the report. Pure.
struct CommentView {
  bool visible = false;
  bool by_reporter = false;
};
CommentView DecideComment(const Comment& c, const Report& report, const View& report_view,
                          bool moderator);

//! All flags on one target, as staff review them.
struct FlagSummary {
  std::string target;     //!< "comment:<id>" or "report:<id>"
  std::string report_id;  //!< the report itself, or the comment's report
  int64_t count = 0;      //!< flags raised by distinct users
  std::string reason;     //!< the latest flag's reason
  int64_t first_ms = 0, last_ms = 0;
  std::string resolution;  //!< "" while open; "dismissed" or "hidden"
  std::string resolved_by;
  int64_t resolved_ms = 0;
};
struct FlagPage {
  std::vector<FlagSummary> items;  //!< latest flag first
  std::string next_cursor;         //!< empty at the end
};
inline constexpr int kMaxFlagPage = 200;
inline constexpr int kDefaultFlagPage = 50;

struct CommentServiceOptions {
  int max_per_minute = 5;        //!< community.comments_per_minute
  int max_per_day = 100;         //!< community.comments_per_day
  const Clock* clock = nullptr;  //!< rate-limit windows; SystemClock when null
};

//! Thread-safe. Write callbacks run on the store's writer thread after the commit.
class CommentService {
 public:
  CommentService(store::Store& store, CommentServiceOptions options);
  //! Waits for writes still in flight (their callbacks touch *this).
  ~CommentService();
  CommentService(const CommentService&) = delete;
  CommentService& operator=(const CommentService&) = delete;

  //! The per-user comment budget (same limiter as reports, own limits).
  std::optional<int> Reserve(const std::string& user_id) { return limiter_.Reserve(user_id); }
  void Release(const std::string& user_id) { limiter_.Release(user_id); }

  //! Adds a comment to a report the caller was found to see; bumps reports.comments and
  //! writes "comment.added" (scope "report:<id>").
  void Add(const std::string& author_id, const std::string& author_name, const Report& report,
           std::string body, std::function<void(Result<Comment>)> done);

  //! A page of a report's comments, oldest first; hidden ones only when include_hidden.
  Result<CommentPage> List(const std::string& report_id, bool include_hidden,
                           const std::string& cursor, int limit);

  //! One comment by id, hidden or not; nullopt when unknown.
  Result<std::optional<Comment>> Get(const std::string& comment_id);

  //! "I saw it too": `done` gets true when the user had already confirmed (nothing
  //! written), false when this call added it (reports.confirmations + 1, "report.confirmed").
  //! 422 when the user is the reporter.
  void Confirm(const std::string& user_id, const Report& report,
               std::function<void(Result<bool>)> done);

  //! Raises a flag once per user per target; `done` gets true when it already existed.
  //! "flag.raised" goes to the staff of the report's innermost area.
  void Flag(const std::string& user_id, const std::string& target, std::string reason,
            const Report& report, std::function<void(Result<bool>)> done);

  //! Targets with open (resolved = false) or resolved flags whose report lies in `area`
  //! (report_areas: the report's containing areas, so a precinct sees its sectors' flags),
  //! latest flag first; `cursor` is the previous page's next_cursor (400 when malformed).
  Result<FlagPage> ListFlags(const std::string& area, bool resolved, const std::string& cursor,
                             int limit);
  //! Marks every open flag on `target` resolved by `actor` ("dismissed" or "hidden") with the
  //! event "flag.resolved" to the staff of the report's innermost area; 409 when none is open.
  void ResolveFlags(const std::string& actor, const std::string& target, const Report& report,
                    const std::string& resolution, std::function<void(Result<int64_t>)> done);
  //! Hides (hide = true) or shows again a comment; "comment.hidden"/"comment.unhidden" to
  //! the staff of the report's innermost area. The row stays.
  void SetHidden(const std::string& actor, const Comment& comment, const Report& report, bool hide,
                 std::string reason, std::function<void(Result<Comment>)> done);

 private:
  void Submit(store::WriteFn fn, std::function<void(Status)> done);

  store::Store& store_;
  CommentServiceOptions options_;
  SystemClock system_clock_;
  const Clock& clock_;
  RateLimiter limiter_;

  // Last member: destroyed first, so the destructor waits for queued writes whose
  // completions still touch this service.
  store::InflightWrites writes_{store_};
};

}  // namespace centinela::community
