#pragma once
// Streaming CSV reader for import files, plain or gzip-compressed (zlib reads both: a file
// without the gzip magic is passed through). RFC 4180 quoting ("" inside quotes), any
// one-byte delimiter, LF or CRLF line ends, a UTF-8 byte-order mark at the start skipped.
// Records may span lines inside quotes; each record reports the physical line it starts on
// (1-based, so the header is line 1).
//
// Decompression runs ahead on a thread of its own: it inflates the file into 1 MiB blocks
// (at most kBlocksAhead ahead) while the caller splits and converts records, so on a gzip
// file the two halves of the read use two cores.
//
// Not thread-safe; one reader per file.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace centinela::crime {

class CsvReader {
 public:
  //! Opens `path`; kNotFound / kInvalidArgument with the OS reason when it cannot.
  static Result<std::unique_ptr<CsvReader>> Open(const std::string& path, char delimiter);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  //! Reads the next record into `fields` (views valid until the next call). Returns false
  //! at end of file; `error()` is then non-ok if reading failed (corrupt gzip, I/O error).
  //! An unterminated quote at end of file yields the record as read and sets
  //! `last_unterminated()`.
  bool Next(std::vector<std::string_view>& fields);
  //! Physical line on which the last record returned by Next starts.
  int64_t line() const { return record_line_; }
  //! The last record's raw text (without its line end), for error files.
  std::string_view raw() const { return raw_view_; }
  bool last_unterminated() const { return unterminated_; }
  const Status& error() const { return error_; }
  //! Bytes of the file consumed so far and the file's size (compressed bytes for gzip), for
  //! progress bars.
  int64_t consumed_bytes() const { return consumed_; }
  int64_t file_bytes() const { return file_bytes_; }

 private:
  CsvReader() = default;
  bool Fill();  // refills buf_ from the file; false at EOF or error

  // The inflating thread and the blocks it hands over.
  static constexpr size_t kBlocksAhead = 3;
  struct Block {
    std::vector<char> data;
    size_t size = 0;
    int64_t offset_after = 0;  // file bytes consumed once this block was read
    bool eof = false;
    Status error;
  };
  void Inflate();  // the thread's loop
  std::thread inflater_;
  Mutex mu_;
  std::condition_variable cv_;
  std::deque<Block> ready_ GUARDED_BY(mu_);
  std::vector<std::vector<char>> spare_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  int64_t consumed_ = 0;

  void* gz_ = nullptr;  // gzFile, used by the inflating thread only once it runs
  char delimiter_ = ',';
  int64_t file_bytes_ = 0;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false, first_ = true, unterminated_ = false;
  int64_t next_line_ = 1, record_line_ = 0;
  std::string raw_;             // the record's bytes when it spans a refill of buf_
  std::string_view raw_view_;   // the record's bytes (into buf_ or raw_)
  std::string field_buf_;  // unquoted field bytes, all fields concatenated
  std::vector<std::pair<size_t, size_t>> spans_;
  Status error_;
};

}  // namespace centinela::crime
