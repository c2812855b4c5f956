#pragma once
// A report's comments as one viewer sees them, for the comments route and the report
// detail (GET /api/v1/reports/{id} embeds the first page as "thread").

#include <string>

#include "api/attribution.h"
#include "api/context.h"
#include "api/json.h"
#include "community/reports.h"
#include "community/visibility.h"

namespace centinela::api {

//! {comments: [...], next_cursor} for a report the viewer was found to see: hidden
//! comments only for covering operators/admins; authors (and hidden_by) as `who` names
//! them, so an anonymous reporter's comments are as anonymous as the report.
Result<json::object> CommentThreadJson(ApiContext& ctx, const community::Viewer& viewer,
                                       const community::VisibleReport& report,
                                       const std::string& cursor, int limit, Attribution& who);

}  // namespace centinela::api
