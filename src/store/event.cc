#include "store/event.h"

#include <sodium.h>

#include "common/hash.h"

namespace centinela::store {

const char* const kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

namespace {
void Field(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out.push_back(':');
  out.append(v.data(), v.size());
  out.push_back(';');
}
}  // namespace

std::string CanonicalEncoding(const Event& e) {
  std::string out;
  out.reserve(64 + e.type.size() + e.actor.size() + e.subject.size() + e.scope.size() +
              e.payload.size() + e.prev_hash.size());
  Field(out, std::to_string(e.seq));
  Field(out, std::to_string(e.time_ms));
  Field(out, e.type);
  Field(out, e.actor);
  Field(out, e.subject);
  Field(out, e.scope);
  Field(out, e.payload);
  Field(out, e.prev_hash);
  return out;
}

std::string ComputeEventHash(const Event& e) {
  std::string prev_raw(32, '\0');
  size_t bin_len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(prev_raw.data()), prev_raw.size(),
                     e.prev_hash.data(), e.prev_hash.size(), nullptr, &bin_len,
                     nullptr) != 0 ||
      bin_len != 32) {
    prev_raw = e.prev_hash;  // malformed prev_hash still hashes deterministically
  }
  return Sha256Hex(prev_raw + CanonicalEncoding(e));
}

}  // namespace centinela::store
