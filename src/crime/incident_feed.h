#pragma once
// IncidentFeed keeps an IncidentIndex equal to the store: formal complaints (complaints
// table) and informal reports (reports table). LoadAll reads both once at start; Refresh
// follows the event log from there ("report.created" -> that report, "complaints.imported"
// -> the rows of that import, by import_seq), so rows written by another process (a
// `centinela import` next to a running server) are picked up too. The crime map API calls
// Refresh before each query: when nothing is new it costs one indexed read of the log.
//
// Areas: a located incident belongs to every area whose polygon contains it (and their
// ancestors); a complaint with only an area code belongs to that area and its ancestors;
// a report keeps the areas computed when it was filed. Membership is decided when the row
// is indexed: later changes to area polygons apply after a restart.
// Report status changes (e.g. rejected) do not remove a report from the index.
//
// Thread-safe: LoadAll and Refresh are serialised; the index serves queries meanwhile.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>

#include "areas/areas.h"
#include "common/mutex.h"
#include "common/status.h"
#include "crime/incident_index.h"
#include "store/store.h"

namespace centinela::crime {

class IncidentFeed {
 public:
  IncidentFeed(store::Store& store, const areas::AreaService& areas, IncidentIndex& index);

  //! Reads the log head, then every report and complaint up to it, into the index.
  Status LoadAll();
  //! Applies the events written since the last load or refresh.
  Status Refresh();
  //! Seq of the last event applied.
  int64_t applied_seq() const;

 private:
  Status LoadCategories() REQUIRES(mu_);
  //! Every report (id empty) or the one with `id`.
  Status LoadReports(const std::string& id) REQUIRES(mu_);
  Status LoadComplaints(const std::string& condition, const store::Params& params) REQUIRES(mu_);
  std::vector<std::string> AreasOf(double lat, double lon, bool located,
                                   const std::string& area_code) const;

  store::Store& store_;
  const areas::AreaService& areas_;
  IncidentIndex& index_;
  mutable Mutex mu_;
  int64_t applied_seq_ GUARDED_BY(mu_) = 0;
  std::map<std::string, bool> restricted_ GUARDED_BY(mu_);  // category code -> restricted
  std::unordered_set<std::string> report_ids_ GUARDED_BY(mu_);  // reports already indexed
};

}  // namespace centinela::crime
