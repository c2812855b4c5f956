#include "auth/accounts.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "auth/password.h"
#include "auth/principal_cache.h"
#include "auth/validate.h"
#include "common/hash.h"

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
    "g.area_code AS area_code FROM sessions s JOIN users u ON u.id = s.user_id "
    "LEFT JOIN grants g ON g.user_id = u.id "
    "WHERE s.token_hash = $1 AND s.revoked_ms IS NULL AND s.expires_ms > $2 AND u.disabled = 0 "
    "ORDER BY g.role, g.area_code";

store::Value TextOrNull(const std::string& s) {
  return s.empty() ? store::Value{} : store::Value{s};
}

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
  return store::EventDraft{type, std::move(actor), "user:" + user_id, "admin",
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

}  // namespace

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
      std::lock_guard lock(pool_mu);
      stopping = true;
    }
    pool_cv.notify_all();
    for (std::thread& t : workers) t.join();  // workers finish the queued jobs first
    std::unique_lock lock(inflight_mu);
    inflight_cv.wait(lock, [this] { return inflight == 0; });
  }

  //! Queues a hashing job; false when the queue is full or shutting down.
  bool Submit(std::function<void()> job) {
    {
      std::lock_guard lock(pool_mu);
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
        std::unique_lock lock(pool_mu);
        pool_cv.wait(lock, [this] { return stopping || !tasks.empty(); });
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
      std::lock_guard lock(inflight_mu);
      ++inflight;
    }
    store.Write(std::move(fn), [this, done = std::move(done)](Status s, std::vector<store::Event>) {
      try {
        done(std::move(s));
      } catch (const std::exception& e) {
        spdlog::error("auth: write completion threw: {}", e.what());
      }
      std::lock_guard lock(inflight_mu);
      if (--inflight == 0) inflight_cv.notify_all();
    });
  }

  int64_t CacheUntil(int64_t now, int64_t token_expires_ms) const {
    return std::min(now + std::max<int64_t>(0, options.principal_cache_ms), token_expires_ms);
  }

  void DoLogin(const std::string& key, std::string& password, const std::string& ip,
               const std::function<void(Result<LoginResult>, int64_t)>& done);

  store::Store& store;
  const Clock& clock;
  const AccountsOptions options;
  LoginThrottle throttle;
  PrincipalCache cache;

  std::mutex pool_mu;
  std::condition_variable pool_cv;
  std::deque<std::function<void()>> tasks;  // guarded by pool_mu
  bool stopping = false;                    // guarded by pool_mu
  size_t max_pending = 0;
  std::vector<std::thread> workers;

  std::mutex inflight_mu;
  std::condition_variable inflight_cv;
  int inflight = 0;  // guarded by inflight_mu
};

Accounts::Accounts(store::Store& store, const Clock& clock, AccountsOptions options)
    : impl_(std::make_unique<Impl>(store, clock, std::move(options))) {}

Accounts::~Accounts() = default;

// ---------------------------------------------------------------------------------------
// CreateUser

void Accounts::CreateUser(NewUser u, std::string actor, std::function<void(Result<UserView>)> done) {
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
  auto job = [impl, u = std::move(u), actor = std::move(actor), done]() mutable {
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
    store::EventDraft event{"user.created", actor, "user:" + view.id, "admin",
                            json::serialize(payload)};

    impl->Write(
        [view, hash = std::move(hash).value(), event = std::move(event)](store::Tx& tx) -> Status {
          Result<store::Rows> r = tx.Exec(
              "INSERT INTO users (id, email, phone, password_hash, display_name, locale, "
              "created_ms, updated_ms, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 0)",
              {view.id, TextOrNull(view.email), TextOrNull(view.phone), hash, view.display_name,
               view.locale, view.created_ms});
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
          return e.ok() ? Status::Ok() : e.status();
        },
        [view, done](Status s) {
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
  std::string key = NormalizeLogin(login);
  if (ip.size() > kMaxIpBytes) ip.resize(kMaxIpBytes);
  if (int64_t wait = impl_->throttle.RetryAfterSeconds(key, ip); wait > 0) {
    Wipe(password);
    return done(RateLimited("too many failed sign-in attempts; try again later"), wait);
  }
  if (password.size() > kMaxPasswordBytes) {  // never a valid password: no need to hash it
    Wipe(password);
    impl_->throttle.RecordFailure(key, ip);
    return done(Unauthenticated(kInvalidCredentials), 0);
  }
  Impl* impl = impl_.get();
  auto job = [impl, key, password = std::move(password), ip, done]() mutable {
    impl->DoLogin(key, password, ip, done);
    Wipe(password);
  };
  if (!impl_->Submit(std::move(job))) done(Unavailable(kBusy), 0);
}

void Accounts::Impl::DoLogin(const std::string& key, std::string& password, const std::string& ip,
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
  throttle.RecordSuccess(key, ip);

  LoginResult result;
  result.user = UserFromRows(rows, 0, rows.size());
  result.token = Base64Url(RandomBytes(32));
  const std::string token_key = Sha256Raw(result.token);
  const int64_t now = clock.NowMs();
  result.expires_ms = now + options.token_ttl_ms;

  json::object payload;
  payload["user_id"] = result.user.id;
  payload["ip"] = ip;
  payload["expires_ms"] = result.expires_ms;
  const std::string subject = "user:" + result.user.id;
  store::EventDraft event{"session.created", result.user.id, subject, subject,
                          json::serialize(payload)};

  const std::string user_id = result.user.id;
  const int64_t expires_ms = result.expires_ms;
  Write(
      [token_hash = ToHex(token_key), user_id, now, expires_ms, ip,
       event = std::move(event)](store::Tx& tx) -> Status {
        Result<store::Rows> r = tx.Exec(
            "INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms, ip) "
            "VALUES ($1, $2, $3, $4, $5)",
            {token_hash, user_id, now, expires_ms, ip});
        if (!r.ok()) return r.status();
        Result<store::Event> e = tx.Append(event);
        return e.ok() ? Status::Ok() : e.status();
      },
      [this, token_key, epoch, now, result = std::move(result), done](Status s) mutable {
        if (!s.ok()) return done(PublicWriteStatus(s, "create session"), 0);
        // Warm the cache: the client's next request is almost always authenticated.
        Principal p;
        p.user_id = result.user.id;
        p.email = result.user.email;
        p.phone = result.user.phone;
        p.display_name = result.user.display_name;
        p.locale = result.user.locale;
        p.grants = result.user.grants;
        p.token_expires_ms = result.expires_ms;
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
        const std::string subject = "user:" + user_id;
        json::object payload;
        payload["user_id"] = user_id;
        // Which session (a prefix of the token's hash, never the token): the live stream
        // closes that session's open streams (realtime::SubscriberInfo::session_key).
        payload["session"] = token_hash.substr(0, 16);
        Result<store::Event> e =
            tx.Append({"session.revoked", user_id, subject, subject, json::serialize(payload)});
        return e.ok() ? Status::Ok() : e.status();
      },
      [impl, key, done](Status s) {
        impl->cache.EraseKey(key);
        done(s.ok() ? s : PublicWriteStatus(s, "revoke session"));
      });
}

Result<Principal> Accounts::Authenticate(const std::string& token) {
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
  for (size_t i = 0; i < rows.size(); ++i) AppendGrant(rows, i, &p.grants);
  impl_->cache.Put(key, p, impl_->CacheUntil(now, p.token_expires_ms), epoch, now);
  return p;
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
  const std::string subject = "user:" + who.user_id;
  store::EventDraft event{"user.profile_updated", who.user_id, subject, subject,
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
  store::EventDraft event = GrantEvent("grant.added", std::move(actor), user_id, grant);
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
  store::EventDraft event = GrantEvent("grant.removed", std::move(actor), user_id, grant);
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

}  // namespace centinela::auth
