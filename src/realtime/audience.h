#pragma once
// Who may receive one event of the log, and what each of them receives. Pure.
//
// The event row names its audience in `scope`:
//   "report:<id>"        the report's visibility, decided by community::Decide (the one
//                        copy of the rules): reporter, family, staff covering the point,
//                        verified neighbours (public categories, coarse location)
//   "user:<id>"          that user only
//   "staff:area:<code>"  staff (operator, responder, analyst, admin) whose grant covers the
//                        area (the area itself or an ancestor, or "*")
//   "admin"              holders of the admin role over every area ("*")
//   "public"             every session (area shapes, categories)
//   "broadcast"          a warning to an area: the payload's "areas" (with their descendants)
//                        and/or drawn "polygon" ([[lon, lat], ...]); verified neighbours of
//                        the reached areas, staff covering any of them, and near-me circles
//                        whose centre lies inside (the hub works out the reach)
// Anything else reaches nobody. Deanonymisation never happens on the stream: a viewer whose
// only way to see an anonymous reporter is a deanonymise grant gets the reporter hidden
// (those reads go through GET, which logs them).

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "community/visibility.h"
#include "realtime/message.h"
#include "store/event.h"

namespace centinela::realtime {

//! A session's principal as the matcher needs it. Built when the session opens (and again
//! after a family, membership or grant event about the user).
struct SubscriberInfo {
  community::Viewer viewer;            //!< user id, grants, verified neighbourhoods
  std::vector<std::string> family_of;  //!< users in whose (accepted) family circle this user is
  //! The login session the stream was opened with (16 hex digits of the token's SHA-256):
  //! a "session.revoked" event naming it (logout) closes the stream with kCloseRevoked.
  std::string session_key;
};

//! What is known of a report to decide its audience.
struct ReportInfo {
  community::ReportFacts facts;  //!< family_member_ids empty: decided per viewer
  double lat = 0, lon = 0;
};

//! Looks a report up by id (for events about a report other than its creation).
using ReportLookup = std::function<std::optional<ReportInfo>(const std::string& report_id)>;

struct Audience {
  enum class Kind { kNone, kReport, kUser, kStaffArea, kAdmin, kPublic, kBroadcast };
  Kind kind = Kind::kNone;
  std::string target;  //!< user id (kUser), area code (kStaffArea), report id (kReport)
  std::optional<ReportInfo> report;  //!< kReport when known (unknown report: nobody)
  // kBroadcast: what the payload names, and (filled by the hub) the codes whose verified
  // neighbours receive it: the named areas, their descendants, the areas the polygon meets.
  std::vector<std::string> areas;
  std::vector<std::pair<double, double>> polygon;  //!< (lat, lon), closed
  std::vector<std::string> reach;
};

//! What a matching viewer receives of an event.
enum class Variant : uint8_t {
  kAsIs = 0,          //!< the payload unchanged (non-report audiences)
  kExactShown = 1,    //!< exact location, reporter shown
  kExactHidden = 2,   //!< exact location, reporter hidden
  kCoarseShown = 3,   //!< ~100 m cell, no address, reporter shown
  kCoarseHidden = 4,  //!< ~100 m cell, no address, reporter hidden
};
inline constexpr size_t kVariants = 5;

//! The decision for one subscriber; nullopt = not delivered. `area_path` is the
//! kStaffArea target with its ancestors (nearest first); for kBroadcast, every reached
//! area with its ancestors (a staff grant on any of them covers the broadcast). Near-me
//! circles are not considered here (the hub tests them). Pure.
std::optional<Variant> Match(const SubscriberInfo& s, const Audience& a,
                             const std::vector<std::string>& area_path);

//! One event prepared for fan-out: its audience and, lazily, one shared message per
//! variant (rendered at most once whatever the number of recipients). Not thread-safe.
class PreparedEvent {
 public:
  //! Parses the payload once. For report audiences, report.created carries the facts;
  //! other report events ask `lookup` (may be empty: then they reach nobody).
  PreparedEvent(const store::Event& e, const ReportLookup& lookup);
  ~PreparedEvent();
  PreparedEvent(const PreparedEvent&) = delete;
  PreparedEvent& operator=(const PreparedEvent&) = delete;

  const store::Event& event() const { return event_; }
  const Audience& audience() const { return audience_; }
  Audience& mutable_audience() { return audience_; }  //!< the hub fills a broadcast's reach
  //! {"seq","type","time","data"} for the variant; the same pointer on every call.
  MessagePtr For(Variant v);
  //! Facts of a report.created event (to cache for later events about it).
  std::optional<ReportInfo> CreatedReport() const;

 private:
  struct Parsed;
  const store::Event& event_;
  std::unique_ptr<Parsed> parsed_;
  Audience audience_;
  std::array<MessagePtr, kVariants> cache_;
};

//! {"type":"hello","seq":N,"session":"..."} and the others the server sends on its own.
MessagePtr HelloMessage(int64_t seq, const std::string& session);
MessagePtr RefetchMessage(int64_t seq, const std::string& reason);

}  // namespace centinela::realtime
