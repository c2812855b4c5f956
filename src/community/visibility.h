#pragma once
// Who sees what of a report: ONE pure function, table-tested (tests/unit/community).
//
//  - The reporter always sees their own report fully.
//  - Staff (operator, responder, analyst, admin) whose grant covers one of the report's
//    areas (or "*") see it with the exact location. An anonymous reporter stays hidden from
//    them unless they also hold a "deanonymise" grant covering the point; then the reporter
//    is shown and the read must be written to the event log (report.deanonymised_read).
//  - Family: the reporter's accepted family members see the reporter's public reports, and
//    restricted ones only when the reporter chose share_with_family for that report; exact
//    location, reporter shown (anonymity is towards the community and the authorities).
//  - Public categories: members (approved) of a neighbourhood containing the point see it
//    with the location coarsened (CoarsenLat/Lon) and without the address; the reporter is
//    hidden when anonymous.
//  - Restricted categories are never shown to the community.
//  - Everyone else: invisible (answer 404, as if it did not exist).
//
// Who a field names — a report's reporter, a comment's author, the actor of a step, an
// escalation or a moderation — is decided by NamePerson, the one rule for every such field
// of every answer and event: only the reporter of an anonymous report is ever withheld, and
// exactly as Decide withholds them from the report itself.

#include <string>
#include <vector>

#include "auth/roles.h"
#include "community/categories.h"

namespace centinela::community {

//! The reader of a report.
struct Viewer {
  std::string user_id;
  std::vector<auth::Grant> grants;
  //! Codes of the neighbourhoods the viewer is a verified (approved) member of.
  std::vector<std::string> neighbourhoods;
};

//! What the decision needs to know about a report.
struct ReportFacts {
  std::string reporter_id;
  Sensitivity sensitivity = Sensitivity::kPublic;
  bool anonymous = false;
  bool share_with_family = false;
  //! The reporter's accepted family members (may be limited to the viewer, when known).
  std::vector<std::string> family_member_ids;
  //! Every area containing the point, with all their ancestors (order irrelevant).
  std::vector<std::string> areas;
};

enum class Location { kExact, kCoarse };

struct View {
  bool visible = false;
  Location location = Location::kCoarse;
  bool reporter_shown = false;
  //! The viewer sees an anonymous reporter through a deanonymise grant: log the read
  //! before answering.
  bool deanonymised_read_must_be_logged = false;
  bool operator==(const View&) const = default;
};

//! The decision. Pure: no clock, no store, no globals.
View Decide(const Viewer& viewer, const ReportFacts& facts);

//! What a field naming a person may say to one viewer. Ordered from the least to the most
//! restrictive, so the stricter of two namings is std::max.
enum class Naming {
  kShown = 0,        //!< the person may be named
  kShownLogged = 1,  //!< named through a deanonymise grant: log the read before answering
  kHidden = 2,       //!< withheld (null in answers, left out of event variants)
};

//! May a field about a report — its reporter, the author of a comment on it, the actor of a
//! step or moderation about it — name `person_id` to a viewer who sees the report with
//! `view` (Decide's answer for this viewer and `facts`)? Everyone is named except the
//! reporter of an anonymous report, who is named exactly where Decide shows the reporter:
//! to themselves, their family, and staff holding a covering deanonymise grant (whose read
//! is kShownLogged). A comment by the anonymous reporter is therefore as anonymous as the
//! report. Pure; the one rule for every author, reporter and actor field.
Naming NamePerson(const std::string& person_id, const ReportFacts& facts, const View& view);

//! ~100 m grid used for coarse locations: latitude snapped to the centre of its 0.001°
//! cell (≈111 m); longitude to the centre of its 0.001°/cos(cell latitude) cell (≈111 m at
//! any latitude). Every point of one cell maps to the same coordinates, so repeated reads
//! reveal nothing finer than the cell. Pure.
double CoarsenLat(double lat);
double CoarsenLon(double lat, double lon);

}  // namespace centinela::community
