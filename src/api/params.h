#pragma once
// The one way handlers read query parameters: typed, bounded, and every malformed value is
// InvalidArgument, which the route guard answers as the 400 envelope
// {"error":{"code":"bad_request","message":...}} (api/route.h ErrorResponse). A parameter
// that is absent and one given empty (`?limit=`) are the same: not given. Pure over the
// request; tested in tests/unit/api/params_test.cc.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/message.h"

namespace centinela::api {

//! The text of `name`, or nullopt when absent or empty.
std::optional<std::string> QueryText(const http::Request& req, std::string_view name);

//! The text of `name`; "'name' is required" when absent or empty.
Result<std::string> QueryRequired(const http::Request& req, std::string_view name);

//! A whole decimal number (optional leading '-', nothing else) fitting int64.
//! "'name' must be an integer" otherwise. `name` only names the value in the message.
Result<int64_t> ParseInt(std::string_view text, std::string_view name);

//! A finite decimal number ("-12.5", "3e2"; no leading '+' or spaces, no inf or nan).
//! "'name' must be a number" otherwise.
Result<double> ParseNumber(std::string_view text, std::string_view name);

//! An integer in [min, max], nullopt when not given: "'name' must be an integer" when not
//! one, "'name' must be MIN to MAX" outside the bounds.
Result<std::optional<int64_t>> QueryInt(const http::Request& req, std::string_view name,
                                        int64_t min, int64_t max);

//! A finite number, nullopt when not given: "'name' must be a number" otherwise.
Result<std::optional<double>> QueryNumber(const http::Request& req, std::string_view name);

//! "true"/"1" or "false"/"0"; `fallback` when not given; "'name' must be true or false"
//! for anything else.
Result<bool> QueryBool(const http::Request& req, std::string_view name, bool fallback);

//! One of `choices`; `fallback` when not given (it need not be a choice: "" for none);
//! "'name' must be a, b or c" for anything else.
Result<std::string> QueryChoice(const http::Request& req, std::string_view name,
                                std::initializer_list<std::string_view> choices,
                                std::string_view fallback);

//! A comma-separated list (empty items dropped; none when not given); "at most MAX values
//! in 'name'" when longer.
Result<std::vector<std::string>> QueryList(const http::Request& req, std::string_view name,
                                           size_t max_items);

//! A time bound in epoch milliseconds: "YYYY-MM-DD" (local midnight at `utc_offset_min`
//! minutes east of UTC) or epoch milliseconds; nullopt when not given;
//! "'name' must be YYYY-MM-DD or epoch milliseconds" otherwise.
Result<std::optional<int64_t>> QueryTime(const http::Request& req, std::string_view name,
                                         int utc_offset_min = 0);

}  // namespace centinela::api
