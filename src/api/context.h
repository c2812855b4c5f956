#pragma once
// What every handler file needs: the services, and the authentication/authorisation
// guards that run before a handler body. Handlers only parse, call a service, and reply.

#include <optional>
#include <string>
#include <vector>

#include "api/route.h"  // the route table: Install, ApiRoutes, OsmAndRoutes
#include "areas/areas.h"
#include "auth/accounts.h"
#include "common/metrics.h"
#include "http/message.h"
#include "http/router.h"
#include "store/store.h"

namespace centinela::media {
class MediaService;
}  // namespace centinela::media

namespace centinela::community {
class CategoryService;
class ReportService;
class CommentService;
class MembershipService;
class FamilyService;
class RateLimiter;
}  // namespace centinela::community

namespace centinela::dispatch {
class IncidentService;
class UnitService;
class BroadcastService;
}  // namespace centinela::dispatch

namespace centinela::tracking {
class PositionService;
}  // namespace centinela::tracking

namespace centinela::realtime {
class StreamServer;
}  // namespace centinela::realtime

namespace centinela::crime {
class IncidentIndex;
class IncidentFeed;
}  // namespace centinela::crime

namespace centinela::api {

//! Services the handlers use; owned by the app, outlive the server.
struct ApiContext {
  store::Store& store;
  auth::Accounts& accounts;
  areas::AreaService& areas;
  Metrics& metrics;
  std::string version;
  community::CategoryService* categories = nullptr;  //!< /categories and /reports routes need both
  community::ReportService* reports = nullptr;
  media::MediaService* media = nullptr;  //!< /api/v1/media routes exist only when set
  community::CommentService* comments = nullptr;  //!< comments/confirmations/flags; needs reports
  community::MembershipService* memberships = nullptr;  //!< /memberships, /areas/{code}/adoption
  community::FamilyService* family = nullptr;            //!< /api/v1/family routes
  crime::IncidentIndex* crime_index = nullptr;  //!< /api/v1/analytics/{map,areas,matrix,trends}
  crime::IncidentFeed* crime_feed = nullptr;  //!< refreshed before each crime-map query
  dispatch::IncidentService* incidents = nullptr;  //!< /api/v1/incidents, report timelines
  dispatch::UnitService* units = nullptr;          //!< /api/v1/units, recommendation, dispatch
  tracking::PositionService* positions = nullptr;  //!< /api/v1/positions, devices, trails, OsmAnd
  dispatch::BroadcastService* broadcasts = nullptr;  //!< /api/v1/broadcasts (CAP 1.2, Atom)
  //! Registrations per client address (auth.register_max_per_*_per_ip); none = no limit.
  community::RateLimiter* registrations = nullptr;
  //! GET /api/v1/stream (WebSocket), /api/v1/stream/sse and POST /api/v1/stream/near.
  realtime::StreamServer* stream = nullptr;
  //! The body of GET /api/v1/config/client (api/static_api.h ClientConfigBody); empty = the
  //! route is not served.
  std::string client_config = {};
};

//! Bearer token from "Authorization: Bearer <token>", or empty.
std::string BearerToken(const http::Request& req);

//! The error envelope for `s`, with the second-factor codes (totp_required, totp_invalid,
//! totp_enrollment_required) in place of the generic code of its status.
http::Response AuthErrorResponse(const Status& s);

//! True when p holds one of roles over the area `code` (its grant covers the code or an
//! ancestor). Unknown codes are covered only by kAllAreas grants. The covering grant is
//! noted as used (for `centinela access review`).
bool Covers(ApiContext& ctx, const auth::Principal& p, const std::vector<auth::Role>& roles,
            const std::string& code);
//! Covers as a Status: OK, or PermissionDenied "your grants do not cover area 'code'" (the
//! one refusal of a handler that checks an area it read from the request).
Status CoverArea(ApiContext& ctx, const auth::Principal& p, const std::vector<auth::Role>& roles,
                 const std::string& code);

//! Every route of the API: installs the route table (api/route.h ApiRoutes()).
void AddAllRoutes(http::Router& r, ApiContext& ctx);

}  // namespace centinela::api
