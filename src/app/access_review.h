#pragma once
// `centinela access review`: staff grants unused for N days, as a table, CSV or JSON. The
// command table and store opening stay in commands.cc; this file renders.

#include <cstdint>
#include <string>
#include <vector>

#include "auth/access_review.h"
#include "common/status.h"

namespace centinela::app {

struct AccessReviewFlags {
  int days = 90;                 //!< a grant unused this long is listed
  std::string format = "table";  //!< table, csv or json
};

//! The grants of `rows` (auth::UnusedGrants at now - days) in the chosen format; times in
//! UTC. kInvalidArgument for an unknown format.
Result<std::string> RenderAccessReview(const std::vector<auth::GrantReview>& rows,
                                       const AccessReviewFlags& flags, int64_t now_ms);

}  // namespace centinela::app
