#pragma once
// Every event type the log holds, and the scopes that say who may see an event: one header,
// so a type or scope is a constant the compiler checks, never a string typed twice. Adding
// an event type means a constant and a row of kEventTypes; docs/architecture.md's table of
// event types is compared with it (tests/unit/events/event_types_test.cc). Header-only: a
// module that appends events includes it without linking centinela_events.

#include <array>
#include <utility>
#include <string>
#include <string_view>

namespace centinela::events {

namespace type {
inline constexpr const char* kAreaCreated = "area.created";
inline constexpr const char* kAreaDeleted = "area.deleted";
inline constexpr const char* kAreaUpdated = "area.updated";
inline constexpr const char* kBroadcastSent = "broadcast.sent";
inline constexpr const char* kCategoryCreated = "category.created";
inline constexpr const char* kCategoryUpdated = "category.updated";
inline constexpr const char* kCommentAdded = "comment.added";
inline constexpr const char* kCommentHidden = "comment.hidden";
inline constexpr const char* kCommentUnhidden = "comment.unhidden";
inline constexpr const char* kComplaintsImported = "complaints.imported";
inline constexpr const char* kDeviceRegistered = "device.registered";
inline constexpr const char* kFamilyAccepted = "family.accepted";
inline constexpr const char* kFamilyBound = "family.bound";
inline constexpr const char* kFamilyDeclined = "family.declined";
inline constexpr const char* kFamilyInvited = "family.invited";
inline constexpr const char* kFamilyLeft = "family.left";
inline constexpr const char* kFlagRaised = "flag.raised";
inline constexpr const char* kFlagResolved = "flag.resolved";
inline constexpr const char* kGrantAdded = "grant.added";
inline constexpr const char* kGrantRemoved = "grant.removed";
inline constexpr const char* kIncidentCreated = "incident.created";
inline constexpr const char* kIncidentMerged = "incident.merged";
inline constexpr const char* kIncidentStep = "incident.step";
inline constexpr const char* kMediaUploaded = "media.uploaded";
inline constexpr const char* kMembershipApproved = "membership.approved";
inline constexpr const char* kMembershipLeft = "membership.left";
inline constexpr const char* kMembershipRejected = "membership.rejected";
inline constexpr const char* kMembershipRequested = "membership.requested";
inline constexpr const char* kReportConfirmed = "report.confirmed";
inline constexpr const char* kReportCreated = "report.created";
inline constexpr const char* kReportDeanonymisedRead = "report.deanonymised_read";
inline constexpr const char* kReportStep = "report.step";
inline constexpr const char* kSessionCreated = "session.created";
inline constexpr const char* kSessionRevoked = "session.revoked";
inline constexpr const char* kTotpEnabled = "totp.enabled";
inline constexpr const char* kTotpRecoveryCodeUsed = "totp.recovery_code_used";
inline constexpr const char* kTotpReset = "totp.reset";
inline constexpr const char* kUnitAccepted = "unit.accepted";
inline constexpr const char* kUnitAssigned = "unit.assigned";
inline constexpr const char* kUnitCreated = "unit.created";
inline constexpr const char* kUnitMoved = "unit.moved";
inline constexpr const char* kUnitStale = "unit.stale";
inline constexpr const char* kUnitStatus = "unit.status";
inline constexpr const char* kUnitUpdated = "unit.updated";
inline constexpr const char* kUserCreated = "user.created";
inline constexpr const char* kUserProfileUpdated = "user.profile_updated";
}  // namespace type

//! One row of the table of event types.
struct EventType {
  const char* name;
  const char* what;  //!< one line for operators and docs
};

//! Every event type, sorted by name.
inline constexpr std::array kEventTypes = {
    EventType{type::kAreaCreated, "an area was created (its code, name, parent)"},
    EventType{type::kAreaDeleted, "an area was deleted"},
    EventType{type::kAreaUpdated, "an area was changed"},
    EventType{type::kBroadcastSent, "an authority broadcast to areas or a polygon (audience in the payload)"},
    EventType{type::kCategoryCreated, "a report category was created"},
    EventType{type::kCategoryUpdated, "a report category was changed"},
    EventType{type::kCommentAdded, "a neighbour or staff member commented on a report"},
    EventType{type::kCommentHidden, "a moderator hid a comment"},
    EventType{type::kCommentUnhidden, "a moderator showed a hidden comment again"},
    EventType{type::kComplaintsImported, "a formal-complaints file was imported (counts, no rows)"},
    EventType{type::kDeviceRegistered, "a tracker device was bound to a unit"},
    EventType{type::kFamilyAccepted, "a family invitation was accepted"},
    EventType{type::kFamilyBound, "a family link was bound at registration"},
    EventType{type::kFamilyDeclined, "a family invitation was declined"},
    EventType{type::kFamilyInvited, "a family invitation was sent"},
    EventType{type::kFamilyLeft, "a family link was ended"},
    EventType{type::kFlagRaised, "a report or comment was flagged for moderation"},
    EventType{type::kFlagResolved, "a moderator resolved a flag"},
    EventType{type::kGrantAdded, "a role grant was given"},
    EventType{type::kGrantRemoved, "a role grant was taken away"},
    EventType{type::kIncidentCreated, "an incident was opened in the command centre"},
    EventType{type::kIncidentMerged, "an incident was merged into another"},
    EventType{type::kIncidentStep, "an incident moved a step (state, note, unit)"},
    EventType{type::kMediaUploaded, "a photo, video or audio clip was stored (no content)"},
    EventType{type::kMembershipApproved, "a neighbourhood membership was approved"},
    EventType{type::kMembershipLeft, "a neighbour left a neighbourhood"},
    EventType{type::kMembershipRejected, "a neighbourhood membership was rejected"},
    EventType{type::kMembershipRequested, "a neighbour asked to join a neighbourhood"},
    EventType{type::kReportConfirmed, "a neighbour confirmed a report (I saw it too)"},
    EventType{type::kReportCreated, "a report was raised"},
    EventType{type::kReportDeanonymisedRead, "an admin with a grant read who raised an anonymous report"},
    EventType{type::kReportStep, "the authority took a step on a report (shown to the reporter)"},
    EventType{type::kSessionCreated, "a user signed in"},
    EventType{type::kSessionRevoked, "a session was ended (logout, revocation)"},
    EventType{type::kTotpEnabled, "a user enrolled a second factor"},
    EventType{type::kTotpRecoveryCodeUsed, "a recovery code was spent"},
    EventType{type::kTotpReset, "an admin reset a user's second factor"},
    EventType{type::kUnitAccepted, "a unit accepted an assignment"},
    EventType{type::kUnitAssigned, "a unit was assigned to an incident"},
    EventType{type::kUnitCreated, "a unit was created"},
    EventType{type::kUnitMoved, "a unit's latest position changed"},
    EventType{type::kUnitStale, "a unit's tracker went silent"},
    EventType{type::kUnitStatus, "a unit changed status"},
    EventType{type::kUnitUpdated, "a unit was changed"},
    EventType{type::kUserCreated, "an account was created"},
    EventType{type::kUserProfileUpdated, "a user changed their profile"},
};

//! Scopes: who may see an event (realtime/audience.cc routes by them; the audit reads all).
namespace scope {
inline constexpr const char* kPublic = "public";        //!< everyone, the community included
inline constexpr const char* kAdmin = "admin";          //!< administrators only
inline constexpr const char* kBroadcast = "broadcast";  //!< the audience named in the payload
inline constexpr std::string_view kUserPrefix = "user:";
inline constexpr std::string_view kReportPrefix = "report:";
inline constexpr std::string_view kStaffAreaPrefix = "staff:area:";

//! One person (and their own sessions).
inline std::string User(std::string_view user_id) {
  return std::string(kUserPrefix) + std::string(user_id);
}
//! Whoever may see report `report_id` (its reporter, neighbourhood and staff, by variant).
inline std::string Report(std::string_view report_id) {
  return std::string(kReportPrefix) + std::string(report_id);
}
//! Staff holding a grant over `area_code`.
inline std::string StaffArea(std::string_view area_code) {
  return std::string(kStaffAreaPrefix) + std::string(area_code);
}

//! What a scope string names: its kind and, for the prefixed kinds, the id or code.
struct Parsed {
  enum class Kind { kNone, kPublic, kAdmin, kBroadcast, kUser, kReport, kStaffArea };
  Kind kind = Kind::kNone;
  std::string target;
};
inline Parsed Parse(std::string_view s) {
  for (auto [prefix, kind] : {std::pair{kReportPrefix, Parsed::Kind::kReport},
                              std::pair{kUserPrefix, Parsed::Kind::kUser},
                              std::pair{kStaffAreaPrefix, Parsed::Kind::kStaffArea}}) {
    if (s.substr(0, prefix.size()) == prefix) return {kind, std::string(s.substr(prefix.size()))};
  }
  if (s == kAdmin) return {Parsed::Kind::kAdmin, {}};
  if (s == kPublic) return {Parsed::Kind::kPublic, {}};
  if (s == kBroadcast) return {Parsed::Kind::kBroadcast, {}};
  return {};
}
}  // namespace scope

}  // namespace centinela::events
