#pragma once
// Routes that declare who may call them. Every API route is one row of a table: method,
// pattern, the kind of caller it serves (`public`, `user` with the roles it needs and the
// area those roles must cover, or `device` with a named key kind) and its handler. The
// guard in route.cc runs before any handler: it authenticates, resolves the area, checks the
// grant, and then calls the handler with the resolved caller. Handlers answer through
// `Respond` with a response or a Status; one place (`ErrorResponse`) turns a Status into
// the error envelope. The table is data (no services needed to build it), so a test walks
// it: tests/integration/route_walk_test.cc holds the literal list of public routes.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "common/status.h"
#include "http/message.h"
#include "http/router.h"

namespace centinela::api {

struct ApiContext;

//! Who a route serves.
enum class CallerKind {
  kPublic,  //!< anyone, no credentials (documented with `security: []`)
  kUser,    //!< a signed-in person (bearer token), with roles when the route names them
  kDevice,  //!< a machine holding a key of one named kind
};

//! The key kinds devices authenticate with. Plate cameras, cameras and protection devices
//! join this list with their modules.
enum class DeviceKind {
  kUnitTracker,    //!< a unit's GPS tracker: X-Device-Key on POST /api/v1/positions
  kOsmAndTracker,  //!< Traccar Client on the OsmAnd listener: the device id is in the message
};
std::string_view DeviceKindName(DeviceKind kind);

//! Where the area a user route's roles must cover comes from.
struct AreaRule {
  enum class Kind {
    kSomewhere,  //!< the roles held over any area; the handler narrows the data by scope
    kGlobal,     //!< the roles held over every area ('*')
    kPathParam,  //!< the area code in a path parameter (`name`)
    kQuery,      //!< the area code in a query parameter (`name`); absent = all areas ('*')
    kResolved,   //!< the areas of the addressed resource, from `resolve` (any one covered)
  };
  Kind kind = Kind::kSomewhere;
  std::string name;
  //! kResolved: the resource's areas (empty: only '*' grants cover it); kNotFound when the
  //! resource does not exist (answered 404, as for a resource the caller may not see).
  std::function<Result<std::vector<std::string>>(ApiContext&, const http::Request&)> resolve;
};

//! A route's declaration of its caller.
struct Access {
  CallerKind kind = CallerKind::kUser;
  //! kUser: one of these roles is needed (empty = any signed-in user, neighbours included).
  std::vector<auth::Role> roles;
  AreaRule area;
  DeviceKind device = DeviceKind::kUnitTracker;
  //! kUser: a token limited to second-factor enrolment is accepted (enrolment, logout).
  bool enrolment_token = false;
  //! kUser: not-covered answers 404 rather than 403 (the caller may not learn the resource
  //! exists).
  bool hide_forbidden = false;
  //! kUser: requests whose path parameter `public_param` ends in `public_suffix` are served
  //! as a public route (a public variant sharing the user route's pattern, which the router
  //! cannot tell apart: GET /api/v1/broadcasts/{id}.cap). Empty = none.
  std::string public_param, public_suffix;

  //! This access, answering 404 where it would answer 403.
  Access Hidden() const;
  //! This access, accepting a token limited to second-factor enrolment.
  Access DuringEnrolment() const;
  //! This access, serving as a public route the requests whose path parameter `param` ends
  //! in `suffix`.
  Access PublicWhenEndsWith(std::string param, std::string suffix) const;
};

Access Public();
//! Any signed-in user.
Access AnyUser();
//! A signed-in user holding one of `roles` for the area `area` says.
Access Roles(std::vector<auth::Role> roles, AreaRule area = {});
Access Device(DeviceKind kind);

AreaRule Somewhere();
AreaRule Global();
AreaRule AreaParam(std::string name);
AreaRule AreaQuery(std::string name);
AreaRule ResolvedArea(
    std::function<Result<std::vector<std::string>>(ApiContext&, const http::Request&)> fn);

//! The resolved caller a handler runs for. For kUser routes it is the principal (so a
//! Caller is passed wherever a Principal is wanted); `area` is the area code the router
//! checked (kPathParam, kQuery, kResolved: the covered one); `device_id` the device of a
//! kDevice route.
struct Caller : auth::Principal {
  std::string area;
  std::string device_id;
};

//! Completes a request with a response, or with a Status for the error envelope.
using Respond = std::function<void(Result<http::Response>)>;
using ApiHandler = std::function<void(ApiContext&, http::Request&, const Caller&, Respond)>;

//! One handler serving two routes that differ by a flag (accept/decline, hide/unhide).
inline ApiHandler WithFlag(void (*handler)(ApiContext&, http::Request&, const Caller&, Respond,
                                           bool),
                           bool flag) {
  return [handler, flag](ApiContext& ctx, http::Request& q, const Caller& p, Respond r) {
    handler(ctx, q, p, std::move(r), flag);
  };
}

//! One row of the table.
struct RouteSpec {
  std::string method;
  std::string pattern;
  Access access;
  ApiHandler handler;
  //! "websocket" or "sse" when the route takes over the connection (its upgrader, from
  //! `options`, authenticates as `access` says); empty for request/response routes.
  std::string upgrade;
  //! Built at install time (body limit, upgrader); default none.
  std::function<http::RouteOptions(ApiContext&)> options;
  //! False: the route is not served with this context (its service is not configured).
  std::function<bool(const ApiContext&)> enabled;
};

//! Collects a file's routes. `AddXRoutes(RouteTable&)` functions fill it; they need no
//! services, so the whole table is built without a server.
class RouteTable {
 public:
  RouteSpec& Add(std::string method, std::string pattern, Access access, ApiHandler handler);
  //! The routes added after this call are served only when `enabled(ctx)` (their service is
  //! configured); nullptr = always.
  void When(std::function<bool(const ApiContext&)> enabled) { enabled_ = std::move(enabled); }
  const std::vector<RouteSpec>& specs() const { return specs_; }

 private:
  std::vector<RouteSpec> specs_;
  std::function<bool(const ApiContext&)> enabled_;
};

// One function per handler file fills the table with that file's routes.
void AddHealthRoutes(RouteTable& t);
void AddFamilyRoutes(RouteTable& t);
void AddStreamRoutes(RouteTable& t);     // stream_api.cc
void AddWebConfigRoutes(RouteTable& t);  // static_api.cc
void AddAuthRoutes(RouteTable& t);
void AddUserRoutes(RouteTable& t);
void AddAreaRoutes(RouteTable& t);
void AddMembershipRoutes(RouteTable& t);
void AddMediaRoutes(RouteTable& t);
void AddReportRoutes(RouteTable& t);
void AddCommentRoutes(RouteTable& t);
void AddIncidentRoutes(RouteTable& t);
void AddUnitRoutes(RouteTable& t);
void AddPositionRoutes(RouteTable& t);
void AddAnalyticsRoutes(RouteTable& t);
void AddCrimeMapRoutes(RouteTable& t);
void AddBroadcastRoutes(RouteTable& t);

//! Every route of the API (REST, stream, web client config; not OsmAnd), as data.
const std::vector<RouteSpec>& ApiRoutes();
//! The OsmAnd protocol (Traccar Client) at "/", for its own listener (positions_api.cc);
//! served only when ctx.positions is set.
const std::vector<RouteSpec>& OsmAndRoutes();

//! The table as JSON, for `centinela routes` (and the router-walk and OpenAPI tests): an
//! array of {method, pattern, caller: public|user|device, roles: [...], area:
//! somewhere|global|path:<name>|query:<name>|resolved, device, hidden, enrolment_token}.
std::string RoutesJson(const std::vector<RouteSpec>& specs);
//! One line per route, aligned, for people.
std::string RoutesTable(const std::vector<RouteSpec>& specs);

//! Adds the enabled routes of `specs` to `router`, each behind its guard.
void Install(http::Router& router, ApiContext& ctx, const std::vector<RouteSpec>& specs);

//! The error envelope for `s`: second-factor codes (totp_required, ...) in place of the
//! generic code, and for 5xx a fixed message (the detail is logged with the request id by
//! the server, never sent).
http::Response ErrorResponse(const Status& s);
//! 429 with Retry-After.
http::Response TooManyRequests(std::string message, int64_t retry_after_s);

}  // namespace centinela::api
