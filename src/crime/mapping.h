#pragma once
// Import mappings: how the columns of one source's CSV file become complaints (one row, one
// case) or area-level monthly counts, and how its raw crime categories become ours. Written
// in TOML (format in docs/operations.md, "Importing formal complaints"); shipped ones live
// in mappings/. Everything here is pure: parsing a mapping and converting one row are
// functions of their inputs.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace centinela::crime {

enum class MappingKind { kComplaints, kMonthlyCounts };
enum class Encoding { kUtf8, kLatin1 };

//! One category rule: a raw category matching `match` (case-insensitive; '*' matches any
//! run of characters, including none) becomes our category `code`.
struct CategoryRule {
  std::string match;
  std::string code;
};

struct Mapping {
  std::string source;  //!< names the source; with the row id it is the natural key
  MappingKind kind = MappingKind::kComplaints;
  char delimiter = ',';
  Encoding encoding = Encoding::kUtf8;
  int utc_offset_minutes = 0;  //!< local time of the file's dates, e.g. -360 for -06:00

  // Columns, by header name. Empty = not in the file.
  std::string col_id, col_date, col_time, col_category, col_lat, col_lon, col_area, col_count;

  std::string date_format = "YYYY-MM-DD";  //!< YYYY, MM, DD and literal separators
  std::string time_format = "HH:MM";       //!< "HH:MM" (seconds optional) or "HH"
  bool lenient_time = false;  //!< accept "HH:MM:SS:00" and a date followed by " HH:MM[:SS]"
  std::optional<int> missing_time_minutes;  //!< used when the time cell is empty; else error
  std::optional<std::string> fixed_date;    //!< no date column: this date, date_known = 0

  std::optional<double> min_lat, max_lat, min_lon, max_lon;  //!< coordinates outside: bad row

  std::vector<CategoryRule> rules;
  bool unmapped_is_error = false;      //!< unmapped raw category: bad row (else "other")
  std::string other_family = "crime";  //!< family of the "other" category
};

//! The reserved category code for raw categories no rule maps.
inline constexpr std::string_view kOtherCategory = "other";

//! Parses mapping TOML. `families` maps our category codes to their families; every rule's
//! code must be one of them (or "other"). kInvalidArgument naming the key otherwise.
Result<Mapping> ParseMapping(std::string_view toml_text,
                             const std::map<std::string, std::string>& families);

//! Case-insensitive (ASCII) glob with '*'. Pure.
bool GlobMatch(std::string_view pattern, std::string_view text);

//! A row turned into a complaint.
struct ComplaintRecord {
  std::string source_id;
  int64_t occurred_ms = 0;
  bool date_known = true;
  std::string category, family, raw_category;
  std::optional<double> lat, lon;
  std::string area_code;  //!< empty = none
};

//! A row turned into an area's monthly count.
struct MonthlyCountRecord {
  std::string area_code;
  std::string month;  //!< YYYY-MM
  std::string crime_group, category, family;
  int64_t count = 0;
};

//! How many times each 64-bit key has been seen: an open-addressing table (linear probing,
//! kept at most half full) instead of a node-based map, so a file of millions of rows costs
//! two flat arrays and no allocation per row. Not thread-safe.
class OccurrenceCounter {
 public:
  //! Counts one more occurrence of `key` and returns its count (1 the first time).
  int Add(uint64_t key);
  size_t size() const { return size_; }

 private:
  void Grow();
  std::vector<uint64_t> keys_;
  std::vector<int32_t> counts_;  // 0 = empty slot
  size_t size_ = 0;
};

//! Converts rows of one file under one mapping. Holds the header's column positions and
//! caches of category decisions and row-hash ids. Not thread-safe.
class RowConverter {
 public:
  //! kInvalidArgument when a mapped column is missing from the header, or when the mapping
  //! lacks what its kind needs (a date or fixed_date, a category, a location).
  static Result<RowConverter> Make(const Mapping& m, const std::vector<std::string_view>& header,
                                   const std::map<std::string, std::string>& families);

  //! A complaint, or kUnprocessable with the reason for the error file.
  Result<ComplaintRecord> Complaint(const std::vector<std::string_view>& fields);
  Result<MonthlyCountRecord> MonthlyCount(const std::vector<std::string_view>& fields);

 private:
  RowConverter(const Mapping& m, std::map<std::string, std::string> families)
      : m_(m), families_(std::move(families)) {}
  Result<std::pair<std::string, std::string>> MapCategory(std::string_view raw);
  std::string Text(const std::vector<std::string_view>& f, int col) const;
  Status CheckShape(const std::vector<std::string_view>& fields) const;  // count, UTF-8
  std::string RowId(const std::vector<std::string_view>& fields);

  Mapping m_;
  std::map<std::string, std::string> families_;
  int id_ = -1, date_ = -1, time_ = -1, category_ = -1, lat_ = -1, lon_ = -1, area_ = -1,
      count_ = -1;
  size_t columns_ = 0;
  // Looked up by the raw field's view (no string built per row).
  struct ViewHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::optional<std::string>, ViewHash, std::equal_to<>>
      category_cache_;
  OccurrenceCounter id_seen_;  // first 64 bits of a row hash -> times seen
  std::string joined_;         // RowId's scratch buffer
};

//! Minutes east of UTC from "+HH:MM" / "-HH:MM" / "Z" (kInvalidArgument otherwise). Pure.
Result<int> ParseUtcOffset(std::string_view s);


//! Parses a date by a pattern of YYYY/MM/DD tokens and literal characters; days since
//! 1970-01-01, or nullopt when it does not match or is not a calendar date. Pure.
std::optional<int64_t> ParseDate(std::string_view format, std::string_view text,
                                 size_t* consumed = nullptr);
//! "HH:MM" / "HH:MM:SS" (format HH:MM) or "HH" (format HH) -> minutes of the day (seconds
//! kept as fraction in ms through *ms). lenient: trailing ":00" groups are accepted. Pure.
std::optional<int64_t> ParseTimeMs(std::string_view format, std::string_view text, bool lenient);

}  // namespace centinela::crime
