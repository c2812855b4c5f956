#include "common/clock.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace centinela {

int64_t SystemClock::NowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string FormatIsoTime(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  namespace chr = std::chrono;
  // Normalise the month first, then add the days to the 1st: both are plain arithmetic, so
  // only valid year/month/day-1 values reach <chrono>.
  const int64_t m0 = m - 1;
  const int64_t carry = m0 >= 0 ? m0 / 12 : -((11 - m0) / 12);
  const chr::year_month_day first{chr::year{static_cast<int>(y + carry)},
                                  chr::month{static_cast<unsigned>(m0 - carry * 12 + 1)},
                                  chr::day{1}};
  return (chr::sys_days{first} + chr::days{d - 1}).time_since_epoch().count();
}

CivilDay CivilFromDays(int64_t days) {
  namespace chr = std::chrono;
  const chr::year_month_day ymd{chr::sys_days{chr::days{days}}};
  return {int{ymd.year()}, static_cast<int>(unsigned{ymd.month()}),
          static_cast<int>(unsigned{ymd.day()})};
}

std::string CivilDate(int64_t days) {
  const CivilDay c = CivilFromDays(days);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

}  // namespace centinela
