#pragma once
// Password hashing: Argon2id through libsodium, in its self-describing string form
// ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"), so the cost travels with each hash.
//
// Hashing and verifying are deliberately slow (about 50-100 ms and 64 MiB at the
// interactive cost): call them off latency-sensitive threads. Thread-safe.

#include <string>
#include <string_view>

#include "common/status.h"

namespace centinela::auth {

//! Argon2id hash of `password` at the interactive cost (OPSLIMIT/MEMLIMIT_INTERACTIVE);
//! `fast` uses the minimum cost and exists for tests only. Fails only when out of memory.
Result<std::string> HashPassword(std::string_view password, bool fast);

//! True when `password` matches `hash` (a string made by HashPassword). Runs in the time
//! the hash's own cost parameters dictate; a malformed hash never matches.
bool VerifyPassword(const std::string& hash, std::string_view password);

//! Verifies `password` against a fixed hash of a random secret made at the same cost as
//! real hashes, and always returns false. Called when the login name is unknown, so the
//! answer takes as long as for a known name and does not reveal which accounts exist.
bool DummyVerify(std::string_view password, bool fast);

}  // namespace centinela::auth
