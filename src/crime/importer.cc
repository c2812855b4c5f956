#include "crime/importer.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>

#include "community/categories.h"
#include "crime/csv_reader.h"
#include "events/types.h"
#include "store/sql.h"

namespace centinela::crime {

namespace json = boost::json;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// One CSV field, quoted when it needs to be.
void WriteCsvField(std::ostream& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out << s;
    return;
  }
  out << '"';
  for (char c : s) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

bool IsBlank(const std::vector<std::string_view>& fields) {
  return fields.size() == 1 && fields[0].find_first_not_of(" \t") == std::string_view::npos;
}

// Assigns text to a parameter, reusing the string already there (and its capacity).
void SetText(store::Value& v, const std::string& text) {
  if (auto* str = std::get_if<std::string>(&v)) {
    str->assign(text);
  } else {
    v = text;
  }
}

std::string InsertSql(MappingKind kind, int rows) {
  std::string sql;
  int cols = 0;
  if (kind == MappingKind::kComplaints) {
    sql =
        "INSERT INTO complaints (source, source_id, occurred_ms, date_known, category, family, "
        "raw_category, lat, lon, area_code, import_seq) VALUES ";
    cols = 11;
  } else {
    sql =
        "INSERT INTO formal_counts (source, area_code, month, crime_group, category, family, "
        "count, import_seq) VALUES ";
    cols = 8;
  }
  sql += store::ValueRows(rows, cols);
  sql += " ON CONFLICT DO NOTHING";
  return sql;
}

}  // namespace

Result<std::map<std::string, std::string>> LoadCategoryFamilies(store::Store& store) {
  auto rows = community::LoadCategories(store);
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> out;
  for (const community::Category& c : *rows) out[c.code] = c.family;
  return out;
}

Result<ImportReport> ImportFile(store::Store& store, const std::string& path,
                                const Mapping& mapping,
                                const std::map<std::string, std::string>& families,
                                const ImportOptions& options) {
  if (options.error_path.empty()) return InvalidArgument("an error file path is required");
  auto reader = CsvReader::Open(path, mapping.delimiter);
  if (!reader.ok()) return reader.status();
  CsvReader& csv = **reader;

  std::vector<std::string_view> fields;
  if (!csv.Next(fields)) {
    if (!csv.error().ok()) return Status(csv.error().code(), path + ": " + csv.error().message());
    return InvalidArgument(path + " is empty (no header)");
  }
  auto converter = RowConverter::Make(mapping, fields, families);
  if (!converter.ok()) return converter.status();

  std::ofstream errors(options.error_path, std::ios::trunc);
  if (!errors) return InvalidArgument("cannot write the error file " + options.error_path);
  errors << "line,reason,record\n";

  ImportReport report;
  auto t0 = Clock::now();
  // Deques: a million records are never moved as the containers grow.
  std::deque<ComplaintRecord> complaints;
  std::deque<MonthlyCountRecord> counts;
  ImportProgress progress;
  progress.total = csv.file_bytes();
  while (csv.Next(fields)) {
    if (IsBlank(fields)) continue;
    ++report.read;
    Status bad;
    if (mapping.kind == MappingKind::kComplaints) {
      auto r = converter->Complaint(fields);
      if (r.ok()) {
        complaints.push_back(std::move(*r));
      } else {
        bad = r.status();
      }
    } else {
      auto r = converter->MonthlyCount(fields);
      if (r.ok()) {
        counts.push_back(std::move(*r));
      } else {
        bad = r.status();
      }
    }
    if (csv.last_unterminated()) bad = Unprocessable("unterminated quoted field at end of file");
    if (!bad.ok()) {
      ++report.bad;
      errors << csv.line() << ',';
      WriteCsvField(errors, bad.message());
      errors << ',';
      WriteCsvField(errors, csv.raw());
      errors << '\n';
    }
    if (options.progress && (report.read & 0x3FFF) == 0) {
      progress.done = csv.consumed_bytes();
      progress.rows = report.read;
      options.progress(progress);
    }
  }
  if (!csv.error().ok()) return Status(csv.error().code(), path + ": " + csv.error().message());
  errors.flush();
  if (!errors) return Internal("cannot write the error file " + options.error_path);
  if (options.progress) {
    progress.done = progress.total;
    progress.rows = report.read;
    options.progress(progress);
  }
  report.read_seconds = SecondsSince(t0);

  const int64_t good = static_cast<int64_t>(
      mapping.kind == MappingKind::kComplaints ? complaints.size() : counts.size());
  if (good == 0) {
    report.write_seconds = 0;
    return report;
  }

  // The write phase: one transaction for the whole file. Rows go in key order, so the
  // primary-key B-tree grows at its right edge instead of taking random inserts (the row-hash
  // ids are random): about 4x fewer page writes on SQLite for the CDMX file.
  auto t1 = Clock::now();
  std::vector<size_t> order(static_cast<size_t>(good));
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (mapping.kind == MappingKind::kComplaints) {
    // By id: the first 8 bytes as a big-endian integer (the same order as the strings'),
    // then the whole strings for ties.
    std::vector<uint64_t> prefix(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      const std::string& id = complaints[i].source_id;
      uint64_t v = 0;
      for (size_t k = 0; k < 8; ++k)
        v = (v << 8) | (k < id.size() ? static_cast<unsigned char>(id[k]) : 0U);
      prefix[i] = v;
    }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      if (prefix[a] != prefix[b]) return prefix[a] < prefix[b];
      return complaints[a].source_id < complaints[b].source_id;
    });
  }
  const int batch = std::max(1, std::min(options.batch_rows, 1000));
  const std::string full_sql = InsertSql(mapping.kind, batch);
  std::string file_name = std::filesystem::path(path).filename().string();
  int64_t imported = 0, seq = 0;
  Status s = store.WriteSync([&](store::Tx& tx) -> Status {
    imported = 0;
    json::object payload{
        {"source", mapping.source},
        {"file", file_name},
        {"kind", mapping.kind == MappingKind::kComplaints ? "complaints" : "monthly_counts"},
        {"read", report.read},
        {"good", good},
        {"bad", report.bad}};
    auto e =
        tx.Append({events::type::kComplaintsImported, options.actor, "source:" + mapping.source,
                   events::scope::kAdmin, json::serialize(payload)});
    if (!e.ok()) return e.status();
    seq = e->seq;
    // SQLite bulk load: secondary indexes of complaints are dropped and built again after
    // the rows are in (one sort instead of a random B-tree insert per row), inside this same
    // transaction, so a failure rolls them back with the rows. Only when the table holds
    // fewer rows than the file brings (rebuilding reads the whole table). The indexes are
    // rebuilt from their own stored SQL, so their definitions are whatever the migrations say.
    std::vector<std::pair<std::string, std::string>> rebuild;  // name, CREATE INDEX ...
    if (store.Backend() == "sqlite") {
      // A page cache big enough for the indexes of a city-sized file (256 MiB at most; this
      // is the importing process's own connection).
      auto pragma = tx.Exec("PRAGMA cache_size = -262144");
      if (!pragma.ok()) return pragma.status();
      if (mapping.kind == MappingKind::kComplaints) {
        auto existing = tx.Exec("SELECT count(*) AS n FROM complaints");
        if (!existing.ok()) return existing.status();
        if (existing->Int(0, "n") < good) {
          auto indexes = tx.Exec(
              "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
              "'complaints' AND sql IS NOT NULL ORDER BY name");
          if (!indexes.ok()) return indexes.status();
          for (size_t i = 0; i < indexes->size(); ++i) {
            rebuild.emplace_back(indexes->Text(i, "name"), indexes->Text(i, "sql"));
            auto drop = tx.Exec("DROP INDEX \"" + rebuild.back().first + "\"");
            if (!drop.ok()) return drop.status();
          }
        }
      }
    }
    ImportProgress wp;
    wp.phase = "write";
    wp.total = good;
    // One parameter vector reused for every statement: its strings keep their capacity, so
    // a batch costs copies, not allocations.
    store::Params params;
    for (int64_t start = 0; start < good; start += batch) {
      const int64_t n = std::min<int64_t>(batch, good - start);
      const size_t cols = mapping.kind == MappingKind::kComplaints ? 11 : 8;
      params.resize(static_cast<size_t>(n) * cols);
      store::Value* v = params.data();
      for (int64_t i = start; i < start + n; ++i) {
        if (mapping.kind == MappingKind::kComplaints) {
          const ComplaintRecord& c = complaints[order[static_cast<size_t>(i)]];
          SetText(*v++, mapping.source);
          SetText(*v++, c.source_id);
          *v++ = c.occurred_ms;
          *v++ = int64_t{c.date_known ? 1 : 0};
          SetText(*v++, c.category);
          SetText(*v++, c.family);
          SetText(*v++, c.raw_category);
          *v++ = c.lat ? store::Value(*c.lat) : store::Value();
          *v++ = c.lon ? store::Value(*c.lon) : store::Value();
          if (c.area_code.empty()) {
            *v++ = store::Value();
          } else {
            SetText(*v++, c.area_code);
          }
          *v++ = seq;
        } else {
          const MonthlyCountRecord& c = counts[static_cast<size_t>(i)];
          SetText(*v++, mapping.source);
          SetText(*v++, c.area_code);
          SetText(*v++, c.month);
          SetText(*v++, c.crime_group);
          SetText(*v++, c.category);
          SetText(*v++, c.family);
          *v++ = c.count;
          *v++ = seq;
        }
      }
      const std::string tail_sql =
          n == batch ? std::string() : InsertSql(mapping.kind, static_cast<int>(n));
      auto r = tx.Exec(n == batch ? full_sql : tail_sql, params);
      if (!r.ok()) return r.status();
      imported += r->affected;
      if (options.progress && ((start / batch) % 64 == 0 || start + n == good)) {
        wp.done = start + n;
        wp.rows = report.read;
        options.progress(wp);
      }
    }
    for (const auto& [name, create] : rebuild) {
      auto r = tx.Exec(create);
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  });
  if (!s.ok()) return Status(s.code(), "import rolled back: " + s.message());
  report.imported = imported;
  report.duplicate = good - imported;
  report.import_seq = seq;
  report.write_seconds = SecondsSince(t1);
  return report;
}

Result<std::map<std::string, int64_t>> FormalCountsByArea(store::Store& store,
                                                          const FormalCountFilter& filter) {
  std::string sql = "SELECT area_code, SUM(count) AS n FROM formal_counts WHERE 1 = 1";
  store::Params params;
  if (!filter.from_month.empty()) sql += " AND month >= " + store::Bind(params, filter.from_month);
  if (!filter.to_month.empty()) sql += " AND month <= " + store::Bind(params, filter.to_month);
  if (!filter.categories.empty())
    sql += " AND category IN " + store::InList(params, filter.categories);
  if (!filter.families.empty()) sql += " AND family IN " + store::InList(params, filter.families);
  sql += " GROUP BY area_code";
  auto rows = store.Query(sql, params);
  if (!rows.ok()) return rows.status();
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i < rows->size(); ++i) out[rows->Text(i, "area_code")] = rows->Int(i, "n");
  return out;
}

Result<std::vector<LocatedComplaint>> LocatedComplaints(store::Store& store, int64_t from_ms,
                                                        int64_t to_ms, int64_t limit) {
  auto rows = store.Query(
      "SELECT family, lat, lon, occurred_ms FROM complaints WHERE occurred_ms >= $1 AND "
      "occurred_ms < $2 AND lat IS NOT NULL AND lon IS NOT NULL LIMIT " +
          std::to_string(limit),
      {from_ms, to_ms});
  return store::MapRows<LocatedComplaint>(rows, [](const store::Rows& r, size_t i) {
    return LocatedComplaint{r.Text(i, "family"), r.Real(i, "lat"), r.Real(i, "lon"),
                            r.Int(i, "occurred_ms")};
  });
}

}  // namespace centinela::crime
