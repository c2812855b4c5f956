#pragma once
// Neighbourhood membership: a neighbour asks to join the neighbourhood containing their
// home (address, home point, national id, proof-of-residence media); operators or admins of
// that area approve or reject it. Approved members are the verified neighbours Decide()
// (visibility.h) shows public reports to, and each counts as a registered address of the
// area. One active (pending or approved) membership per user: the partial unique index
// memberships_one_active is the guard, so concurrent requests cannot both succeed.
// Thread-safe; every write is one Store WriteFn with its event.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "areas/areas.h"
#include "common/clock.h"
#include "common/status.h"
#include "community/rate_limit.h"
#include "store/store.h"

namespace centinela::community {

inline constexpr size_t kMaxMembershipAddressBytes = 300;
inline constexpr size_t kMaxDecisionReasonBytes = 500;
inline constexpr int kMaxMembershipsListed = 500;  //!< most rows one staff list returns

//! What the neighbour sends.
struct MembershipRequest {
  std::string user_id;
  std::string address;
  double lat = 0, lon = 0;  //!< home point
  std::string id_type;      //!< "rut", "dni", "other"
  std::string id_number;
  std::string proof_media_id;
};

struct Membership {
  std::string id;
  std::string user_id;
  std::string area_code;
  std::string address;
  double lat = 0, lon = 0;
  std::string id_type;
  std::string id_number;  //!< canonical (auth::NormalizeNationalId)
  std::string proof_media_id;
  std::string status;  //!< pending, approved, rejected, left
  std::string reason;
  std::string decided_by;
  int64_t created_ms = 0;
  int64_t decided_ms = 0;
};

//! The area a home point joins: the innermost neighbourhood-kind area containing it, else
//! the innermost area containing it; nullopt outside every area. Pure over the AreaService.
std::optional<std::string> HomeArea(const areas::AreaService& areas, double lat, double lon);

struct MembershipOptions {
  int max_per_day = 5;           //!< memberships.max_per_day; 0 = no limit
  const Clock* clock = nullptr;  //!< rate-limit window; SystemClock when null
};

//! Areas of the memberships whose proof of residence is `media_id` (empty: none). Row
//! access for the modules deciding who may see or reuse that media (media, dispatch).
Result<std::vector<std::string>> ProofMediaAreas(store::Tx& tx, const std::string& media_id);
Result<std::vector<std::string>> ProofMediaAreas(store::Store& store, const std::string& media_id);

//! Areas where `user_id` is an approved neighbourhood member.
Result<std::vector<std::string>> ApprovedNeighbourhoods(store::Store& store,
                                                        const std::string& user_id);

class MembershipService {
 public:
  MembershipService(store::Store& store, const areas::AreaService& areas,
                    MembershipOptions options);

  //! Seconds to wait when `user_id` has used up its requests in the last 24 h (nothing is
  //! reserved then); otherwise reserves one and returns nullopt.
  std::optional<int> Reserve(const std::string& user_id);

  //! Validates (422: area, id, proof media owned by the caller, address) and inserts a
  //! pending membership with event membership.requested; 409 when the user already has an
  //! active one. `done` runs on the store's writer thread.
  void Request(const MembershipRequest& req, std::function<void(Result<Membership>)> done);

  Result<std::vector<Membership>> Mine(const std::string& user_id);
  //! Memberships of an area (exactly that code), optionally of one status, newest first.
  Result<std::vector<Membership>> List(const std::string& area, const std::string& status);
  Result<std::optional<Membership>> Get(const std::string& id);

  //! pending -> approved / rejected by `actor` (the caller checked the actor's area grant);
  //! 409 when it is no longer pending, 404 when unknown.
  void Decide(const std::string& id, const std::string& actor, bool approve,
              const std::string& reason, std::function<void(Result<Membership>)> done);
  //! pending/approved -> left by its member; 404 for others' or unknown ids, 409 when not
  //! active.
  void Leave(const std::string& id, const std::string& user_id,
             std::function<void(Result<Membership>)> done);

  //! Approved memberships per area code (exact codes).
  Result<std::unordered_map<std::string, int64_t>> ApprovedCounts();

 private:
  store::Store& store_;
  const areas::AreaService& areas_;
  MembershipOptions options_;
  SystemClock system_clock_;
  const Clock& clock_;
  RateLimiter requests_per_day_;  //!< the day window only (options_.max_per_day)
};

}  // namespace centinela::community
