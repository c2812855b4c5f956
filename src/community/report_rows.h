#pragma once
// Typed access to the rows community/reports.cc owns (reports, report_areas, report_media),
// for the modules that read them or move them inside their own write (comments, dispatch,
// crime, the live stream, who may fetch media). No other file writes SQL on these tables.
//
// Functions taking store::Tx& run inside the caller's WriteFn (same transaction, same
// savepoint); those taking store::Store& read on a reader connection.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "community/reports.h"
#include "store/store.h"

namespace centinela::community {

//! The counters on a report row that other tables' writers keep in step.
enum class ReportCounter { kComments, kConfirmations };

//! Adds one to `counter` and sets updated_ms = now_ms. Returns the rows changed (0: no
//! report with that id).
Result<int64_t> BumpReportCounter(store::Tx& tx, const std::string& report_id,
                                  ReportCounter counter, int64_t now_ms);

//! Sets a report's status (an incident's public step moves its reports) and updated_ms.
Status SetReportStatus(store::Tx& tx, const std::string& report_id, const std::string& status,
                       int64_t now_ms);

//! One report row (reporter name included, media not attached); nullopt when unknown. Not
//! decided for any viewer: the caller decides what it may show.
Result<std::optional<Report>> LoadReportRow(store::Tx& tx, const std::string& id);
Result<std::optional<Report>> LoadReportRow(store::Store& store, const std::string& id);

//! Ids of the reports listing `media_id` among their media.
Result<std::vector<std::string>> ReportsListingMedia(store::Tx& tx, const std::string& media_id);
Result<std::vector<std::string>> ReportsListingMedia(store::Store& store,
                                                     const std::string& media_id);

//! What the crime map indexes of a report.
struct ReportPoint {
  std::string id, category, family, sensitivity;
  double lat = 0, lon = 0;
  int64_t created_ms = 0;
  std::vector<std::string> areas;  //!< as stamped at creation (outermost first)
};
//! Every report (id empty) or the one with `id`.
Result<std::vector<ReportPoint>> LoadReportPoints(store::Store& store, const std::string& id = {});

//! Reports of `family` created in [from_ms, to_ms] inside the box (the candidates a new
//! incident may duplicate), in no particular order.
struct NearbyQuery {
  std::string family;
  int64_t from_ms = 0, to_ms = 0;
  double min_lat = 0, max_lat = 0, min_lon = 0, max_lon = 0;
};
Result<std::vector<ReportPoint>> ReportsNear(store::Store& store, const NearbyQuery& q);

//! Reports stamped with each area (report_areas) created in [from_ms, to_ms).
Result<std::map<std::string, int64_t>> ReportCountsByArea(store::Store& store, int64_t from_ms,
                                                          int64_t to_ms);
//! Reports stamped with `area` created in [from_ms, to_ms), at most `limit` (only family,
//! lat, lon and created_ms filled).
Result<std::vector<ReportPoint>> ReportPointsInArea(store::Store& store, const std::string& area,
                                                    int64_t from_ms, int64_t to_ms, int64_t limit);

}  // namespace centinela::community
