#pragma once
// Broadcasts: a message from the authority to an area (chosen areas or a drawn polygon)
// with OASIS CAP 1.2's severity, urgency, certainty, category and expiry. Stored, written
// to the log as "broadcast.sent" with scope "broadcast" (the stream delivers it to the
// people of the areas it names or its polygon meets: realtime/audience.h), listed,
// and exported as CAP 1.2 XML and as an Atom feed of CAP alerts. Rendering is pure.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "store/inflight.h"
#include "store/store.h"

namespace centinela::dispatch {

inline constexpr size_t kMaxHeadlineBytes = 160;
inline constexpr size_t kMaxBroadcastBodyBytes = 4000;
inline constexpr size_t kMaxPolygonPoints = 1000;
inline constexpr int64_t kMaxBroadcastLifetimeMs = 7LL * 24 * 3600 * 1000;

//! The CAP 1.2 code lists the API accepts (every value the schema allows).
const std::vector<std::string>& CapSeverities();
const std::vector<std::string>& CapUrgencies();
const std::vector<std::string>& CapCertainties();
const std::vector<std::string>& CapCategories();

struct Broadcast {
  std::string id;
  std::string sender_id;
  std::string headline;
  std::string body;
  std::string instruction;
  //! Optional English version (a second CAP <info>): headline and body together, or none.
  std::string headline_en, body_en, instruction_en;
  std::string severity, urgency, certainty, category;
  std::vector<std::string> areas;                 //!< area codes
  std::vector<std::string> area_names;            //!< for CAP areaDesc (filled by the caller)
  std::vector<std::pair<double, double>> polygon;  //!< (lat, lon), closed ring, or empty
  int64_t expires_ms = 0;
  int64_t created_ms = 0;
};

//! Text lengths (the English headline and body both or neither), CAP codes, expiry in (now, now + 7 days], a polygon (when given) of 4 to
//! 1000 points, closed, coordinates in range; at least one area or a polygon. Pure.
Status ValidateBroadcast(const Broadcast& b, int64_t now_ms);

//! CAP 1.2 <alert> for the broadcast (UTF-8, validates against CAP-v1.2.xsd). `sender` is
//! the CAP sender (no spaces, commas or '<&'); times in UTC as "+00:00". Pure.
std::string RenderCap(const Broadcast& b, const std::string& sender);
//! An Atom 1.0 feed whose entries link to each alert's CAP document. Pure.
std::string RenderAtom(const std::vector<Broadcast>& items, const std::string& base_url,
                       int64_t updated_ms);
//! "2026-11-23T19:50:26+00:00". Pure.
std::string CapTime(int64_t ms);

class BroadcastService {
 public:
  explicit BroadcastService(store::Store& store);
  ~BroadcastService();

  //! Validates and stores with its "broadcast.sent" event.
  void Send(Broadcast b, std::function<void(Result<Broadcast>)> done);
  Result<std::optional<Broadcast>> Get(const std::string& id);
  //! Newest first; `active_only` drops expired ones.
  Result<std::vector<Broadcast>> List(int limit, bool active_only, int64_t now_ms);

 private:
  store::Store& store_;
  store::InflightWrites writes_;
};

}  // namespace centinela::dispatch
