#include "auth/password.h"

#include <sodium.h>

#include <utility>

#include "common/hash.h"

namespace centinela::auth {

Result<std::string> HashPassword(std::string_view password, bool fast) {
  InitCrypto();
  const unsigned long long ops =
      fast ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const size_t mem = fast ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Unavailable("out of memory while hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  InitCrypto();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

namespace {

// A hash of a random secret nobody knows, at the given cost; empty if hashing failed.
std::string MakeDummyHash(bool fast) {
  Result<std::string> h = HashPassword(ToHex(RandomBytes(16)), fast);
  return h.ok() ? std::move(h).value() : std::string();
}

const std::string& DummyHash(bool fast) {
  // Made on first use; thread-safe static initialisation.
  if (fast) {
    static const std::string kFast = MakeDummyHash(true);
    return kFast;
  }
  static const std::string kInteractive = MakeDummyHash(false);
  return kInteractive;
}

}  // namespace

bool DummyVerify(std::string_view password, bool fast) {
  (void)VerifyPassword(DummyHash(fast), password);
  return false;
}

}  // namespace centinela::auth
