#pragma once
// Event payloads with coordinates in plain decimal: Boost.JSON 1.81 would print -33.496
// as -3.3496E1, which clients of the stream should not have to parse.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <string>

namespace centinela::tracking {

//! `o` serialised with "lat" and "lon" appended as plain decimals (shortest round trip).
inline std::string WithPlainCoords(const boost::json::object& o, double lat, double lon) {
  std::string out = boost::json::serialize(o);
  out.pop_back();  // the closing brace
  out += fmt::format("{}\"lat\":{},\"lon\":{}}}", o.empty() ? "" : ",", lat, lon);
  return out;
}

}  // namespace centinela::tracking
