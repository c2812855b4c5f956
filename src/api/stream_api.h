#pragma once
// The live stream's routes and the glue the Hub needs from the services: who a token's
// principal is as a subscriber (grants, verified neighbourhoods, family circles), a report's
// facts for events about it, and the reload of a user's subscriptions.

#include <optional>
#include <string>

#include "api/context.h"
#include "realtime/audience.h"
#include "realtime/stream_server.h"

namespace centinela::api {

//! The subscriber of a principal: its grants, the neighbourhoods it is an approved member
//! of, and the users in whose accepted family circle it is. Needs ctx.reports.
Result<realtime::SubscriberInfo> SubscriberFor(ApiContext& ctx, const auth::Principal& p);
//! SubscriberFor a user id (after a family, membership or grant event about them).
Result<realtime::SubscriberInfo> SubscriberForUser(ApiContext& ctx, const std::string& user_id);
//! A report's facts from the reports table (nullopt when unknown or unreadable).
std::optional<realtime::ReportInfo> ReportInfoFor(ApiContext& ctx, const std::string& report_id);
//! Bearer token from Authorization, else the Sec-WebSocket-Protocol token; 401 without one.
realtime::Authenticator StreamAuthenticator(ApiContext& ctx);


}  // namespace centinela::api
