#include "events/audit.h"

#include <fmt/format.h>

#include <vector>

#include "store/event.h"

namespace centinela::events {

Result<AuditReport> VerifyChain(store::Store& store, std::function<void(int64_t)> progress) {
  AuditReport report;
  int64_t last_seq = 0;
  std::string last_hash = store::kGenesisHash;

  auto broken = [&](int64_t seq, std::string reason) {
    report.first_broken_seq = seq;
    report.reason = std::move(reason);
    return report;
  };

  for (;;) {
    Result<std::vector<store::Event>> page = store.ReadEvents(last_seq, kAuditPageSize);
    if (!page.ok()) return page.status();
    for (const store::Event& e : *page) {
      const int64_t expected = last_seq + 1;
      if (e.seq != expected) return broken(expected, fmt::format("gap: expected seq {}", expected));
      ++report.checked;
      if (e.prev_hash != last_hash) {
        return broken(e.seq, expected == 1
                                 ? std::string("prev_hash of seq 1 is not the genesis hash")
                                 : fmt::format("prev_hash does not match seq {}", e.seq - 1));
      }
      if (store::ComputeEventHash(e) != e.hash) return broken(e.seq, "hash mismatch");
      last_seq = e.seq;
      last_hash = e.hash;
    }
    if (progress) progress(report.checked);
    if (page->empty()) break;
  }

  Result<store::Rows> head = store.Query("SELECT seq, hash FROM event_head WHERE id = 1");
  if (!head.ok()) return head.status();
  if (head->empty()) return broken(last_seq + 1, "event_head row is missing");
  const int64_t head_seq = head->Int(0, "seq");
  if (head_seq > last_seq) {
    return broken(last_seq + 1, fmt::format("gap: expected seq {} (event_head is at seq {})",
                                            last_seq + 1, head_seq));
  }
  if (head_seq < last_seq) {
    return broken(head_seq + 1,
                  fmt::format("event_head is at seq {} but the log goes on to seq {}", head_seq,
                              last_seq));
  }
  if (head->Text(0, "hash") != last_hash) {
    return broken(last_seq == 0 ? 1 : last_seq,
                  fmt::format("event_head hash does not match seq {}", last_seq));
  }
  return report;
}

}  // namespace centinela::events
