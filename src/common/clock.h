#pragma once
// Time behind an interface so tests can control it (STYLE.md, habit 3).

#include <atomic>
#include <cstdint>
#include <string>

namespace centinela {

//! Source of wall-clock time in milliseconds since the Unix epoch. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

//! The real clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
};

//! A clock tests move by hand. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }
  void Set(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

//! ISO-8601 UTC text with milliseconds ("2026-11-23T19:50:26.123Z").
std::string FormatIsoTime(int64_t ms);

//! A date of the proleptic Gregorian calendar.
struct CivilDay {
  int64_t year = 1970;
  int month = 1;  //!< 1-12
  int day = 1;    //!< 1-31
};

//! Days since 1970-01-01 of y-m-d (std::chrono's calendar). Months outside 1-12 and days
//! past either end of the month count on into the neighbouring ones (2021-02-31 is
//! 2021-03-03, month 13 is January of y + 1). Years -32767..32767 (std::chrono::year). Pure.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d);
//! The date `days` after 1970-01-01; the inverse of DaysFromCivil. Pure.
CivilDay CivilFromDays(int64_t days);
//! That date as "YYYY-MM-DD". Pure.
std::string CivilDate(int64_t days);

}  // namespace centinela
