// The importer on every store backend: a file with bad rows lands its good rows once (also
// when imported again) and reports every bad row with its line; each shipped mapping imports
// a slice of its real file (tests/testdata/crime).
#include "crime/importer.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "community/categories.h"
#include "support/crime_columns.h"
#include "support/store_fixture.h"
#include "support/test_data.h"

namespace centinela::crime {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first `lines` lines (header included) of a plain or gzip file.
std::string HeadLines(const std::string& path, int lines) {
  gzFile gz = gzopen(path.c_str(), "rb");
  EXPECT_NE(gz, nullptr) << path;
  std::string out;
  char buf[65536];
  int seen = 0;
  while (seen < lines && gzgets(gz, buf, sizeof buf) != nullptr) {
    out += buf;
    if (!out.empty() && out.back() == '\n') ++seen;
  }
  gzclose(gz);
  return out;
}

std::string CrimeSlice(const std::string& name) { return test::TestDataPath("crime/" + name); }

std::string MappingText(const std::string& name) {
  return ReadText(std::string(CENTINELA_SOURCE_DIR) + "/mappings/" + name);
}

int64_t UtcMs(int y, int mo, int d, int h, int mi) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

class ImporterTest : public test::StoreFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    if (IsSkipped()) return;
    community::CategoryService categories(*store_);
    ASSERT_TRUE(categories.Load().ok());
    auto f = LoadCategoryFamilies(*store_);
    ASSERT_TRUE(f.ok());
    families_ = *f;
    dir_ = std::filesystem::temp_directory_path() /
           ("centinela_import_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    StoreFixture::TearDown();
  }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  Result<ImportReport> Import(const std::string& file, const std::string& mapping_toml) {
    auto m = ParseMapping(mapping_toml, families_);
    if (!m.ok()) return m.status();
    ImportOptions o;
    o.error_path = (dir_ / "errors.csv").string();
    o.batch_rows = 7;  // several full statements and a partial one even on small files
    return ImportFile(*store_, file, *m, families_, o);
  }

  int64_t Count(const std::string& sql, const store::Params& p = {}) {
    auto r = store_->Query(sql, p);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && !r->empty() ? r->Int(0, "n") : -1;
  }

  std::map<std::string, std::string> families_;
  std::filesystem::path dir_;
  static inline int counter_ = 0;
};

const std::string kMapping =
    test::ComplaintMapping("test_src", "-03:00", true, test::kSantiagoBounds + R"([categories]
unmapped = "error"
rules = [{ match = "ROBO CON VIOLENCIA*", code = "robo" }, { match = "HURTO*", code = "hurto" },
         { match = "VIF", code = "violencia_intrafamiliar" }]
)");

// Lines: 1 header; 2, 3, 5, 8, 10 good; the rest bad for the reason in the comment.
const char* kFile =
    "id,fecha,hora,delito,lat,lon,comuna\n"
    "a1,2024-03-01,10:15,ROBO CON VIOLENCIA,-33.45,-70.66,13130\n"
    "a2,2024-03-01,23:59,HURTO SIMPLE,-33.46,-70.65,\n"
    "a3,2024-02-30,10:00,HURTO,-33.46,-70.65,\n"   // 4: no such date
    "a4,2024-03-02,08:00,VIF,,,13105\n"            // 5: good, area only
    "a5,2024-03-02,08:00,ESTAFA,-33.46,-70.65,\n"  // 6: unmapped category
    "a6,2024-03-02,08:00,HURTO,19.43,-99.13,\n"    // 7: outside the bounds
    "\"a7\",2024-03-03,\"07:00\",\"HURTO, con \"\"comillas\"\"\",-33.5,-70.7,\n"  // 8: good, quoted
    "a8,2024-03-03,7h,HURTO,-33.5,-70.7\n"       // 9: 6 fields, not 7
    "a9,2024-03-04,00:00,HURTO,-33.5,-70.7,\n"   // 10: good
    "a10,2024-03-04,,HURTO,-33.5,-70.7,\n"       // 11: empty time
    "a1,2024-03-09,09:09,HURTO,-33.5,-70.7,\n";  // 12: duplicate id of line 2

TEST_P(ImporterTest, GoodRowsLandOnceAndEveryBadRowIsReportedWithItsLine) {
  if (IsSkipped()) return;
  std::string file = Write("complaints.csv", kFile);
  auto r = Import(file, kMapping);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 11);
  EXPECT_EQ(r->bad, 5);
  EXPECT_EQ(r->imported, 5);
  EXPECT_EQ(r->duplicate, 1);  // line 12 repeats a1: the first one wins
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints"), 5);
  EXPECT_EQ(
      Count(
          "SELECT count(*) AS n FROM complaints WHERE source = 'test_src' AND source_id = 'a1' AND "
          "category = 'robo' AND family = 'crime' AND occurred_ms = $1",
          {UtcMs(2024, 3, 1, 13, 15)}),
      1);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints WHERE source_id = 'a4' AND lat IS NULL AND "
                  "area_code = '13105' AND family = 'violence'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints WHERE source_id = 'a7' AND raw_category = "
                  "'HURTO, con \"comillas\"'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM events WHERE type = 'complaints.imported'"), 1);

  // The error file: header plus one line per bad row, each with its line and reason.
  std::string errors = ReadText((dir_ / "errors.csv").string());
  std::istringstream in(errors);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "line,reason,record");
  std::map<int, std::string> reported;
  while (std::getline(in, line)) reported[std::stoi(line.substr(0, line.find(',')))] = line;
  ASSERT_EQ(reported.size(), 5u) << errors;
  const std::pair<int, const char*> expected[] = {{4, "bad date"},
                                                  {6, "unmapped category"},
                                                  {7, "outside"},
                                                  {9, "expected 7 fields"},
                                                  {11, "empty time"}};
  for (const auto& [line_no, reason] : expected) {
    ASSERT_TRUE(reported.count(line_no)) << "line " << line_no << " not reported:\n" << errors;
    EXPECT_NE(reported[line_no].find(reason), std::string::npos) << reported[line_no];
  }
  EXPECT_NE(reported[6].find("ESTAFA"), std::string::npos);  // the record itself is there too

  // Importing the same file again adds nothing.
  auto again = Import(file, kMapping);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->imported, 0);
  EXPECT_EQ(again->duplicate, 6);
  EXPECT_EQ(again->bad, 5);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints"), 5);
}

TEST_P(ImporterTest, AFailingWriteLeavesNothingBehind) {
  if (IsSkipped()) return;
  // Make the transaction fail half-way (its table is gone): nothing of the file may remain,
  // not even the complaints.imported event appended first.
  std::string file = Write("complaints.csv", kFile);
  ASSERT_TRUE(store_
                  ->WriteSync([](store::Tx& tx) -> Status {
                    auto r = tx.Exec("ALTER TABLE complaints RENAME TO complaints_gone");
                    return r.ok() ? Status::Ok() : r.status();
                  })
                  .ok());
  auto r = Import(file, kMapping);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints_gone"), 0);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM events WHERE type = 'complaints.imported'"), 0);
}

// The complaints table's secondary indexes, as the backend describes them.
std::vector<std::string> ComplaintIndexes(store::Store& s) {
  const bool sqlite = s.Backend() == "sqlite";
  auto r = s.Query(sqlite ? "SELECT sql AS d FROM sqlite_master WHERE type = 'index' AND "
                            "tbl_name = 'complaints' AND sql IS NOT NULL ORDER BY name"
                          : "SELECT indexdef AS d FROM pg_indexes WHERE tablename = 'complaints' "
                            "AND schemaname = current_schema() ORDER BY indexname");
  EXPECT_TRUE(r.ok());
  std::vector<std::string> out;
  for (size_t i = 0; r.ok() && i < r->size(); ++i) out.push_back(r->Text(i, "d"));
  return out;
}

TEST_P(ImporterTest, IndexesAreRebuiltAfterABulkImport) {
  if (IsSkipped()) return;
  // On SQLite a file bigger than the table is loaded with the secondary indexes dropped and
  // rebuilt from their stored SQL in the same transaction: afterwards they are the same.
  const std::vector<std::string> before = ComplaintIndexes(*store_);
  ASSERT_GE(before.size(), 2u);
  auto r = Import(Write("complaints.csv", kFile), kMapping);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ComplaintIndexes(*store_), before);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints WHERE occurred_ms >= 0"), 5);
}

TEST_P(ImporterTest, AFailedIndexRebuildRollsTheImportBack) {
  if (IsSkipped() || store_->Backend() != "sqlite") return;  // PostgreSQL drops no index
  // A unique index the file's rows violate: rebuilding it fails after the rows are in, and
  // the whole import (rows, event, dropped indexes) is rolled back.
  ASSERT_TRUE(store_
                  ->WriteSync([](store::Tx& tx) -> Status {
                    auto r = tx.Exec("CREATE UNIQUE INDEX complaints_one_per_family ON "
                                     "complaints(family)");
                    return r.ok() ? Status::Ok() : r.status();
                  })
                  .ok());
  const std::vector<std::string> before = ComplaintIndexes(*store_);
  auto r = Import(Write("complaints.csv", kFile), kMapping);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints"), 0);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM events WHERE type = 'complaints.imported'"), 0);
  EXPECT_EQ(ComplaintIndexes(*store_), before);
}

TEST_P(ImporterTest, CdmxSliceWithItsDirtyRows) {
  if (IsSkipped()) return;
  // The first 8,000 data rows hold a known dirty row: line 7254 has an empty time.
  std::string file =
      Write("cdmx.csv", HeadLines(CrimeSlice("cdmx_carpetas_2019_2021_head8000.csv.gz"), 8001));
  auto r = Import(file, MappingText("cdmx_carpetas.toml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 8000);
  EXPECT_EQ(r->imported + r->bad, 8000);
  EXPECT_GE(r->bad, 1);
  std::string errors = ReadText((dir_ / "errors.csv").string());
  EXPECT_NE(errors.find("\n7254,empty time,"), std::string::npos) << errors;
  // Line 2 of the file: VIOLACION EQUIPARADA on 2020-04-30 21:30 (-06:00) -> abuso_sexual.
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints WHERE occurred_ms = $1 AND category = "
                  "'abuso_sexual' "
                  "AND raw_category = 'VIOLACION EQUIPARADA'",
                  {UtcMs(2020, 5, 1, 3, 30)}),
            1);
  auto again = Import(file, MappingText("cdmx_carpetas.toml"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->imported, 0);
  EXPECT_EQ(again->duplicate, r->imported);
}

TEST_P(ImporterTest, BuenosAiresSliceHasNoDates) {
  if (IsSkipped()) return;
  std::string file = Write("ba.csv", HeadLines(CrimeSlice("buenos_aires_delitos_head3000.csv"), 3001));
  auto r = Import(file, MappingText("buenos_aires_delitos.toml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 3000);
  EXPECT_EQ(r->bad, 0) << ReadText((dir_ / "errors.csv").string());
  EXPECT_EQ(Count("SELECT count(*) AS n FROM complaints WHERE date_known = 0"), r->imported);
  // Line 2: hour 18 (franja) of the placeholder day at -03:00, "Hurto Total" -> hurto.
  EXPECT_GE(
      Count("SELECT count(*) AS n FROM complaints WHERE occurred_ms = $1 AND category = 'hurto'",
            {UtcMs(2019, 1, 1, 21, 0)}),
      1);
}

TEST_P(ImporterTest, LosAngelesBiobioWholeFile) {
  if (IsSkipped()) return;
  auto r = Import(CrimeSlice("chile_los_angeles_biobio_2022.csv"),
                  MappingText("chile_los_angeles_biobio.toml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 203);
  EXPECT_EQ(r->bad, 0) << ReadText((dir_ / "errors.csv").string());
  EXPECT_EQ(r->imported, 203);
  // n°=1: 27-02-2022 11:30 at -04:00, ROBO DE ACCESORIOS DE VEHICULOS -> hurto.
  EXPECT_EQ(
      Count("SELECT count(*) AS n FROM complaints WHERE source_id = '1' AND occurred_ms = $1 AND "
            "category = 'hurto'",
            {UtcMs(2022, 2, 27, 15, 30)}),
      1);
}

TEST_P(ImporterTest, CeadSliceAsMonthlyCounts) {
  if (IsSkipped()) return;
  std::string file = Write(
      "cead.csv", HeadLines(CrimeSlice("chile_cead_south_precinct_monthly_head2000.csv"), 2001));
  auto r = Import(file, MappingText("chile_cead_monthly.toml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 2000);
  EXPECT_EQ(r->bad, 0);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM formal_counts"), 2000);
  // "El Bosque",13105,...,"2010-01","Amenazas",139
  EXPECT_EQ(Count("SELECT count AS n FROM formal_counts WHERE area_code = '13105' AND month = "
                  "'2010-01' AND "
                  "crime_group = 'Amenazas' AND category = 'amenaza'"),
            139);
  auto again = Import(file, MappingText("chile_cead_monthly.toml"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicate, 2000);
  EXPECT_EQ(Count("SELECT count(*) AS n FROM formal_counts"), 2000);
}

INSTANTIATE_TEST_SUITE_P(Backends, ImporterTest, ::testing::Values("sqlite", "postgresql"),
                         test::BackendParamName);

}  // namespace
}  // namespace centinela::crime
