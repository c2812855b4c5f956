#include "auth/accounts.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "auth/grant_use.h"
#include "auth/password.h"
#include "auth/principal_cache.h"
#include "auth/totp.h"
#include "auth/validate.h"
#include "common/hash.h"
#include "common/mutex.h"
#include "events/types.h"
#include "store/sql.h"

namespace centinela::auth {

namespace json = boost::json;

namespace {

// Hashing jobs that may wait per hashing thread; beyond this Login and CreateUser answer
// kUnavailable at once rather than queue requests that would time out anyway (each job
// takes ~50-100 ms at interactive cost, so 32 per thread is a wait of a few seconds).
constexpr size_t kMaxPendingHashesPerThread = 32;
// Upper bound on hashing threads: each Argon2id run holds 64 MiB.
constexpr int kMaxHashThreads = 16;
// Tokens resolved in memory; beyond this the cache drops entries (they are re-read).
constexpr size_t kMaxCachedPrincipals = 100'000;
// Longest bearer token looked up; ours are 43 characters, anything far longer is junk.
constexpr size_t kMaxTokenBytes = 256;
// Longest client address stored with a session.
constexpr size_t kMaxIpBytes = 64;
// ListUsers page size bound.
constexpr int kMaxListLimit = 500;

const char* const kInvalidCredentials = "invalid credentials";
const char* const kInvalidToken = "invalid or expired token";
const char* const kBusy = "server busy, try again shortly";
// Second-factor refusals: SecondFactorCode maps these exact messages to their codes.
const char* const kTotpRequired =
    "this account signs in with a one-time code: give 'totp' (or a 'recovery_code')";
const char* const kTotpInvalid = "the one-time code is wrong, already used or expired";
const char* const kTotpEnrollmentRequired =
    "this account must enrol a second factor first: POST /api/v1/auth/totp/enroll";
// Secret bytes of a TOTP enrolment (RFC 4226 recommends 160 bits).
constexpr size_t kTotpSecretBytes = 20;
// Random bytes of a recovery code: 80 bits, shown as 16 base32 characters in groups of 4.
constexpr size_t kRecoveryCodeBytes = 10;
// Longest one-time code or recovery code looked at; anything longer is junk.
constexpr size_t kMaxFactorBytes = 64;

// Users with their grants, one row per grant (or one row with NULL role when none).
constexpr std::string_view kUserColumns =
    "u.id AS id, u.email AS email, u.phone AS phone, u.display_name AS display_name, "
    "u.locale AS locale, u.created_ms AS created_ms, g.role AS role, g.area_code AS area_code";

const std::string kSelectUserById = std::string("SELECT ") + std::string(kUserColumns) +
    ", u.password_hash AS password_hash, u.disabled AS disabled FROM users u LEFT JOIN grants g ON g.user_id = u.id "
    "WHERE u.id = $1 ORDER BY g.role, g.area_code";
const std::string kSelectUserByEmail = std::string("SELECT ") + std::string(kUserColumns) +
    ", u.password_hash AS password_hash, u.disabled AS disabled FROM users u LEFT JOIN grants g ON g.user_id = u.id "
    "WHERE u.email = $1 ORDER BY g.role, g.area_code";
const std::string kSelectUserByPhone = std::string("SELECT ") + std::string(kUserColumns) +
    ", u.password_hash AS password_hash, u.disabled AS disabled FROM users u LEFT JOIN grants g ON g.user_id = u.id "
    "WHERE u.phone = $1 ORDER BY g.role, g.area_code";
const std::string kListUsers = std::string("SELECT ") + std::string(kUserColumns) +
    " FROM (SELECT * FROM users ORDER BY created_ms, id LIMIT $1 OFFSET $2) u "
    "LEFT JOIN grants g ON g.user_id = u.id ORDER BY u.created_ms, u.id, g.role, g.area_code";
// $3 is a LIKE pattern ('%text%', with %, _ and \ escaped by a backslash).
const std::string kSearchUsers = std::string("SELECT ") + std::string(kUserColumns) +
    " FROM (SELECT * FROM users WHERE lower(coalesce(email, '')) LIKE $3 ESCAPE '\\' "
    "OR coalesce(phone, '') LIKE $3 ESCAPE '\\' "
    "OR lower(coalesce(display_name, '')) LIKE $3 ESCAPE '\\' "
    "ORDER BY created_ms, id LIMIT $1 OFFSET $2) u "
    "LEFT JOIN grants g ON g.user_id = u.id ORDER BY u.created_ms, u.id, g.role, g.area_code";
constexpr std::string_view kSelectSession =
    "SELECT s.user_id AS user_id, s.expires_ms AS expires_ms, u.email AS email, "
    "u.phone AS phone, u.display_name AS display_name, u.locale AS locale, g.role AS role, "
    "g.area_code AS area_code, s.purpose AS purpose FROM sessions s "
    "JOIN users u ON u.id = s.user_id LEFT JOIN grants g ON g.user_id = u.id "
    "WHERE s.token_hash = $1 AND s.revoked_ms IS NULL AND s.expires_ms > $2 AND u.disabled = 0 "
    "ORDER BY g.role, g.area_code";

void Wipe(std::string& secret) {
  if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

// Reads the grant on row `i` (columns role, area_code) when there is one.
void AppendGrant(const store::Rows& rows, size_t i, std::vector<Grant>* grants) {
  if (rows.Null(i, "role")) return;
  const std::string name = rows.Text(i, "role");
  std::optional<Role> role = ParseRole(name);
  if (!role) {
    spdlog::warn("auth: ignoring unknown role '{}' in grants", name);
    return;
  }
  grants->push_back(Grant{*role, rows.Text(i, "area_code")});
}

// "grant.added" / "grant.removed" about `user_id`, for admins.
store::EventDraft GrantEvent(const char* type, std::string actor, const std::string& user_id,
                             const Grant& grant) {
  json::object payload;
  payload["user_id"] = user_id;
  payload["role"] = RoleName(grant.role);
  payload["area"] = grant.area_code;
  return store::EventDraft{type, std::move(actor), "user:" + user_id, events::scope::kAdmin,
                           json::serialize(payload)};
}

// Inside a grant write: the user's profile into `view` (404 for an unknown user).
Status ReadUserInTx(store::Tx& tx, const std::string& user_id, UserView* view) {
  Result<store::Rows> r = tx.Exec(
      "SELECT id, email, phone, display_name, locale, created_ms FROM users WHERE id = $1",
      {user_id});
  if (!r.ok()) return r.status();
  if (r->empty()) return NotFound("user not found");
  view->id = user_id;
  view->email = r->Text(0, "email");
  view->phone = r->Text(0, "phone");
  view->display_name = r->Text(0, "display_name");
  view->locale = r->Text(0, "locale");
  view->created_ms = r->Int(0, "created_ms");
  return Status::Ok();
}

// Inside a grant write: the user's grants as they now are.
Status ReadGrantsInTx(store::Tx& tx, const std::string& user_id, UserView* view) {
  Result<store::Rows> r = tx.Exec(
      "SELECT role, area_code FROM grants WHERE user_id = $1 ORDER BY role, area_code", {user_id});
  if (!r.ok()) return r.status();
  view->grants.clear();
  for (size_t i = 0; i < r->size(); ++i) AppendGrant(*r, i, &view->grants);
  return Status::Ok();
}

// Rows [begin, end) all belong to one user (kUserColumns).
UserView UserFromRows(const store::Rows& rows, size_t begin, size_t end) {
  UserView u;
  u.id = rows.Text(begin, "id");
  u.email = rows.Text(begin, "email");
  u.phone = rows.Text(begin, "phone");
  u.display_name = rows.Text(begin, "display_name");
  u.locale = rows.Text(begin, "locale");
  u.created_ms = rows.Int(begin, "created_ms");
  for (size_t i = begin; i < end; ++i) AppendGrant(rows, i, &u.grants);
  return u;
}

json::array GrantsJson(const std::vector<Grant>& grants) {
  json::array out;
  for (const Grant& g : grants) {
    json::object o;
    o["role"] = RoleName(g.role);
    o["area"] = g.area_code;
    out.push_back(std::move(o));
  }
  return out;
}

json::value MaybeString(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

// What a caller may see of a failed write: our own statuses pass through, the store's
// details (SQL, file names) are logged and replaced.
Status PublicWriteStatus(const Status& s, std::string_view what) {
  switch (s.code()) {
    case Code::kConflict:
    case Code::kNotFound:
    case Code::kUnprocessable:
    case Code::kUnauthenticated:
      return s;
    case Code::kUnavailable:
      return Unavailable(kBusy);
    default:
      spdlog::error("auth: {} failed: {}", what, s.ToString());
      return Internal("could not save the change");
  }
}

Status PublicReadStatus(const Status& s, std::string_view what) {
  spdlog::error("auth: {} failed: {}", what, s.ToString());
  return Unavailable("account storage is unavailable");
}

// sessions.purpose of an enrol-only token ('' = a full session).
constexpr std::string_view kPurposeTotpEnroll = "totp_enroll";

// Accounts that must use a second factor when auth.require_totp_for_staff is on: anyone
// holding an area-scoped grant (the staff roles and deanonymise).
bool NeedsSecondFactor(const std::vector<Grant>& grants) {
  return std::any_of(grants.begin(), grants.end(),
                     [](const Grant& g) { return IsAreaScopedRole(g.role); });
}

// What users type: codes with spaces ("123 456"), recovery codes in any case with dashes.
std::string StripSeparators(std::string_view s, bool upper) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '-') continue;
    out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

// Recovery codes carry 80 random bits, so a plain SHA-256 is enough to keep them unusable if
// the table leaks (there is nothing to brute-force against a slow hash).
std::string RecoveryCodeHash(std::string_view code) {
  return Sha256Hex(StripSeparators(code, true));
}

// "ABCD-EFGH-IJKL-MNOP".
std::string NewRecoveryCode() {
  const std::string plain = Base32Encode(RandomBytes(kRecoveryCodeBytes), false);
  std::string out;
  for (size_t i = 0; i < plain.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(plain[i]);
  }
  return out;
}

// "totp.enabled" / "totp.reset" / "totp.recovery_code_used" about `user_id`, for admins
// (like the grant events: who may sign in how is an account-administration fact).
store::EventDraft TotpEvent(const char* type, std::string actor, const std::string& user_id,
                            json::object payload) {
  payload["user_id"] = user_id;
  return store::EventDraft{type, std::move(actor), "user:" + user_id, events::scope::kAdmin,
                           json::serialize(payload)};
}

// Inside the sign-in write: checks the second factor against the user's active TOTP and
// marks it used (the step, so the code cannot be replayed; or the recovery code). Appends
// "totp.recovery_code_used" when one is consumed. kUnauthenticated kTotpInvalid otherwise.
Status CheckSecondFactorInTx(store::Tx& tx, const std::string& user_id, const std::string& code,
                             const std::string& recovery_hash, int64_t now) {
  if (!code.empty()) {
    Result<store::Rows> r = tx.Exec(
        "SELECT secret, last_step FROM user_totp WHERE user_id = $1 AND confirmed_ms IS NOT NULL",
        {user_id});
    if (!r.ok()) return r.status();
    if (r->empty()) return Unauthenticated(kTotpInvalid);  // reset meanwhile
    std::optional<std::string> secret = Base32Decode(r->Text(0, "secret"));
    if (!secret) return Internal("stored TOTP secret is not base32");
    std::optional<int64_t> step = MatchTotp(*secret, code, now, r->Int(0, "last_step"));
    sodium_memzero(secret->data(), secret->size());
    if (!step) return Unauthenticated(kTotpInvalid);
    r = tx.Exec("UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2",
                {user_id, *step});
    if (!r.ok()) return r.status();
    return r->affected == 1 ? Status::Ok() : Unauthenticated(kTotpInvalid);
  }
  Result<store::Rows> r = tx.Exec(
      "UPDATE recovery_codes SET used_ms = $3 WHERE user_id = $1 AND code_hash = $2 "
      "AND used_ms IS NULL",
      {user_id, recovery_hash, now});
  if (!r.ok()) return r.status();
  if (r->affected != 1) return Unauthenticated(kTotpInvalid);
  r = tx.Exec("SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_ms IS NULL",
              {user_id});
  if (!r.ok()) return r.status();
  json::object payload;
  payload["remaining"] = r->Int(0, "n");
  Result<store::Event> e = tx.Append(
      TotpEvent(events::type::kTotpRecoveryCodeUsed, user_id, user_id, std::move(payload)));
  return e.ok() ? Status::Ok() : e.status();
}

}  // namespace

std::string_view SecondFactorCode(const Status& s) {
  if (s.ok()) return {};
  if (s.message() == kTotpRequired) return "totp_required";
  if (s.message() == kTotpInvalid) return "totp_invalid";
  if (s.message() == kTotpEnrollmentRequired) return "totp_enrollment_required";
  return {};
}

struct Accounts::Impl {
  Impl(store::Store& s, const Clock& c, AccountsOptions o)
      : store(s), clock(c), options(std::move(o)), throttle(c, options.throttle),
        cache(kMaxCachedPrincipals) {
    InitCrypto();
    const int threads = std::clamp(options.hash_threads, 1, kMaxHashThreads);
    max_pending = kMaxPendingHashesPerThread * static_cast<size_t>(threads);
    for (int i = 0; i < threads; ++i) workers.emplace_back([this] { WorkerLoop(); });
  }

  ~Impl() {
    {
      MutexLock lock(pool_mu);
      stopping = true;
    }
    pool_cv.notify_all();
    for (std::thread& t : workers) t.join();  // workers finish the queued jobs first
    FlushGrantUse([](Status) {});  // best effort: a closed store answers kUnavailable at once
    MutexLock lock(inflight_mu);
    inflight_cv.wait(lock.Native(), [this] {
      inflight_mu.AssertHeld();
      return inflight == 0;
    });
  }

  //! Queues a hashing job; false when the queue is full or shutting down.
  bool Submit(std::function<void()> job) {
    {
      MutexLock lock(pool_mu);
      if (stopping || tasks.size() >= max_pending) return false;
      tasks.push_back(std::move(job));
    }
    pool_cv.notify_one();
    return true;
  }

  void WorkerLoop() {
    while (true) {
      std::function<void()> job;
      {
        MutexLock lock(pool_mu);
        pool_cv.wait(lock.Native(), [this] {
          pool_mu.AssertHeld();
          return stopping || !tasks.empty();
        });
        if (tasks.empty()) return;  // stopping and drained
        job = std::move(tasks.front());
        tasks.pop_front();
      }
      try {
        job();
      } catch (const std::exception& e) {
        spdlog::error("auth: hashing job threw: {}", e.what());
      }
    }
  }

  //! store.Write that the destructor waits for, so completions never outlive *this.
  void Write(store::WriteFn fn, std::function<void(Status)> done) {
    {
      MutexLock lock(inflight_mu);
      ++inflight;
    }
    store.Write(std::move(fn), [this, done = std::move(done)](Status s, std::vector<store::Event>) {
      try {
        done(std::move(s));
      } catch (const std::exception& e) {
        spdlog::error("auth: write completion threw: {}", e.what());
      }
      MutexLock lock(inflight_mu);
      if (--inflight == 0) inflight_cv.notify_all();
    });
  }

  int64_t CacheUntil(int64_t now, int64_t token_expires_ms) const {
    return std::min(now + std::max<int64_t>(0, options.principal_cache_ms), token_expires_ms);
  }

  void DoLogin(const std::string& key, std::string& password, SecondFactor& factor,
               const std::string& ip, const std::function<void(Result<LoginResult>, int64_t)>& done);

  //! Writes the grant uses noted so far in one write (uses that fail to save are noted
  //! again, for the next flush). With `barrier`, writes even when there are none, so `done`
  //! also comes after every earlier flush has committed (the store's writer keeps order).
  void FlushGrantUse(std::function<void(Status)> done, bool barrier = false) {
    std::vector<GrantUseTracker::Use> uses = grant_use.Take();
    if (uses.empty() && !barrier) return done(Status::Ok());
    auto shared = std::make_shared<std::vector<GrantUseTracker::Use>>(std::move(uses));
    Write(
        [shared](store::Tx& tx) -> Status {
          for (const GrantUseTracker::Use& u : *shared) {
            Result<store::Rows> r = tx.Exec(
                "UPDATE grants SET last_used_ms = $4 WHERE user_id = $1 AND role = $2 AND "
                "area_code = $3 AND (last_used_ms IS NULL OR last_used_ms < $4)",
                {u.user_id, std::string(RoleName(u.grant.role)), u.grant.area_code,
                 u.last_used_ms});
            if (!r.ok()) return r.status();
          }
          return Status::Ok();
        },
        [this, shared, done = std::move(done)](Status s) {
          if (!s.ok()) {
            spdlog::warn("auth: saving {} grant uses failed: {}", shared->size(), s.ToString());
            for (const GrantUseTracker::Use& u : *shared)
              grant_use.Note(u.user_id, u.grant, u.last_used_ms);
          }
          done(std::move(s));
        });
  }

  //! Flushes when grant_use_flush_ms has passed since the last flush (one caller wins).
  void MaybeFlushGrantUse(int64_t now) {
    int64_t due = next_flush_ms.load(std::memory_order_relaxed);
    if (now < due) return;
    if (!next_flush_ms.compare_exchange_strong(due, now + options.grant_use_flush_ms)) return;
    FlushGrantUse([](Status) {});
  }

  store::Store& store;
  const Clock& clock;
  const AccountsOptions options;
  LoginThrottle throttle;
  PrincipalCache cache;
  GrantUseTracker grant_use;
  std::atomic<int64_t> next_flush_ms{0};  // the first use is flushed at once, then every interval

  Mutex pool_mu;
  std::condition_variable pool_cv;
  std::deque<std::function<void()>> tasks GUARDED_BY(pool_mu);
  bool stopping GUARDED_BY(pool_mu) = false;
  size_t max_pending = 0;
  std::vector<std::thread> workers;

  Mutex inflight_mu;
  std::condition_variable inflight_cv;
  int inflight GUARDED_BY(inflight_mu) = 0;
};

Accounts::Accounts(store::Store& store, const Clock& clock, AccountsOptions options)
    : impl_(std::make_unique<Impl>(store, clock, std::move(options))) {}

Accounts::~Accounts() = default;

// ---------------------------------------------------------------------------------------
// CreateUser

void Accounts::CreateUser(NewUser u, std::string actor, std::function<void(Result<UserView>)> done) {
  Create(std::move(u), std::move(actor), /*conceal_taken=*/false, std::move(done));
}

void Accounts::Register(NewUser u, std::function<void(Result<UserView>)> done) {
  Create(std::move(u), "self", /*conceal_taken=*/true, std::move(done));
}

void Accounts::Create(NewUser u, std::string actor, bool conceal_taken,
                      std::function<void(Result<UserView>)> done) {
  Status s;
  if (u.email.empty() && u.phone.empty()) s = Unprocessable("give an email or a phone number");
  if (s.ok() && !u.email.empty()) s = NormalizeEmail(u.email, &u.email);
  if (s.ok() && !u.phone.empty()) s = NormalizePhone(u.phone, &u.phone);
  if (s.ok()) s = CheckPassword(u.password, impl_->options.min_password_length);
  if (s.ok() && (u.password == u.email || u.password == u.phone))
    s = Unprocessable("password must not be the email or phone number");
  if (s.ok()) s = CheckDisplayName(u.display_name);
  if (s.ok()) s = NormalizeLocale(u.locale, &u.locale);
  if (s.ok() && u.grants.empty()) u.grants.push_back(Grant{Role::kNeighbour, ""});
  for (Grant& g : u.grants) {
    if (!s.ok()) break;
    s = NormalizeGrant(&g);
  }
  if (!s.ok()) {
    Wipe(u.password);
    return done(s);
  }
  std::sort(u.grants.begin(), u.grants.end(), [](const Grant& a, const Grant& b) {
    return std::tie(a.role, a.area_code) < std::tie(b.role, b.area_code);
  });
  u.grants.erase(std::unique(u.grants.begin(), u.grants.end()), u.grants.end());

  Impl* impl = impl_.get();
  auto job = [impl, u = std::move(u), actor = std::move(actor), conceal_taken, done]() mutable {
    Result<std::string> hash = HashPassword(u.password, impl->options.fast_hash_for_tests);
    Wipe(u.password);
    if (!hash.ok()) return done(hash.status());

    const int64_t now = impl->clock.NowMs();
    UserView view;
    view.id = NewId();
    view.email = u.email;
    view.phone = u.phone;
    view.display_name = u.display_name;
    view.locale = u.locale;
    view.grants = u.grants;
    view.created_ms = now;

    json::object payload;
    payload["id"] = view.id;
    payload["email"] = MaybeString(MaskEmail(view.email));
    payload["phone"] = MaybeString(MaskPhone(view.phone));
    payload["roles"] = GrantsJson(view.grants);
    store::EventDraft event{events::type::kUserCreated, actor, "user:" + view.id,
                            events::scope::kAdmin, json::serialize(payload)};
    // Each access given is its own audited grant, whichever path created the account (the
    // users API, `centinela user add`, the demo loader); the neighbour role every account
    // holds is part of user.created.
    std::vector<store::EventDraft> grant_events;
    for (const Grant& g : view.grants)
      if (IsAreaScopedRole(g.role))
        grant_events.push_back(GrantEvent(events::type::kGrantAdded, actor, view.id, g));

    impl->Write(
        [view, hash = std::move(hash).value(), event = std::move(event),
         grant_events = std::move(grant_events)](store::Tx& tx) -> Status {
          Result<store::Rows> r = tx.Exec(
              "INSERT INTO users (id, email, phone, password_hash, display_name, locale, "
              "created_ms, updated_ms, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 0)",
              {view.id, store::TextOrNull(view.email), store::TextOrNull(view.phone), hash,
               view.display_name, view.locale, view.created_ms});
          if (!r.ok()) {
            if (r.status().code() == Code::kConflict)
              return Conflict("email or phone already registered");
            return r.status();
          }
          for (const Grant& g : view.grants) {
            r = tx.Exec(
                "INSERT INTO grants (user_id, role, area_code, created_ms) VALUES ($1, $2, $3, $4)",
                {view.id, std::string(RoleName(g.role)), g.area_code, view.created_ms});
            if (!r.ok()) return r.status();
          }
          Result<store::Event> e = tx.Append(event);
          if (!e.ok()) return e.status();
          for (const store::EventDraft& g : grant_events) {
            e = tx.Append(g);
            if (!e.ok()) return e.status();
          }
          return Status::Ok();
        },
        [view, conceal_taken, done](Status s) {
          if (!s.ok() && conceal_taken && s.code() == Code::kConflict) {
            // The email or phone is taken: answer as if created (same shape, a fresh id),
            // the password hashed all the same, the existing account untouched. Without a
            // mail channel its owner is not told; a sign-in with the new password fails.
            spdlog::info("auth: registration for a login that already has an account (not created)");
            return done(view);
          }
          if (!s.ok()) return done(PublicWriteStatus(s, "create user"));
          spdlog::info("auth: user {} created", view.id);
          done(view);
        });
  };
  if (!impl_->Submit(std::move(job))) done(Unavailable(kBusy));
}

// ---------------------------------------------------------------------------------------
// Login

void Accounts::Login(std::string login, std::string password, std::string ip,
                     std::function<void(Result<LoginResult>, int64_t retry_after_s)> done) {
  Login(std::move(login), std::move(password), SecondFactor{}, std::move(ip), std::move(done));
}

void Accounts::Login(std::string login, std::string password, SecondFactor factor, std::string ip,
                     std::function<void(Result<LoginResult>, int64_t retry_after_s)> done) {
  std::string key = NormalizeLogin(login);
  if (ip.size() > kMaxIpBytes) ip.resize(kMaxIpBytes);
  if (int64_t wait = impl_->throttle.RetryAfterSeconds(key, ip); wait > 0) {
    Wipe(password);
    Wipe(factor.totp);
    Wipe(factor.recovery_code);
    return done(RateLimited("too many failed sign-in attempts; try again later"), wait);
  }
  if (password.size() > kMaxPasswordBytes) {  // never a valid password: no need to hash it
    Wipe(password);
    Wipe(factor.totp);
    Wipe(factor.recovery_code);
    impl_->throttle.RecordFailure(key, ip);
    return done(Unauthenticated(kInvalidCredentials), 0);
  }
  Impl* impl = impl_.get();
  auto job = [impl, key, password = std::move(password), factor = std::move(factor), ip,
              done]() mutable {
    impl->DoLogin(key, password, factor, ip, done);
    Wipe(password);
    Wipe(factor.totp);
    Wipe(factor.recovery_code);
  };
  if (!impl_->Submit(std::move(job))) done(Unavailable(kBusy), 0);
}

void Accounts::Impl::DoLogin(const std::string& key, std::string& password, SecondFactor& factor,
                             const std::string& ip,
                             const std::function<void(Result<LoginResult>, int64_t)>& done) {
  // Checked again here: attempts queued behind the one that locked the key stop now.
  if (int64_t wait = throttle.RetryAfterSeconds(key, ip); wait > 0)
    return done(RateLimited("too many failed sign-in attempts; try again later"), wait);

  const uint64_t epoch = cache.Epoch();
  const bool by_email = key.find('@') != std::string::npos;
  const bool by_phone = !by_email && !key.empty() && key[0] == '+';
  store::Rows rows;
  if (by_email || by_phone) {
    Result<store::Rows> r = store.Query(by_email ? kSelectUserByEmail : kSelectUserByPhone, {key});
    if (!r.ok()) return done(PublicReadStatus(r.status(), "login lookup"), 0);
    rows = std::move(r).value();
  }
  const bool known = !rows.empty();
  const bool match = known ? VerifyPassword(rows.Text(0, "password_hash"), password)
                           : DummyVerify(password, options.fast_hash_for_tests);
  if (!match) {
    throttle.RecordFailure(key, ip);
    return done(Unauthenticated(kInvalidCredentials), 0);
  }
  if (rows.Int(0, "disabled") != 0) return done(Unauthenticated(kInvalidCredentials), 0);

  LoginResult result;
  result.user = UserFromRows(rows, 0, rows.size());
  // The second factor, decided only once the password is right (so "totp_required" tells
  // nothing to someone without it). Success is recorded for the throttle only after it.
  Result<store::Rows> totp = store.Query(
      "SELECT confirmed_ms FROM user_totp WHERE user_id = $1", {result.user.id});
  if (!totp.ok()) return done(PublicReadStatus(totp.status(), "login TOTP lookup"), 0);
  const bool totp_active = !totp->empty() && !totp->Null(0, "confirmed_ms");
  std::string code = StripSeparators(factor.totp.substr(0, kMaxFactorBytes), false);
  std::string recovery_hash;
  if (totp_active) {
    if (code.empty() && factor.recovery_code.empty())
      return done(Unauthenticated(kTotpRequired), 0);
    if (code.empty()) recovery_hash = RecoveryCodeHash(factor.recovery_code.substr(0, kMaxFactorBytes));
  } else if (options.require_totp_for_staff && NeedsSecondFactor(result.user.grants)) {
    result.totp_enrollment_only = true;
  }

  result.token = Base64Url(RandomBytes(32));
  const std::string token_key = Sha256Raw(result.token);
  const int64_t now = clock.NowMs();
  result.expires_ms =
      now + (result.totp_enrollment_only ? kTotpEnrollmentTokenTtlMs : options.token_ttl_ms);

  json::object payload;
  payload["user_id"] = result.user.id;
  payload["ip"] = ip;
  payload["expires_ms"] = result.expires_ms;
  if (totp_active) payload["second_factor"] = code.empty() ? "recovery_code" : "totp";
  if (result.totp_enrollment_only) payload["purpose"] = std::string(kPurposeTotpEnroll);
  const std::string subject = events::scope::User(result.user.id);
  store::EventDraft event{events::type::kSessionCreated, result.user.id, subject, subject,
                          json::serialize(payload)};

  const std::string user_id = result.user.id;
  const int64_t expires_ms = result.expires_ms;
  const std::string purpose = result.totp_enrollment_only ? std::string(kPurposeTotpEnroll) : "";
  Write(
      [token_hash = ToHex(token_key), user_id, now, expires_ms, ip, purpose, totp_active, code,
       recovery_hash, event = std::move(event)](store::Tx& tx) -> Status {
        if (totp_active) {
          Status f = CheckSecondFactorInTx(tx, user_id, code, recovery_hash, now);
          if (!f.ok()) return f;
        }
        Result<store::Rows> r = tx.Exec(
            "INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms, ip, purpose) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            {token_hash, user_id, now, expires_ms, ip, purpose});
        if (!r.ok()) return r.status();
        r = tx.Exec("UPDATE users SET last_login_ms = $2 WHERE id = $1", {user_id, now});
        if (!r.ok()) return r.status();
        Result<store::Event> e = tx.Append(event);
        return e.ok() ? Status::Ok() : e.status();
      },
      [this, key, ip, token_key, epoch, now, result = std::move(result), done](Status s) mutable {
        if (!s.ok()) {
          // A wrong second factor is a failed sign-in like a wrong password.
          if (SecondFactorCode(s) == "totp_invalid") throttle.RecordFailure(key, ip);
          return done(PublicWriteStatus(s, "create session"), 0);
        }
        throttle.RecordSuccess(key, ip);
        // Warm the cache: the client's next request is almost always authenticated.
        Principal p;
        p.user_id = result.user.id;
        p.email = result.user.email;
        p.phone = result.user.phone;
        p.display_name = result.user.display_name;
        p.locale = result.user.locale;
        p.grants = result.user.grants;
        p.token_expires_ms = result.expires_ms;
        p.totp_enrollment_only = result.totp_enrollment_only;
        cache.Put(token_key, std::move(p), CacheUntil(now, result.expires_ms), epoch, now);
        done(std::move(result), 0);
      });
}

// ---------------------------------------------------------------------------------------
// Logout / Authenticate

void Accounts::Logout(const std::string& token, std::function<void(Status)> done) {
  if (token.empty() || token.size() > kMaxTokenBytes) return done(Status::Ok());
  const std::string key = Sha256Raw(token);
  impl_->cache.EraseKey(key);
  const int64_t now = impl_->clock.NowMs();
  Impl* impl = impl_.get();
  impl_->Write(
      [token_hash = ToHex(key), now](store::Tx& tx) -> Status {
        Result<store::Rows> r = tx.Exec(
            "UPDATE sessions SET revoked_ms = $2 WHERE token_hash = $1 AND revoked_ms IS NULL "
            "RETURNING user_id",
            {token_hash, now});
        if (!r.ok()) return r.status();
        if (r->empty()) return Status::Ok();  // unknown or already revoked: nothing to record
        const std::string user_id = r->Text(0, "user_id");
        const std::string subject = events::scope::User(user_id);
        json::object payload;
        payload["user_id"] = user_id;
        // Which session (a prefix of the token's hash, never the token): the live stream
        // closes that session's open streams (realtime::SubscriberInfo::session_key).
        payload["session"] = token_hash.substr(0, 16);
        Result<store::Event> e = tx.Append(
            {events::type::kSessionRevoked, user_id, subject, subject, json::serialize(payload)});
        return e.ok() ? Status::Ok() : e.status();
      },
      [impl, key, done](Status s) {
        impl->cache.EraseKey(key);
        done(s.ok() ? s : PublicWriteStatus(s, "revoke session"));
      });
}

Result<Principal> Accounts::Authenticate(const std::string& token) {
  Result<Principal> p = AuthenticateForTotpEnrollment(token);
  if (p.ok() && p->totp_enrollment_only) return PermissionDenied(kTotpEnrollmentRequired);
  return p;
}

Result<Principal> Accounts::AuthenticateForTotpEnrollment(const std::string& token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return Unauthenticated(kInvalidToken);
  const std::string key = Sha256Raw(token);
  const int64_t now = impl_->clock.NowMs();
  Principal p;
  if (impl_->cache.Get(key, now, &p)) return p;

  const uint64_t epoch = impl_->cache.Epoch();
  Result<store::Rows> r = impl_->store.Query(kSelectSession, {ToHex(key), now});
  if (!r.ok()) return PublicReadStatus(r.status(), "session lookup");
  const store::Rows& rows = *r;
  if (rows.empty()) return Unauthenticated(kInvalidToken);
  p.user_id = rows.Text(0, "user_id");
  p.email = rows.Text(0, "email");
  p.phone = rows.Text(0, "phone");
  p.display_name = rows.Text(0, "display_name");
  p.locale = rows.Text(0, "locale");
  p.token_expires_ms = rows.Int(0, "expires_ms");
  p.totp_enrollment_only = rows.Text(0, "purpose") == kPurposeTotpEnroll;
  for (size_t i = 0; i < rows.size(); ++i) AppendGrant(rows, i, &p.grants);
  impl_->cache.Put(key, p, impl_->CacheUntil(now, p.token_expires_ms), epoch, now);
  return p;
}

// ---------------------------------------------------------------------------------------
// Second factor (TOTP) and grant use

void Accounts::BeginTotpEnrollment(const Principal& who,
                                   std::function<void(Result<TotpEnrollment>)> done) {
  if (!NeedsSecondFactor(who.grants))
    return done(PermissionDenied("only staff accounts enrol a second factor"));
  std::string secret = RandomBytes(kTotpSecretBytes);
  auto enrollment = std::make_shared<TotpEnrollment>();
  enrollment->secret_base32 = Base32Encode(secret, false);
  sodium_memzero(secret.data(), secret.size());
  enrollment->otpauth_uri = OtpauthUri(impl_->options.totp_issuer,
                                       who.email.empty() ? who.phone : who.email,
                                       enrollment->secret_base32);
  const int64_t now = impl_->clock.NowMs();
  impl_->Write(
      [user_id = who.user_id, secret = enrollment->secret_base32, now](store::Tx& tx) -> Status {
        Result<store::Rows> r =
            tx.Exec("SELECT confirmed_ms FROM user_totp WHERE user_id = $1", {user_id});
        if (!r.ok()) return r.status();
        if (!r->empty() && !r->Null(0, "confirmed_ms"))
          return Conflict("TOTP is already active; an admin must reset it before a new enrolment");
        // A pending enrolment is replaced: only the newest secret shown can be confirmed.
        r = tx.Exec("DELETE FROM user_totp WHERE user_id = $1", {user_id});
        if (!r.ok()) return r.status();
        r = tx.Exec(
            "INSERT INTO user_totp (user_id, secret, created_ms, confirmed_ms, last_step) "
            "VALUES ($1, $2, $3, NULL, 0)",
            {user_id, secret, now});
        return r.ok() ? Status::Ok() : r.status();
      },
      [enrollment, done](Status s) {
        if (!s.ok()) return done(PublicWriteStatus(s, "begin TOTP enrolment"));
        done(std::move(*enrollment));
      });
}

void Accounts::ConfirmTotp(const Principal& who, std::string code,
                           std::function<void(Result<std::vector<std::string>>)> done) {
  code = StripSeparators(code.substr(0, kMaxFactorBytes), false);
  auto codes = std::make_shared<std::vector<std::string>>();
  std::vector<std::string> hashes;
  for (int i = 0; i < kRecoveryCodeCount; ++i) {
    codes->push_back(NewRecoveryCode());
    hashes.push_back(RecoveryCodeHash(codes->back()));
  }
  json::object payload;
  payload["recovery_codes"] = kRecoveryCodeCount;
  store::EventDraft event =
      TotpEvent(events::type::kTotpEnabled, who.user_id, who.user_id, std::move(payload));
  const int64_t now = impl_->clock.NowMs();
  impl_->Write(
      [user_id = who.user_id, code, hashes = std::move(hashes), now,
       event = std::move(event)](store::Tx& tx) -> Status {
        Result<store::Rows> r =
            tx.Exec("SELECT secret, confirmed_ms FROM user_totp WHERE user_id = $1", {user_id});
        if (!r.ok()) return r.status();
        if (r->empty()) return Conflict("no TOTP enrolment to confirm: POST /api/v1/auth/totp/enroll first");
        if (!r->Null(0, "confirmed_ms")) return Conflict("TOTP is already active");
        std::optional<std::string> secret = Base32Decode(r->Text(0, "secret"));
        if (!secret) return Internal("stored TOTP secret is not base32");
        std::optional<int64_t> step = MatchTotp(*secret, code, now, 0);
        sodium_memzero(secret->data(), secret->size());
        if (!step) return Unprocessable(kTotpInvalid);
        r = tx.Exec("UPDATE user_totp SET confirmed_ms = $2, last_step = $3 WHERE user_id = $1",
                    {user_id, now, *step});
        if (!r.ok()) return r.status();
        r = tx.Exec("DELETE FROM recovery_codes WHERE user_id = $1", {user_id});
        if (!r.ok()) return r.status();
        for (const std::string& h : hashes) {
          r = tx.Exec(
              "INSERT INTO recovery_codes (user_id, code_hash, created_ms) VALUES ($1, $2, $3)",
              {user_id, h, now});
          if (!r.ok()) return r.status();
        }
        Result<store::Event> e = tx.Append(event);
        return e.ok() ? Status::Ok() : e.status();
      },
      [codes, done](Status s) {
        if (!s.ok()) return done(PublicWriteStatus(s, "confirm TOTP"));
        spdlog::info("auth: TOTP enabled for a user");
        done(std::move(*codes));
      });
}

void Accounts::ResetTotp(const std::string& user_id, std::string actor,
                         std::function<void(Status)> done) {
  store::EventDraft event =
      TotpEvent(events::type::kTotpReset, std::move(actor), user_id, json::object{});
  impl_->Write(
      [user_id, event = std::move(event)](store::Tx& tx) -> Status {
        UserView ignored;
        if (Status s = ReadUserInTx(tx, user_id, &ignored); !s.ok()) return s;
        Result<store::Rows> r = tx.Exec("DELETE FROM user_totp WHERE user_id = $1", {user_id});
        if (!r.ok()) return r.status();
        if (r->affected == 0) return NotFound("the user has no second factor to reset");
        r = tx.Exec("DELETE FROM recovery_codes WHERE user_id = $1", {user_id});
        if (!r.ok()) return r.status();
        Result<store::Event> e = tx.Append(event);
        return e.ok() ? Status::Ok() : e.status();
      },
      [done](Status s) { done(s.ok() ? s : PublicWriteStatus(s, "reset TOTP")); });
}

Result<bool> Accounts::TotpActive(const std::string& user_id) {
  Result<store::Rows> r = impl_->store.Query(
      "SELECT confirmed_ms FROM user_totp WHERE user_id = $1 AND confirmed_ms IS NOT NULL",
      {user_id});
  if (!r.ok()) return PublicReadStatus(r.status(), "TOTP lookup");
  return !r->empty();
}

void Accounts::NoteGrantUse(const Principal& p, const Grant& grant) {
  const int64_t now = impl_->clock.NowMs();
  impl_->grant_use.Note(p.user_id, grant, now);
  impl_->MaybeFlushGrantUse(now);
}

Status Accounts::FlushGrantUse() {
  std::promise<Status> done;
  impl_->FlushGrantUse([&done](Status s) { done.set_value(std::move(s)); }, /*barrier=*/true);
  return done.get_future().get();
}

// ---------------------------------------------------------------------------------------
// Profile and grants

void Accounts::UpdateProfile(const Principal& who, ProfilePatch patch,
                             std::function<void(Result<UserView>)> done) {
  Status s;
  if (patch.display_name) s = CheckDisplayName(*patch.display_name);
  if (s.ok() && patch.locale) {
    if (patch.locale->empty()) s = Unprocessable("locale must be 'es' or 'en'");
    else s = NormalizeLocale(*patch.locale, &*patch.locale);
  }
  if (!s.ok()) return done(s);
  if (!patch.display_name && !patch.locale) return done(GetUser(who.user_id));

  json::object payload;
  if (patch.display_name) payload["display_name"] = *patch.display_name;
  if (patch.locale) payload["locale"] = *patch.locale;
  const std::string subject = events::scope::User(who.user_id);
  store::EventDraft event{events::type::kUserProfileUpdated, who.user_id, subject, subject,
                          json::serialize(payload)};

  auto view = std::make_shared<UserView>();
  view->id = who.user_id;
  view->grants = who.grants;
  const int64_t now = impl_->clock.NowMs();
  // Built before the Write call: its second argument moves `patch` away.
  store::Params params{who.user_id,
                       patch.display_name ? store::Value{*patch.display_name} : store::Value{},
                       patch.locale ? store::Value{*patch.locale} : store::Value{}, now};
  Impl* impl = impl_.get();
  impl_->Write(
      [view, event = std::move(event), params = std::move(params)](store::Tx& tx) -> Status {
        Result<store::Rows> r = tx.Exec(
            "UPDATE users SET display_name = COALESCE($2, display_name), "
            "locale = COALESCE($3, locale), updated_ms = $4 WHERE id = $1 AND disabled = 0 "
            "RETURNING email, phone, display_name, locale, created_ms",
            params);
        if (!r.ok()) return r.status();
        if (r->empty()) return NotFound("user not found");
        view->email = r->Text(0, "email");
        view->phone = r->Text(0, "phone");
        view->display_name = r->Text(0, "display_name");
        view->locale = r->Text(0, "locale");
        view->created_ms = r->Int(0, "created_ms");
        Result<store::Event> e = tx.Append(event);
        return e.ok() ? Status::Ok() : e.status();
      },
      [impl, view, patch = std::move(patch), done](Status s) {
        if (!s.ok()) return done(PublicWriteStatus(s, "update profile"));
        impl->cache.UpdateProfile(view->id, patch.display_name, patch.locale);
        done(std::move(*view));
      });
}

void Accounts::AddGrant(const std::string& user_id, Grant grant, std::string actor,
                        std::function<void(Result<UserView>)> done) {
  Status s = NormalizeGrant(&grant);
  if (!s.ok()) return done(s);
  store::EventDraft event = GrantEvent(events::type::kGrantAdded, std::move(actor), user_id, grant);
  auto view = std::make_shared<UserView>();
  const int64_t now = impl_->clock.NowMs();
  Impl* impl = impl_.get();
  impl_->Write(
      [view, user_id, grant, now, event = std::move(event)](store::Tx& tx) -> Status {
        if (Status s = ReadUserInTx(tx, user_id, view.get()); !s.ok()) return s;
        // Granting a role the user already holds is a no-op: ok, and no event.
        Result<store::Rows> r = tx.Exec(
            "INSERT INTO grants (user_id, role, area_code, created_ms) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT DO NOTHING",
            {user_id, std::string(RoleName(grant.role)), grant.area_code, now});
        if (!r.ok()) return r.status();
        if (r->affected > 0) {
          Result<store::Event> e = tx.Append(event);
          if (!e.ok()) return e.status();
        }
        return ReadGrantsInTx(tx, user_id, view.get());
      },
      [impl, view, user_id, done](Status s) {
        if (!s.ok()) return done(PublicWriteStatus(s, "add grant"));
        impl->cache.InvalidateUser(user_id);
        done(std::move(*view));
      });
}

void Accounts::RemoveGrant(const std::string& user_id, Grant grant, std::string actor,
                           std::function<void(Result<UserView>)> done) {
  Status s = NormalizeGrant(&grant);
  if (!s.ok()) return done(s);
  store::EventDraft event =
      GrantEvent(events::type::kGrantRemoved, std::move(actor), user_id, grant);
  auto view = std::make_shared<UserView>();
  Impl* impl = impl_.get();
  impl_->Write(
      [view, user_id, grant, event = std::move(event)](store::Tx& tx) -> Status {
        if (Status s = ReadUserInTx(tx, user_id, view.get()); !s.ok()) return s;
        Result<store::Rows> r = tx.Exec(
            "DELETE FROM grants WHERE user_id = $1 AND role = $2 AND area_code = $3",
            {user_id, std::string(RoleName(grant.role)), grant.area_code});
        if (!r.ok()) return r.status();
        if (r->affected == 0) return NotFound("the user does not hold this grant");
        Result<store::Event> e = tx.Append(event);
        if (!e.ok()) return e.status();
        return ReadGrantsInTx(tx, user_id, view.get());
      },
      [impl, view, user_id, done](Status s) {
        if (!s.ok()) return done(PublicWriteStatus(s, "remove grant"));
        impl->cache.InvalidateUser(user_id);
        done(std::move(*view));
      });
}

Result<UserView> Accounts::GetUser(const std::string& user_id) {
  Result<store::Rows> r = impl_->store.Query(kSelectUserById, {user_id});
  if (!r.ok()) return PublicReadStatus(r.status(), "get user");
  if (r->empty()) return NotFound("user not found");
  return UserFromRows(*r, 0, r->size());
}

Result<std::vector<UserView>> Accounts::ListUsers(int limit, int offset, const std::string& query) {
  limit = std::clamp(limit, 1, kMaxListLimit);
  offset = std::max(0, offset);
  std::string pattern = "%";
  for (char c : query) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  pattern.push_back('%');
  Result<store::Rows> r =
      query.empty() ? impl_->store.Query(kListUsers, {int64_t{limit}, int64_t{offset}})
                    : impl_->store.Query(kSearchUsers, {int64_t{limit}, int64_t{offset}, pattern});
  if (!r.ok()) return PublicReadStatus(r.status(), "list users");
  const store::Rows& rows = *r;
  std::vector<UserView> out;
  size_t begin = 0;
  while (begin < rows.size()) {
    const std::string id = rows.Text(begin, "id");
    size_t end = begin + 1;
    while (end < rows.size() && rows.Text(end, "id") == id) ++end;
    out.push_back(UserFromRows(rows, begin, end));
    begin = end;
  }
  return out;
}

namespace {

const char* ContactSql(ContactKind kind) {
  return kind == ContactKind::kPhone ? "SELECT id FROM users WHERE phone = $1"
                                     : "SELECT id FROM users WHERE email = $1";
}

Result<std::optional<std::string>> FirstId(Result<store::Rows> rows) {
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->Text(0, "id"));
}

}  // namespace

Result<std::optional<std::string>> UserIdByContact(store::Tx& tx, ContactKind kind,
                                                   const std::string& value) {
  return FirstId(tx.Exec(ContactSql(kind), {value}));
}

Result<std::optional<std::string>> UserIdByContact(store::Store& store, ContactKind kind,
                                                   const std::string& value) {
  return FirstId(store.Query(ContactSql(kind), {value}));
}

Result<bool> UserExists(store::Tx& tx, const std::string& id) {
  auto found = tx.Exec("SELECT id FROM users WHERE id = $1", {id});
  if (!found.ok()) return found.status();
  return !found->empty();
}

}  // namespace centinela::auth
