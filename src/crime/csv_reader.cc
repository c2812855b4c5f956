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
  r->inflater_ = std::thread([p = r.get()] { p->Inflate(); });
  return r;
}

CsvReader::~CsvReader() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (inflater_.joinable()) inflater_.join();
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

void CsvReader::Inflate() {
  gzFile gz = static_cast<gzFile>(gz_);
  for (;;) {
    std::vector<char> data;
    {
      MutexLock lock(mu_);
      cv_.wait(lock.Native(), [&] {
        mu_.AssertHeld();
        return stop_ || ready_.size() < kBlocksAhead;
      });
      if (stop_) return;
      if (!spare_.empty()) {
        data = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    data.resize(kBufferBytes);
    Block b;
    const int n = gzread(gz, data.data(), static_cast<unsigned>(data.size()));
    if (n < 0) {
      int errnum = 0;
      const char* msg = gzerror(gz, &errnum);
      b.error = InvalidArgument(std::string("read error: ") + (msg ? msg : "unknown"));
      b.eof = true;
    } else if (n == 0) {
      // gzread returns 0 both at a clean end and on a truncated gzip stream.
      int errnum = 0;
      const char* msg = gzerror(gz, &errnum);
      if (errnum != Z_OK && errnum != Z_STREAM_END)
        b.error = InvalidArgument(std::string("read error: ") + (msg ? msg : "unknown"));
      b.eof = true;
    }
    b.size = n > 0 ? static_cast<size_t>(n) : 0;
    b.offset_after = static_cast<int64_t>(gzoffset(gz));
    b.data = std::move(data);
    const bool last = b.eof;
    {
      MutexLock lock(mu_);
      ready_.push_back(std::move(b));
    }
    cv_.notify_all();
    if (last) return;
  }
}

bool CsvReader::Fill() {
  if (eof_) return false;
  Block b;
  {
    MutexLock lock(mu_);
    cv_.wait(lock.Native(), [&] {
      mu_.AssertHeld();
      return !ready_.empty();
    });
    b = std::move(ready_.front());
    ready_.pop_front();
  }
  consumed_ = b.offset_after;
  if (b.eof) {
    eof_ = true;
    error_ = b.error;
    cv_.notify_all();
    return false;
  }
  {
    MutexLock lock(mu_);
    spare_.push_back(std::move(buf_));
  }
  cv_.notify_all();
  buf_ = std::move(b.data);
  pos_ = 0;
  end_ = b.size;
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
  raw_view_ = {};
  field_buf_.clear();
  spans_.clear();
  unterminated_ = false;
  if (pos_ >= end_ && !Fill()) return false;
  record_line_ = next_line_;

  // The record's raw bytes are a view into the buffer unless the record spans a refill;
  // then what the buffer held is copied to raw_ first ("spilled").
  size_t rec_start = pos_;
  bool spilled = false;
  auto spill = [&](size_t upto) {
    raw_.append(buf_.data() + rec_start, upto - rec_start);
    rec_start = upto;
    spilled = true;
  };
  auto refill = [&]() {
    spill(end_);
    const bool ok = Fill();
    rec_start = pos_;
    return ok;
  };
  size_t raw_end = 0;
  bool raw_done = false;  // raw_ already holds the whole record
  bool in_quotes = false, after_quote = false;
  size_t field_start = 0;
  bool done = false;
  while (!done) {
    if (pos_ >= end_ && !refill()) {
      unterminated_ = in_quotes;
      raw_end = pos_;
      break;
    }
    // Fast path: a run of ordinary bytes.
    const char* p = buf_.data() + pos_;
    const char* e = buf_.data() + end_;
    while (p < e) {
      char c = *p;
      if (c == '"' || c == '\n' || c == '\r' || c == delimiter_) break;
      ++p;
    }
    size_t run = static_cast<size_t>(p - (buf_.data() + pos_));
    if (run > 0) {
      field_buf_.append(buf_.data() + pos_, run);
      pos_ += run;
      continue;
    }
    char c = buf_[pos_++];
    if (c == '"') {
      if (in_quotes) {
        // A doubled quote is a literal quote; otherwise the quoted part ends.
        if (pos_ >= end_) refill();
        if (pos_ < end_ && buf_[pos_] == '"') {
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
      field_buf_.push_back(c);
      if (c == '\n') ++next_line_;
      continue;
    }
    if (c == delimiter_) {
      spans_.emplace_back(field_start, field_buf_.size() - field_start);
      field_start = field_buf_.size();
      after_quote = false;
      continue;
    }
    if (c == '\r') {
      raw_end = pos_ - 1;
      if (pos_ >= end_) {
        spill(raw_end);  // the record ends here; the look-ahead below may refill
        raw_done = true;
        Fill();
      }
      if (pos_ < end_ && buf_[pos_] == '\n') ++pos_;
      ++next_line_;
      done = true;
      continue;
    }
    if (c == '\n') {
      raw_end = pos_ - 1;
      ++next_line_;
      done = true;
      continue;
    }
  }
  if (!raw_done) {
    if (spilled) {
      raw_.append(buf_.data() + rec_start, raw_end - rec_start);
    } else {
      raw_view_ = std::string_view(buf_.data() + rec_start, raw_end - rec_start);
    }
  }
  if (spilled || raw_done) raw_view_ = raw_;
  spans_.emplace_back(field_start, field_buf_.size() - field_start);
  for (const auto& [off, len] : spans_) fields.emplace_back(field_buf_.data() + off, len);
  return true;
}

}  // namespace centinela::crime
