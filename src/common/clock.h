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

}  // namespace centinela
