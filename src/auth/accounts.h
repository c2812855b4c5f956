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
  //! Staff (any area-scoped grant) without an active TOTP sign in to an enrol-only token.
  bool require_totp_for_staff = false;
  std::string totp_issuer = "Centinela";  //!< the name authenticator apps show
  //! Grant uses noted in memory are written to grants.last_used_ms at most this often.
  int64_t grant_use_flush_ms = 5 * 60'000;
};

//! Lifetime of an enrol-only token: long enough to scan a QR code and type one code.
inline constexpr int64_t kTotpEnrollmentTokenTtlMs = 15 * 60'000;
//! Recovery codes handed out when TOTP is confirmed (each works once).
inline constexpr int kRecoveryCodeCount = 10;

//! What a sign-in may carry besides the password (one of them, when TOTP is active).
struct SecondFactor {
  std::string totp;           //!< the current 6-digit code of the authenticator app
  std::string recovery_code;  //!< or one unused recovery code, consumed by this sign-in
};

//! A pending TOTP enrolment: shown to its user once, active after ConfirmTotp.
struct TotpEnrollment {
  std::string secret_base32;  //!< for typing into the app by hand
  std::string otpauth_uri;    //!< for the QR code
};

//! The snake_case error code of a second-factor refusal: "totp_required" (give totp or
//! recovery_code), "totp_invalid" (wrong, reused or expired code), "totp_enrollment_required"
//! (an enrol-only token used elsewhere); empty for any other status.
std::string_view SecondFactorCode(const Status& s);

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
  //! The token may only enrol TOTP and log out (staff that must enrol, see AccountsOptions).
  bool totp_enrollment_only = false;
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
  //! `actor` is who did it ("self" for registration, an admin's user id, "cli"). Records
  //! "user.created" and one "grant.added" per area-scoped grant in `user.grants`.
  void CreateUser(NewUser user, std::string actor, std::function<void(Result<UserView>)> done);
  //! Self-registration (actor "self"): as CreateUser, but a taken email or phone answers
  //! exactly as a new account would (the view of an account that was not created), so it
  //! tells no one whether an account exists; the existing account is not touched.
  void Register(NewUser user, std::function<void(Result<UserView>)> done);
  //! Checks throttling (429 with retry-after), then the password; issues a token.
  //! Unknown login, wrong password and disabled account all answer 401 "invalid
  //! credentials". retry_after_s is > 0 only with kRateLimited.
  void Login(std::string login /*email or phone*/, std::string password, std::string ip,
             std::function<void(Result<LoginResult>, int64_t retry_after_s)> done);
  //! Login with a second factor. An account with active TOTP needs `factor` (401
  //! "totp_required" without one, checked only after the password; a wrong, reused or
  //! stale code is 401 "totp_invalid" and counts as a failed sign-in for the throttle).
  //! Staff without active TOTP under require_totp_for_staff get an enrol-only token.
  void Login(std::string login, std::string password, SecondFactor factor, std::string ip,
             std::function<void(Result<LoginResult>, int64_t retry_after_s)> done);
  //! Revokes the token (idempotent).
  void Logout(const std::string& token, std::function<void(Status)> done);
  //! Resolves a bearer token to its principal, from memory when recently seen; 401 when
  //! unknown, expired or revoked; 503 when the store cannot be read. Runs on the caller's
  //! thread; a cache hit is one SHA-256 and one map lookup.
  //! An enrol-only token is refused (403 "totp_enrollment_required").
  Result<Principal> Authenticate(const std::string& token);
  //! Authenticate that also accepts enrol-only tokens (the TOTP enrolment routes, logout).
  Result<Principal> AuthenticateForTotpEnrollment(const std::string& token);

  //! Starts (or restarts) TOTP enrolment for a staff caller: a fresh 160-bit secret, kept
  //! pending until ConfirmTotp. 403 for non-staff, 409 when TOTP is already active.
  void BeginTotpEnrollment(const Principal& who, std::function<void(Result<TotpEnrollment>)> done);
  //! Activates the pending secret when `code` is its current code (422 "totp_invalid"
  //! otherwise, 409 without a pending enrolment) and returns kRecoveryCodeCount fresh
  //! recovery codes, stored only as hashes. Records "totp.enabled".
  void ConfirmTotp(const Principal& who, std::string code,
                   std::function<void(Result<std::vector<std::string>>)> done);
  //! Removes the user's TOTP and recovery codes (404 when it has none, or for an unknown
  //! user); records "totp.reset" with `actor`. The user signs in with the password again
  //! (and must re-enrol when required).
  void ResetTotp(const std::string& user_id, std::string actor, std::function<void(Status)> done);
  //! True when the user has confirmed TOTP.
  Result<bool> TotpActive(const std::string& user_id);

  //! Records that `p` was authorised through `grant` now (cheap; flushed to the store at
  //! most every grant_use_flush_ms, for `centinela access review`).
  void NoteGrantUse(const Principal& p, const Grant& grant);
  //! Writes the noted grant uses now and waits for the commit (shutdown, tests).
  Status FlushGrantUse();

  void UpdateProfile(const Principal& who, ProfilePatch patch,
                     std::function<void(Result<UserView>)> done);
  //! Adds a grant (422 on a staff role without an area, 404 for an unknown user); records
  //! "grant.added". Adding a grant the user already holds is a no-op that succeeds and
  //! records no event. (CreateUser records "grant.added" for each area-scoped grant too.)
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
  void Create(NewUser user, std::string actor, bool conceal_taken,
              std::function<void(Result<UserView>)> done);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Row access to `users` (owned by accounts.cc) for the modules that resolve a person they
// were given inside their own write (a family invitation, a unit's crew) or on a CLI path.

//! The id of the user whose email (or phone) is `value`; nullopt when none.
enum class ContactKind { kEmail, kPhone };
Result<std::optional<std::string>> UserIdByContact(store::Tx& tx, ContactKind kind,
                                                   const std::string& value);
Result<std::optional<std::string>> UserIdByContact(store::Store& store, ContactKind kind,
                                                   const std::string& value);
//! Whether a user with `id` exists.
Result<bool> UserExists(store::Tx& tx, const std::string& id);

}  // namespace centinela::auth
