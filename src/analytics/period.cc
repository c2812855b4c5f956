#include "analytics/period.h"

#include <charconv>
#include <chrono>
#include <string>

namespace centinela::analytics {

namespace {

bool ParseDigits(std::string_view s, int* out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Result<int64_t> ParseTimeBound(std::string_view text, std::string_view what) {
  // Appended step by step: `"'" + std::string(...)` trips GCC 12's -O3 -Wrestrict false
  // positive (GCC bug 105651), which -Werror turns into a failed Release build.
  std::string bad = "'";
  bad += what;
  bad += "' must be YYYY-MM-DD or epoch milliseconds";
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    int y = 0, m = 0, d = 0;
    if (!ParseDigits(text.substr(0, 4), &y) || !ParseDigits(text.substr(5, 2), &m) ||
        !ParseDigits(text.substr(8, 2), &d))
      return InvalidArgument(bad);
    const std::chrono::year_month_day ymd{std::chrono::year{y},
                                          std::chrono::month{static_cast<unsigned>(m)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return InvalidArgument(bad);
    const auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
    return static_cast<int64_t>(days) * 86'400'000;
  }
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return InvalidArgument(bad);
  return v;
}

}  // namespace centinela::analytics
