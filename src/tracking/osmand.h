#pragma once
// The OsmAnd protocol as Traccar Client and many trackers speak it (HTTP on its own port,
// default 5055): a query string (GET, or POST with a form body) or the JSON form of the
// Transistorsoft background-geolocation plugin. Pure decoding; no I/O.
//
// Query form: id|deviceid, lat+lon or location=LAT,LON, timestamp (unix seconds below
// 2^31-1, else milliseconds; ISO-8601 when it holds a 'T'; else "yyyy-MM-dd HH:mm:ss",
// read as UTC — Traccar reads it in the server's zone, ambiguous by design), speed in
// knots, bearing|heading, accuracy, altitude; other keys are ignored.
// JSON form: device_id, location.timestamp (ISO-8601), location.coords.{latitude,
// longitude, speed (m/s, ignored when negative), heading (ignored when negative), accuracy}.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace centinela::tracking {

struct OsmAndMessage {
  std::string device_id;
  std::optional<double> lat, lon;  //!< absent: a network-only or heartbeat message
  std::optional<int64_t> time_ms;  //!< absent: the receive time applies
  std::optional<double> speed_mps;
  std::optional<double> heading;
  std::optional<double> accuracy_m;
};

//! Decodes the query-string form. 400 (kInvalidArgument) when the id is missing or a
//! number or time does not parse.
Result<OsmAndMessage> ParseOsmAndQuery(const std::map<std::string, std::string>& params);
//! Decodes the JSON form. 400 on malformed JSON or a missing device_id.
Result<OsmAndMessage> ParseOsmAndJson(std::string_view body);
//! "2016-01-27T18:55:47Z", "2025-06-15T13:45:12.862Z", "2016-01-27T18:55:47+02:00",
//! "2014-06-04 09:10:11" (UTC) -> ms since the epoch.
std::optional<int64_t> ParseOsmAndTime(std::string_view text);

}  // namespace centinela::tracking
