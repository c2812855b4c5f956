#pragma once
// One renderer per resource about a report, allow-lists only. Every field a client may
// receive of an event about a report (scope "report:<id>") or of a broadcast is named here,
// per visibility variant; a field an event payload gains later reaches nobody until it is
// added to its allow-list (and to the literal lists of tests/unit/community/render_test.cc).
// The live stream renders its variants only through RenderEventData; the coming
// notification channels use the same functions. Boost.JSON stays out of this header.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "community/visibility.h"

namespace boost::json {
class object;
}

namespace centinela::community {

//! The shapes of a resource about a report, one per what Decide and NamePerson allow.
enum class ReportVariant : uint8_t {
  kExactShown = 0,    //!< the reporter, family, staff the reporter is named to
  kExactHidden = 1,   //!< staff the anonymous reporter is withheld from
  kCoarseShown = 2,   //!< verified neighbours (~100 m cell, no address), reporter named
  kCoarseHidden = 3,  //!< verified neighbours, anonymous reporter withheld
};
inline constexpr std::array<ReportVariant, 4> kReportVariants = {
    ReportVariant::kExactShown, ReportVariant::kExactHidden, ReportVariant::kCoarseShown,
    ReportVariant::kCoarseHidden};
inline constexpr bool IsExact(ReportVariant v) {
  return v == ReportVariant::kExactShown || v == ReportVariant::kExactHidden;
}
inline constexpr bool NamesReporter(ReportVariant v) {
  return v == ReportVariant::kExactShown || v == ReportVariant::kCoarseShown;
}
//! The variant of a viewer who sees the report with `view`; `reporter_named` is whether
//! NamePerson names the report's reporter to them. Pure.
ReportVariant VariantOf(const View& view, bool reporter_named);

//! How an allowed field is written in one variant.
enum class FieldRule : uint8_t {
  kOmit,       //!< left out
  kCopy,       //!< the value as the payload has it
  kCoarseLat,  //!< the ~100 m cell centre (CoarsenLat); left out without both lat and lon
  kCoarseLon,  //!< the ~100 m cell centre (CoarsenLon); left out without both lat and lon
  kNull,       //!< present as null (REST answers keep their keys)
};

//! One allowed field and its rule per variant (indexed by ReportVariant).
struct AllowedField {
  std::string_view name;
  std::array<FieldRule, 4> rules;
};

//! The allow-list of an event type rendered per report variant ("report.created",
//! "comment.added", "report.confirmed", "report.step"); empty for any other type (which
//! then renders "{}" to every variant).
const std::vector<AllowedField>& ReportEventFields(std::string_view type);
//! The allow-list of a report as the REST reads answer it (GET /api/v1/reports, /mine,
//! /{id}, the reporter's 201), in answer order; rendered by api's ReportJson.
const std::vector<AllowedField>& ReportFields();
//! The allow-list of a broadcast ("broadcast.sent"): one shape for all its audiences.
const std::vector<AllowedField>& BroadcastFields();

//! Names `variant` carries of `type`'s payload ("report": the REST report; kNull fields
//! count as carried), in allow-list order, with "location" last
//! when the resource has coordinates. For tests and documentation.
std::vector<std::string> FieldsOf(std::string_view type, ReportVariant variant);

//! The "data" of a report event as `variant` shows it: a JSON object holding only the
//! allowed fields of `payload` (in payload order; numbers in plain decimal), coordinates
//! coarsened in coarse variants, "location":"exact"|"coarse" last when the payload has
//! lat and lon, and — in the variants that withhold the reporter — no top-level string
//! field whose value is `reporter_id`, whatever its key. Pure.
std::string RenderReportEvent(std::string_view type, const boost::json::object& payload,
                              std::string_view reporter_id, ReportVariant variant);
//! The "data" of a broadcast.sent event: only BroadcastFields(), in payload order. Pure.
std::string RenderBroadcast(const boost::json::object& payload);

}  // namespace centinela::community
