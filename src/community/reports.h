#pragma once
// Reports: a neighbour's alert at a point, with a category, optional media and anonymity.
// Creation is one Store write (report row + report_areas + report_media + idempotency
// answer + event "report.created"), acknowledged only once durable. Reads pass every row
// through Decide() (visibility.h) for the caller.

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "areas/areas.h"
#include "auth/roles.h"
#include "common/clock.h"
#include "common/status.h"
#include "community/categories.h"
#include "community/rate_limit.h"
#include "community/visibility.h"
#include "store/inflight.h"
#include "store/store.h"

namespace centinela::community {

//! Named limits (STYLE.md habit 6).
inline constexpr size_t kMaxDescriptionChars = 2000;  //!< code points
inline constexpr size_t kMaxAddressBytes = 300;
inline constexpr size_t kMaxMediaPerReport = 10;
inline constexpr size_t kMaxIdempotencyKeyBytes = 128;
inline constexpr int64_t kIdempotencyTtlMs = 24 * 3600 * 1000;  //!< keys expire after 24 h
inline constexpr int kMaxPageSize = 200;
inline constexpr int kDefaultPageSize = 50;
//! Most rows one list request examines (visibility drops some); past it the page is short
//! and its cursor continues the scan.
inline constexpr int kMaxRowsScanned = 2000;

//! What the reporter sends.
struct NewReport {
  std::string category;
  double lat = 0, lon = 0;
  std::optional<double> accuracy_m;
  std::string address;
  std::string description;
  std::vector<std::string> media;
  bool anonymous = false;
  bool share_with_family = false;
};

struct Report {
  std::string id;
  std::string reporter_id;
  std::string reporter_name;
  std::string category;
  std::string family;
  Sensitivity sensitivity = Sensitivity::kPublic;
  int priority = 3;
  double lat = 0, lon = 0;
  std::optional<double> accuracy_m;
  std::string address;
  std::string description;
  bool anonymous = false;
  bool share_with_family = false;
  std::vector<std::string> areas;  //!< outermost first
  std::vector<std::string> agencies;
  std::string status = "received";
  int64_t confirmations = 0;
  int64_t comments = 0;
  std::vector<std::string> media;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

//! What Decide and NamePerson need of a report (family_member_ids left empty). Pure.
ReportFacts FactsOf(const Report& r);

//! Checks a NewReport against the category table and limits (no I/O beyond the cache).
//! 422 for an unknown/inactive category, coordinates out of range, oversize text.
Status ValidateNewReport(const NewReport& r, const CategoryService& categories);

//! Areas a point is stamped with (outermost first, every ancestor included) and the
//! agencies it routes to: the category's agencies ∩ those serving the innermost area that
//! lists any, or the category's when that is empty. Outside every area: `default_area`
//! and its ancestors (or nothing when it is empty or unknown). Pure over the AreaService.
std::pair<std::vector<std::string>, std::vector<std::string>> RouteReport(
    const areas::AreaService& areas, const std::string& default_area, double lat, double lon,
    const std::vector<std::string>& category_agencies);

//! Opaque page cursor: URL-safe base64 of "<created_ms>:<id>". Pure.
std::string EncodeCursor(int64_t created_ms, const std::string& id);
std::optional<std::pair<int64_t, std::string>> DecodeCursor(const std::string& cursor);

struct ReportServiceOptions {
  int max_per_minute = 10;       //!< reports.max_per_minute
  int max_per_day = 100;         //!< reports.max_per_day
  std::string default_area;      //!< reports.default_area
  const Clock* clock = nullptr;  //!< rate-limit windows; SystemClock when null
};

//! A stored idempotent answer.
struct StoredAnswer {
  int status = 0;
  std::string body;
};

struct CreateRequest {
  std::string user_id;
  std::string display_name;
  NewReport report;
  std::string idempotency_key;  //!< empty: none
  std::string fingerprint;      //!< identifies the request body (a key reused with another → 422)
};

struct CreateOutcome {
  int status = 201;
  std::string body;
  bool replay = false;  //!< the stored answer of an earlier request with the same key
};

//! Renders the body stored with an idempotency key and answered to the reporter.
using RenderFn = std::function<std::string(const Report&)>;

struct ListQuery {
  std::string area;
  std::optional<std::array<double, 4>> bbox;  //!< minLon, minLat, maxLon, maxLat
  std::optional<int64_t> from_ms, to_ms;      //!< created_ms in [from, to)
  std::vector<std::string> categories;
  std::string status;
  int limit = kDefaultPageSize;
  std::optional<std::pair<int64_t, std::string>> cursor;
  bool mine = false;  //!< only the viewer's own reports
};

struct VisibleReport {
  Report report;
  View view;
};

struct Page {
  std::vector<VisibleReport> items;
  std::string next_cursor;  //!< empty at the end
};

//! Thread-safe. Create's callback runs on the store's writer thread after the commit.
class ReportService {
 public:
  ReportService(store::Store& store, const areas::AreaService& areas,
                const CategoryService& categories, ReportServiceOptions options);
  //! Waits for writes still in flight (their callbacks touch *this).
  ~ReportService();
  ReportService(const ReportService&) = delete;
  ReportService& operator=(const ReportService&) = delete;

  //! Reserves one report of the user's rate budget; nullopt when allowed, else the seconds
  //! to wait. Release() gives a reservation back (the request created nothing).
  std::optional<int> Reserve(const std::string& user_id);
  void Release(const std::string& user_id);

  //! The stored answer for (user, key) younger than 24 h, if any; 422 when the key was
  //! used for a request with another fingerprint.
  Result<std::optional<StoredAnswer>> FindIdempotent(const std::string& user_id,
                                                     const std::string& key,
                                                     const std::string& fingerprint);

  //! Validates, routes and writes; `done` gets the answer (201 + body, or the stored one
  //! when the key was used before with the same request) or an error.
  void Create(CreateRequest req, RenderFn render, std::function<void(Result<CreateOutcome>)> done);

  //! The viewer for a principal: grants plus approved neighbourhood memberships.
  Result<Viewer> ViewerFor(const auth::Principal& p);
  //! Users in whose accepted family circle `user_id` is (either side of a link); the live
  //! stream indexes sessions by them.
  Result<std::vector<std::string>> FamilyOf(const std::string& user_id);
  //! One report as the viewer may see it; nullopt when invisible or unknown.
  Result<std::optional<VisibleReport>> Get(const Viewer& viewer, const std::string& id);
  //! A page of reports newest first, filtered by visibility.
  Result<Page> List(const Viewer& viewer, const ListQuery& q);
  //! The known reports among `ids`, each with the viewer's View, visible or not (media not
  //! attached): what an answer about them (an incident, a flag) decides its fields against.
  //! One query. Never to be answered as reports: invisible ones are included.
  Result<std::vector<VisibleReport>> Decided(const Viewer& viewer,
                                             const std::vector<std::string>& ids);
  //! Writes one "report.deanonymised_read" event (scope "admin") per report id; `done`
  //! after the durable commit.
  void LogDeanonymisedReads(const std::string& actor, std::vector<std::string> report_ids,
                            std::function<void(Status)> done);

 private:
  void Submit(store::WriteFn fn, std::function<void(Status)> done);
  Status AttachMedia(std::vector<VisibleReport>& items);

  store::Store& store_;
  const areas::AreaService& areas_;
  const CategoryService& categories_;
  ReportServiceOptions options_;
  SystemClock system_clock_;
  const Clock& clock_;

  std::atomic<uint64_t> keyed_writes_{0};  // every 1,000th keyed write purges expired keys

  RateLimiter limiter_;

  // Last member: destroyed first, so the destructor waits for queued writes whose
  // completions still touch this service.
  store::InflightWrites writes_{store_};
};

}  // namespace centinela::community
