#pragma once
// The access review a privacy auditor asks for first: which staff grants have not been used
// for a while. Reads the store only; the CLI (`centinela access review`) renders the rows.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "common/status.h"
#include "store/store.h"

namespace centinela::auth {

//! One area-scoped grant (staff role or deanonymise) and when it was last exercised.
struct GrantReview {
  std::string user_id;
  std::string email;
  std::string phone;
  std::string display_name;
  Grant grant;
  int64_t granted_ms = 0;
  std::optional<int64_t> last_used_ms;   //!< last request authorised through it; none yet
  std::optional<int64_t> last_login_ms;  //!< the holder's last sign-in; none recorded
  bool disabled = false;                 //!< the account is disabled (its grants are inert)
};

//! Area-scoped grants given before `cutoff_ms` and not used since (never, or last before
//! it), ordered by email/phone, role and area. Uses are as fresh as the servers' last flush
//! (Accounts::FlushGrantUse, every few minutes), which a review in days does not notice.
Result<std::vector<GrantReview>> UnusedGrants(store::Store& store, int64_t cutoff_ms);

}  // namespace centinela::auth
