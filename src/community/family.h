#pragma once
// Family circle: a neighbour invites someone by email or phone; the invitee accepts or
// declines; either side may leave. Accepted links (either direction) are what Decide()
// (visibility.h) reads as family: family members see the member's reports, restricted
// ones only when the reporter shared that report with family. An invitation to an address
// no account has yet is bound to the account that registers with it at that account's
// first listing of its links (or when it answers the invitation).
// Thread-safe; each change is one Store WriteFn whose checks run on the single writer, so
// check-then-insert cannot race.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace centinela::community {

inline constexpr int kMaxFamilyLinks = 50;  //!< active links one user may own

struct FamilyLink {
  std::string id;
  std::string owner_id;   //!< who invited
  std::string member_id;  //!< the invitee's account; empty until known
  std::string invite_email;
  std::string invite_phone;
  std::string status;  //!< invited, accepted, declined, left
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

//! The caller as the family service needs it: id plus the contacts invitations match.
struct FamilyCaller {
  std::string user_id;
  std::string email;
  std::string phone;
};

//! Users in whose accepted family circle `user_id` is (either side of a link).
Result<std::vector<std::string>> FamilyCircleOf(store::Store& store, const std::string& user_id);

class FamilyService {
 public:
  explicit FamilyService(store::Store& store) : store_(store) {}

  //! Invites `email` or `phone` (exactly one, normalised by the caller). 422 for oneself,
  //! 409 when an invited/accepted link between the two already exists (either direction).
  void Invite(const FamilyCaller& owner, const std::string& email, const std::string& phone,
              std::function<void(Result<FamilyLink>)> done);
  //! Links the caller owns or is the member of, newest first. Invitations addressed to the
  //! caller's email or phone before their account existed are first bound to the account
  //! (BindPending), so the first listing after registration shows them.
  Result<std::vector<FamilyLink>> Mine(const FamilyCaller& caller);
  //! Binds every pending invitation addressed to the caller's email or phone that names no
  //! account yet to the caller: one transaction, a "family.bound" event per link to both
  //! sides. Reads only (no write) when there is none.
  Status BindPending(const FamilyCaller& caller);
  //! invited -> accepted/declined by the invitee only (403 for others, 404 unknown, 409
  //! when not invited).
  void Answer(const std::string& id, const FamilyCaller& caller, bool accept,
              std::function<void(Result<FamilyLink>)> done);
  //! invited/accepted -> left by either side (403 for others, 409 when not active).
  void Leave(const std::string& id, const FamilyCaller& caller,
             std::function<void(Result<FamilyLink>)> done);

 private:
  store::Store& store_;
};

}  // namespace centinela::community
