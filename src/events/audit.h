#pragma once
// Verification of the hash-chained event log (the audit trail).

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace centinela::events {

//! Outcome of a chain walk. An intact chain has first_broken_seq == 0 and an empty reason.
struct AuditReport {
  int64_t checked = 0;           //!< rows examined
  int64_t first_broken_seq = 0;  //!< 0 = intact; else the first seq that does not verify
  std::string reason;            //!< why it is broken: "hash mismatch", "gap: expected seq N", ...
};

//! Rows read per ReadEvents call while walking the log.
inline constexpr int kAuditPageSize = 5'000;

//! Walks the whole log in seq order and checks that seq runs 1, 2, 3... without gaps, that
//! each prev_hash is the previous row's hash (kGenesisHash for seq 1), that each hash is
//! ComputeEventHash of its row, and that event_head agrees with the last row. Stops at the
//! first broken seq. `progress`, if given, is called with the running count after each page.
//! A non-ok Result means the log could not be read, not that it is broken.
Result<AuditReport> VerifyChain(store::Store& store,
                                std::function<void(int64_t checked)> progress = {});

}  // namespace centinela::events
