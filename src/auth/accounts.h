#pragma once
// Accounts: registration, login with bearer tokens, logout, token authentication,
// profiles and grants. Passwords are Argon2id (libsodium); tokens are 256 random bits
// handed to the client once and stored only as their SHA-256.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "auth/throttle.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace centinela::auth {

struct AccountsOptions {
  int64_t token_ttl_ms = 30LL * 24 * 3600 * 1000;  //!< session lifetime (30 days)
  int hash_threads = 2;           //!< threads that run Argon2id off the io threads
  size_t min_password_length = 10;
  bool fast_hash_for_tests = false;  //!< Argon2id with minimum cost (tests only)
  ThrottleOptions throttle;       //!< login throttling per account and per IP
  int64_t principal_cache_ms = 60'000;  //!< how long a resolved token is trusted from memory
};

struct NewUser {
  std::string email;         //!< email or phone (at least one)
  std::string phone;         //!< E.164-ish: + and 8..15 digits
  std::string password;
  std::string display_name;
  std::string locale = "es";  //!< "es" or "en"
  std::vector<Grant> grants;  //!< empty = neighbour
};

struct UserView {
  std::string id;
  std::string email;
  std::string phone;
  std::string display_name;
  std::string locale;
  std::vector<Grant> grants;
  int64_t created_ms = 0;
};

struct LoginResult {
  std::string token;     //!< only ever returned here
  int64_t expires_ms = 0;
  UserView user;
};

struct ProfilePatch {
  std::optional<std::string> display_name;
  std::optional<std::string> locale;
};

//! Thread-safe. Callbacks run on a hashing thread, on the store's writer thread, or, for
//! answers known at once (invalid input 422, rate limited 429, hashing queue full 503
//! "server busy"), on the calling thread before the call returns: keep them short and
//! non-blocking. Errors carry messages safe to show clients (no SQL, no secrets).
class Accounts {
 public:
  Accounts(store::Store& store, const Clock& clock, AccountsOptions options);
  //! Finishes queued hashing jobs, joins the hashing threads and waits for this object's
  //! pending store writes: destroy it before closing the Store.
  ~Accounts();

  //! Validates and creates a user (422 on bad email/phone/password, 409 if taken).
  //! `actor` is who did it ("self" for registration, an admin's user id, "cli").
  void CreateUser(NewUser user, std::string actor, std::function<void(Result<UserView>)> done);
  //! Checks throttling (429 with retry-after), then the password; issues a token.
  //! Unknown login, wrong password and disabled account all answer 401 "invalid
  //! credentials". retry_after_s is > 0 only with kRateLimited.
  void Login(std::string login /*email or phone*/, std::string password, std::string ip,
             std::function<void(Result<LoginResult>, int64_t retry_after_s)> done);
  //! Revokes the token (idempotent).
  void Logout(const std::string& token, std::function<void(Status)> done);
  //! Resolves a bearer token to its principal, from memory when recently seen; 401 when
  //! unknown, expired or revoked; 503 when the store cannot be read. Runs on the caller's
  //! thread; a cache hit is one SHA-256 and one map lookup.
  Result<Principal> Authenticate(const std::string& token);

  void UpdateProfile(const Principal& who, ProfilePatch patch,
                     std::function<void(Result<UserView>)> done);
  //! Adds a grant (422 on a staff role without an area, 404 for an unknown user). Adding
  //! a grant the user already holds is a no-op that succeeds and records no event.
  void AddGrant(const std::string& user_id, Grant grant, std::string actor,
                std::function<void(Result<UserView>)> done);

  //! Removes a grant (404 for an unknown user or a grant the user does not hold); records
  //! "grant.removed". Sessions of the user see the change at once (the cache is dropped).
  void RemoveGrant(const std::string& user_id, Grant grant, std::string actor,
                   std::function<void(Result<UserView>)> done);

  Result<UserView> GetUser(const std::string& user_id);
  //! Oldest first. A non-empty `query` keeps users whose email, phone or display name
  //! contains it (case-insensitive for ASCII letters).
  Result<std::vector<UserView>> ListUsers(int limit, int offset, const std::string& query = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centinela::auth
