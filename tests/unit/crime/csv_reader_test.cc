#include "crime/csv_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

namespace centinela::crime {
namespace {

std::string TempFile(const std::string& name, const std::string& bytes, bool gzip = false) {
  auto path = std::filesystem::temp_directory_path() /
              ("centinela_csv_" + std::to_string(::getpid()) + "_" + name);
  if (gzip) {
    gzFile gz = gzopen(path.c_str(), "wb");
    gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  return path.string();
}

std::vector<std::vector<std::string>> ReadAll(const std::string& path, char delim,
                                              std::vector<int64_t>* lines = nullptr) {
  auto r = CsvReader::Open(path, delim);
  EXPECT_TRUE(r.ok());
  std::vector<std::vector<std::string>> out;
  std::vector<std::string_view> f;
  while ((*r)->Next(f)) {
    out.emplace_back(f.begin(), f.end());
    if (lines) lines->push_back((*r)->line());
  }
  EXPECT_TRUE((*r)->error().ok());
  return out;
}

TEST(CsvReaderTest, BomSemicolonsCrlfAndQuotes) {
  std::string text =
      "\xEF\xBB\xBFn\xC2\xB0;name\r\n1;\"a;b\"\r\n2;\"say "
      "\"\"hi\"\"\"\r\n3;\"two\r\nlines\"\r\n4;last";
  std::vector<int64_t> lines;
  auto rows = ReadAll(TempFile("bom.csv", text), ';', &lines);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0][0], "n\xC2\xB0");  // the BOM is gone
  EXPECT_EQ(rows[1][1], "a;b");
  EXPECT_EQ(rows[2][1], "say \"hi\"");
  EXPECT_EQ(rows[3][1], "two\r\nlines");
  EXPECT_EQ(rows[4][1], "last");
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 2, 3, 4, 6}));  // the quoted line break counts
}

TEST(CsvReaderTest, GzipIsReadTransparently) {
  std::string text = "a,b\n1,2\n,\n";
  auto rows = ReadAll(TempFile("t.csv.gz", text, true), ',');
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"", ""}));
}

TEST(CsvReaderTest, TruncatedGzipIsAnError) {
  std::string body;
  for (int i = 0; i < 20000; ++i) body += std::to_string(i) + ",x,y\n";
  std::string path = TempFile("trunc.csv.gz", body, true);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  auto r = CsvReader::Open(path, ',');
  ASSERT_TRUE(r.ok());
  std::vector<std::string_view> f;
  while ((*r)->Next(f)) {
  }
  EXPECT_FALSE((*r)->error().ok());
}

TEST(CsvReaderTest, RawRecordsAcrossBufferRefills) {
  // 3 MB of records of varying length (quoted fields with doubled quotes and line breaks,
  // CRLF and LF ends) so that records straddle the reader's 1 MiB buffer at every kind of
  // byte: raw() must give each record's text exactly, without its line end.
  std::vector<std::string> raws;
  std::string text;
  size_t i = 0;
  while (text.size() < 3'000'000) {
    std::string rec = "r" + std::to_string(i) + ",\"a \"\"q\"\"\n" + std::string(i % 97, 'x') +
                      "\"," + std::string(i % 13, 'y');
    raws.push_back(rec);
    text += rec + (i % 3 == 0 ? "\r\n" : "\n");
    ++i;
  }
  for (bool gz : {false, true}) {
    auto r = CsvReader::Open(TempFile(gz ? "raw.csv.gz" : "raw.csv", text, gz), ',');
    ASSERT_TRUE(r.ok());
    std::vector<std::string_view> f;
    size_t n = 0;
    while ((*r)->Next(f)) {
      ASSERT_LT(n, raws.size());
      ASSERT_EQ((*r)->raw(), raws[n]) << "record " << n;
      ASSERT_EQ(f.size(), 3u);
      ASSERT_EQ(f[0], "r" + std::to_string(n));
      ++n;
    }
    EXPECT_TRUE((*r)->error().ok());
    EXPECT_EQ(n, raws.size());
  }
}

TEST(CsvReaderTest, MissingFileIsNotFound) {
  auto r = CsvReader::Open("/nonexistent/x.csv", ',');
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace centinela::crime
