#include "crime/csv_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace centinela::crime {

namespace {
constexpr size_t kBufferBytes = 1 << 20;
}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(const std::string& path, char delimiter) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return NotFound("cannot open " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + " is not a regular file");
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return NotFound("cannot open " + path + ": " + std::strerror(errno));
  gzbuffer(gz, 256 * 1024);
  std::unique_ptr<CsvReader> r(new CsvReader());
  r->gz_ = gz;
  r->delimiter_ = delimiter;
  r->file_bytes_ = static_cast<int64_t>(st.st_size);
  r->buf_.resize(kBufferBytes);
  return r;
}

CsvReader::~CsvReader() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

int64_t CsvReader::consumed_bytes() const {
  return static_cast<int64_t>(gzoffset(static_cast<gzFile>(gz_)));
}

bool CsvReader::Fill() {
  if (eof_) return false;
  int n = gzread(static_cast<gzFile>(gz_), buf_.data(), static_cast<unsigned>(buf_.size()));
  if (n < 0) {
    int errnum = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
    error_ = InvalidArgument(std::string("read error: ") + (msg ? msg : "unknown"));
    eof_ = true;
    return false;
  }
  if (n == 0) {
    // gzread returns 0 both at a clean end and on a truncated gzip stream.
    int errnum = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END)
      error_ = InvalidArgument(std::string("read error: ") + (msg ? msg : "unknown"));
    eof_ = true;
    return false;
  }
  pos_ = 0;
  end_ = static_cast<size_t>(n);
  if (first_) {
    first_ = false;
    if (end_ >= 3 && static_cast<unsigned char>(buf_[0]) == 0xEF &&
        static_cast<unsigned char>(buf_[1]) == 0xBB && static_cast<unsigned char>(buf_[2]) == 0xBF)
      pos_ = 3;
  }
  return true;
}

bool CsvReader::Next(std::vector<std::string_view>& fields) {
  fields.clear();
  raw_.clear();
  field_buf_.clear();
  spans_.clear();
  unterminated_ = false;
  if (pos_ >= end_ && !Fill()) return false;
  record_line_ = next_line_;

  bool in_quotes = false, after_quote = false;
  size_t field_start = 0;
  bool done = false;
  while (!done) {
    if (pos_ >= end_ && !Fill()) {
      unterminated_ = in_quotes;
      break;
    }
    // Fast path: copy a run of ordinary bytes.
    const char* p = buf_.data() + pos_;
    const char* e = buf_.data() + end_;
    while (p < e) {
      char c = *p;
      if (c == '"' || c == '\n' || c == '\r' || c == delimiter_) break;
      ++p;
    }
    size_t run = static_cast<size_t>(p - (buf_.data() + pos_));
    if (run > 0) {
      raw_.append(buf_.data() + pos_, run);
      field_buf_.append(buf_.data() + pos_, run);
      pos_ += run;
      continue;
    }
    char c = buf_[pos_++];
    if (c == '"') {
      raw_.push_back(c);
      if (in_quotes) {
        // A doubled quote is a literal quote; otherwise the quoted part ends.
        if (pos_ >= end_) Fill();
        if (pos_ < end_ && buf_[pos_] == '"') {
          raw_.push_back('"');
          field_buf_.push_back('"');
          ++pos_;
        } else {
          in_quotes = false;
          after_quote = true;
        }
      } else if (field_buf_.size() == field_start && !after_quote) {
        in_quotes = true;
      } else {
        field_buf_.push_back('"');  // a stray quote inside an unquoted field is kept
      }
      continue;
    }
    if (in_quotes) {
      raw_.push_back(c);
      field_buf_.push_back(c);
      if (c == '\n') ++next_line_;
      continue;
    }
    if (c == delimiter_) {
      raw_.push_back(c);
      spans_.emplace_back(field_start, field_buf_.size() - field_start);
      field_start = field_buf_.size();
      after_quote = false;
      continue;
    }
    if (c == '\r') {
      if (pos_ >= end_) Fill();
      if (pos_ < end_ && buf_[pos_] == '\n') ++pos_;
      ++next_line_;
      done = true;
      continue;
    }
    if (c == '\n') {
      ++next_line_;
      done = true;
      continue;
    }
  }
  spans_.emplace_back(field_start, field_buf_.size() - field_start);
  for (const auto& [off, len] : spans_) fields.emplace_back(field_buf_.data() + off, len);
  return true;
}

}  // namespace centinela::crime
