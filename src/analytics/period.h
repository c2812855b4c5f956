#pragma once
// Time windows for the analytics endpoints and CLI: half-open [from, to) in epoch ms.

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace centinela::analytics {

//! Epoch milliseconds from "YYYY-MM-DD" (that day's 00:00 UTC) or a plain integer (already
//! epoch ms). kInvalidArgument names `what` otherwise (a bad date such as 2026-02-30 too).
Result<int64_t> ParseTimeBound(std::string_view text, std::string_view what);

}  // namespace centinela::analytics
