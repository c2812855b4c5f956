#pragma once
// One row of the ordered, hash-chained event log (the transactional outbox and audit trail).

#include <cstdint>
#include <string>

namespace centinela::store {

//! What a domain service asks to record; the store assigns seq, time and the hashes.
struct EventDraft {
  std::string type;     //!< dotted name, e.g. "user.registered", "area.updated"
  std::string actor;    //!< user id, "system", or "cli"
  std::string subject;  //!< what changed, e.g. "user:<id>", "area:13130"
  std::string scope;    //!< who may see it, e.g. "staff:area:13130", "user:<id>", "admin"
  std::string payload;  //!< JSON object text
};

//! A committed event. seq is gap-free and increasing from 1.
struct Event {
  int64_t seq = 0;
  int64_t time_ms = 0;
  std::string type;
  std::string actor;
  std::string subject;
  std::string scope;
  std::string payload;
  std::string prev_hash;  //!< hex; kGenesisHash for seq 1
  std::string hash;       //!< hex SHA-256(prev_hash bytes || CanonicalEncoding(event))
};

//! prev_hash of the first event: 64 zeros.
extern const char* const kGenesisHash;

//! Unambiguous byte encoding of every field but `hash`: each field as
//! "<decimal length>:<bytes>;" in the order seq, time_ms, type, actor, subject, scope,
//! payload, prev_hash. Stable forever: changing it breaks every stored chain.
std::string CanonicalEncoding(const Event& e);
//! hex SHA-256 over the raw bytes of prev_hash followed by CanonicalEncoding(e).
std::string ComputeEventHash(const Event& e);

}  // namespace centinela::store
