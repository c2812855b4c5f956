#pragma once
// `centinela import complaints`: reads a CSV file (plain or gzip) under a Mapping and writes
// complaints or area-level monthly counts to the store.
//
// All or nothing: the file is read and checked first (bad rows go to the error file with
// their line and reason), then every good row is written in ONE write transaction together
// with one "complaints.imported" event; a failure rolls the whole file back. Re-importing is
// idempotent: rows are keyed by (source, source id) — or (source, area, month, group) for
// monthly counts — and a key already present is counted as a duplicate, never written twice
// nor updated (the first import wins).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "crime/mapping.h"
#include "store/store.h"

namespace centinela::crime {

struct ImportProgress {
  const char* phase = "read";  //!< "read" (parsing the file) or "write" (the transaction)
  int64_t done = 0;            //!< bytes read / rows written so far
  int64_t total = 0;           //!< file bytes / rows to write
  int64_t rows = 0;            //!< data rows read so far
};

struct ImportOptions {
  std::string error_path;  //!< bad rows as CSV: line,reason,record (required)
  std::string actor = "cli";
  int batch_rows = 200;  //!< rows per multi-row INSERT statement
  //! Called now and then from the importing thread (and the store's writer thread during
  //! the write phase); must be quick.
  std::function<void(const ImportProgress&)> progress;
};

struct ImportReport {
  int64_t read = 0;        //!< data rows in the file (blank lines not counted)
  int64_t imported = 0;    //!< rows written now
  int64_t duplicate = 0;   //!< good rows whose key was already stored (or repeated in the file)
  int64_t bad = 0;         //!< rows written to the error file
  int64_t import_seq = 0;  //!< seq of the complaints.imported event (0 when nothing was written)
  double read_seconds = 0, write_seconds = 0;
};

//! Our category codes and their families, from the store's categories table.
Result<std::map<std::string, std::string>> LoadCategoryFamilies(store::Store& store);

//! Imports `path`. Errors (no file, a mapping that does not fit the header, an unwritable
//! error file, a failed transaction) leave the store unchanged.
Result<ImportReport> ImportFile(store::Store& store, const std::string& path,
                                const Mapping& mapping,
                                const std::map<std::string, std::string>& families,
                                const ImportOptions& options);

//! Which formal_counts rows (owned by importer.cc) a sum covers. Months are "YYYY-MM",
//! inclusive; an empty month or list leaves that side open.
struct FormalCountFilter {
  std::string from_month, to_month;
  std::vector<std::string> categories, families;
};
//! SUM(count) per area_code of the rows under the filter.
Result<std::map<std::string, int64_t>> FormalCountsByArea(store::Store& store,
                                                          const FormalCountFilter& filter);

//! A complaint with a known place (complaints, owned by importer.cc).
struct LocatedComplaint {
  std::string family;
  double lat = 0, lon = 0;
  int64_t occurred_ms = 0;
};
//! Complaints with coordinates that occurred in [from_ms, to_ms), at most `limit`.
Result<std::vector<LocatedComplaint>> LocatedComplaints(store::Store& store, int64_t from_ms,
                                                        int64_t to_ms, int64_t limit);

}  // namespace centinela::crime
