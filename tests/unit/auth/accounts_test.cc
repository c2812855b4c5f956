// Accounts over a real store: SQLite in a temporary directory, and PostgreSQL in a fresh
// schema of the database named by CENTINELA_TEST_PG_URL (skipped when it is unset).
#include "auth/accounts.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <set>
#include <thread>
#include <tuple>
#include <variant>

#include "common/hash.h"
#include "support/store_fixture.h"

namespace centinela::auth {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPassword = "correct horse battery";
constexpr int64_t kTokenTtlMs = 3'600'000;

class AccountsTest : public test::StoreFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStoreWithClock(&clock_));
    if (IsSkipped()) return;
    options_.fast_hash_for_tests = true;
    options_.token_ttl_ms = kTokenTtlMs;
    accounts_ = std::make_unique<Accounts>(*store_, clock_, options_);
  }

  void TearDown() override {
    accounts_.reset();
    StoreFixture::TearDown();
  }

  Result<UserView> Create(NewUser u, Accounts* a = nullptr) {
    std::promise<Result<UserView>> p;
    (a ? a : accounts_.get())->CreateUser(std::move(u), "self", [&p](Result<UserView> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  Result<UserView> CreateEmail(const std::string& email, const std::string& password = kPassword) {
    NewUser u;
    u.email = email;
    u.password = password;
    u.display_name = "Ana";
    return Create(std::move(u));
  }

  std::pair<Result<LoginResult>, int64_t> Login(const std::string& login,
                                                const std::string& password = kPassword,
                                                const std::string& ip = "10.0.0.1") {
    std::promise<std::pair<Result<LoginResult>, int64_t>> p;
    accounts_->Login(login, password, ip, [&p](Result<LoginResult> r, int64_t retry) {
      p.set_value({std::move(r), retry});
    });
    return p.get_future().get();
  }

  Status Logout(const std::string& token) {
    std::promise<Status> p;
    accounts_->Logout(token, [&p](Status s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }

  Result<UserView> Update(const Principal& who, ProfilePatch patch) {
    std::promise<Result<UserView>> p;
    accounts_->UpdateProfile(who, std::move(patch), [&p](Result<UserView> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  Result<UserView> AddGrant(const std::string& user_id, Grant g) {
    std::promise<Result<UserView>> p;
    accounts_->AddGrant(user_id, std::move(g), "admin-1", [&p](Result<UserView> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  Result<UserView> RemoveGrant(const std::string& user_id, Grant g) {
    std::promise<Result<UserView>> p;
    accounts_->RemoveGrant(user_id, std::move(g), "admin-1", [&p](Result<UserView> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  // Every text cell of every row of `table`, for "does this secret appear anywhere" checks.
  std::string Dump(const std::string& table) {
    auto rows = store_->Query("SELECT * FROM " + table);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::string out;
    if (!rows.ok()) return out;
    for (const auto& row : rows->rows)
      for (const auto& v : row) {
        if (auto* s = std::get_if<std::string>(&v)) out += *s;
        out += '|';
      }
    return out;
  }

  FakeClock clock_;
  AccountsOptions options_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_P(AccountsTest, RegisterLoginMeLogout) {
  Result<UserView> u = CreateEmail("Ana@Example.org");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->id.size(), 32u);
  EXPECT_EQ(u->email, "ana@example.org");
  EXPECT_EQ(u->locale, "es");
  ASSERT_EQ(u->grants.size(), 1u);
  EXPECT_EQ(u->grants[0], (Grant{Role::kNeighbour, ""}));

  auto [login, retry] = Login("ANA@example.org");
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(retry, 0);
  EXPECT_EQ(login->token.size(), 43u);
  EXPECT_EQ(login->expires_ms, clock_.NowMs() + kTokenTtlMs);
  EXPECT_EQ(login->user.id, u->id);

  Result<Principal> me = accounts_->Authenticate(login->token);
  ASSERT_TRUE(me.ok()) << me.status().ToString();
  EXPECT_EQ(me->user_id, u->id);
  EXPECT_EQ(me->email, "ana@example.org");
  EXPECT_EQ(me->display_name, "Ana");
  EXPECT_EQ(me->token_expires_ms, login->expires_ms);
  EXPECT_TRUE(me->HasRole(Role::kNeighbour));

  // Another Accounts over the same store has no cache: it resolves the token from the store.
  {
    Accounts fresh(*store_, clock_, options_);
    Result<Principal> again = fresh.Authenticate(login->token);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->user_id, u->id);
    EXPECT_EQ(again->grants, me->grants);
    EXPECT_EQ(again->token_expires_ms, login->expires_ms);
  }

  EXPECT_TRUE(Logout(login->token).ok());
  Result<Principal> after = accounts_->Authenticate(login->token);
  EXPECT_EQ(after.status().code(), Code::kUnauthenticated);
  {
    Accounts fresh(*store_, clock_, options_);
    EXPECT_EQ(fresh.Authenticate(login->token).status().code(), Code::kUnauthenticated);
  }
  // Idempotent, and unknown tokens are fine too.
  EXPECT_TRUE(Logout(login->token).ok());
  EXPECT_TRUE(Logout("not-a-token").ok());
  EXPECT_TRUE(Logout("").ok());
  EXPECT_EQ(accounts_->Authenticate("").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(accounts_->Authenticate("nope").status().code(), Code::kUnauthenticated);
}

TEST_P(AccountsTest, DuplicateEmailIsConflict) {
  ASSERT_TRUE(CreateEmail("ana@example.org").ok());
  Result<UserView> again = CreateEmail("ANA@example.org");
  EXPECT_EQ(again.status().code(), Code::kConflict);
  EXPECT_EQ(again.status().message(), "email or phone already registered");

  NewUser by_phone;
  by_phone.phone = "+56 9 1234 5678";
  by_phone.password = kPassword;
  ASSERT_TRUE(Create(by_phone).ok());
  by_phone.phone = "+56912345678";
  by_phone.password = kPassword;
  EXPECT_EQ(Create(by_phone).status().code(), Code::kConflict);
}

TEST_P(AccountsTest, InvalidRegistrationsAre422) {
  EXPECT_EQ(CreateEmail("ana@example.org", "short").status().code(), Code::kUnprocessable);
  EXPECT_EQ(CreateEmail("ana@example.org", std::string(1025, 'x')).status().code(), Code::kUnprocessable);
  EXPECT_EQ(CreateEmail("not an email").status().code(), Code::kUnprocessable);
  NewUser none;
  none.password = kPassword;
  EXPECT_EQ(Create(none).status().code(), Code::kUnprocessable);
  NewUser phone;
  phone.phone = "12345";
  phone.password = kPassword;
  EXPECT_EQ(Create(phone).status().code(), Code::kUnprocessable);
  NewUser locale;
  locale.email = "ana@example.org";
  locale.password = kPassword;
  locale.locale = "fr";
  EXPECT_EQ(Create(locale).status().code(), Code::kUnprocessable);
  NewUser name = locale;
  name.locale = "en";
  name.display_name = std::string(101, 'a');
  EXPECT_EQ(Create(name).status().code(), Code::kUnprocessable);
  NewUser staff = locale;
  staff.locale = "en";
  staff.grants = {{Role::kOperator, ""}};
  EXPECT_EQ(Create(staff).status().code(), Code::kUnprocessable);
  // None of them was stored.
  auto n = store_->Query("SELECT COUNT(*) AS n FROM users");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->Int(0, "n"), 0);
}

TEST_P(AccountsTest, WrongPasswordIs401ThenThrottled) {
  ASSERT_TRUE(CreateEmail("ana@example.org").ok());
  for (int i = 0; i < 5; ++i) {
    auto [r, retry] = Login("ana@example.org", "wrong password!");
    EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << "attempt " << i + 1;
    EXPECT_EQ(r.status().message(), "invalid credentials");
    EXPECT_EQ(retry, 0);
  }
  auto [sixth, retry] = Login("ana@example.org", "wrong password!");
  EXPECT_EQ(sixth.status().code(), Code::kRateLimited);
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 60);
  // Locked even with the right password, until the lockout passes.
  auto [right, retry2] = Login("ana@example.org");
  EXPECT_EQ(right.status().code(), Code::kRateLimited);
  EXPECT_GT(retry2, 0);
  clock_.Advance(retry2 * 1000);
  EXPECT_TRUE(Login("ana@example.org").first.ok());
}

TEST_P(AccountsTest, UnknownUserLooksLikeWrongPassword) {
  ASSERT_TRUE(CreateEmail("ana@example.org").ok());
  auto [unknown, r1] = Login("nobody@example.org");
  auto [wrong, r2] = Login("ana@example.org", "wrong password!");
  EXPECT_EQ(unknown.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(unknown.status().message(), wrong.status().message());
  // Unknown names are throttled like known ones.
  for (int i = 0; i < 4; ++i) Login("nobody@example.org");
  EXPECT_EQ(Login("nobody@example.org").first.status().code(), Code::kRateLimited);
}

TEST_P(AccountsTest, LoginByPhone) {
  NewUser u;
  u.phone = "+56912345678";
  u.password = kPassword;
  u.locale = "en";
  Result<UserView> created = Create(u);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto [r, retry] = Login("+56 9 1234 5678");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->user.phone, "+56912345678");
  EXPECT_EQ(r->user.email, "");
  EXPECT_EQ(r->user.locale, "en");
}

TEST_P(AccountsTest, TokenIsStoredOnlyAsItsHash) {
  ASSERT_TRUE(CreateEmail("ana@example.org").ok());
  auto [r, retry] = Login("ana@example.org");
  ASSERT_TRUE(r.ok());
  const std::string sessions = Dump("sessions");
  EXPECT_EQ(sessions.find(r->token), std::string::npos);
  EXPECT_NE(sessions.find(Sha256Hex(r->token)), std::string::npos);
  auto rows = store_->Query("SELECT token_hash, ip, expires_ms FROM sessions");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->Text(0, "token_hash"), Sha256Hex(r->token));
  EXPECT_EQ(rows->Text(0, "ip"), "10.0.0.1");
  EXPECT_EQ(rows->Int(0, "expires_ms"), r->expires_ms);
  for (const char* table : {"users", "grants", "events"})
    EXPECT_EQ(Dump(table).find(r->token), std::string::npos) << table;
  EXPECT_EQ(Dump("users").find(kPassword), std::string::npos);
}

TEST_P(AccountsTest, ExpiredTokenIs401) {
  ASSERT_TRUE(CreateEmail("ana@example.org").ok());
  auto [r, retry] = Login("ana@example.org");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(accounts_->Authenticate(r->token).ok());  // now cached
  clock_.Advance(kTokenTtlMs - 1);
  EXPECT_TRUE(accounts_->Authenticate(r->token).ok());
  clock_.Advance(1);
  EXPECT_EQ(accounts_->Authenticate(r->token).status().code(), Code::kUnauthenticated);
  Accounts fresh(*store_, clock_, options_);
  EXPECT_EQ(fresh.Authenticate(r->token).status().code(), Code::kUnauthenticated);
}

TEST_P(AccountsTest, DisabledUserCannotLoginOrAuthenticate) {
  Result<UserView> u = CreateEmail("ana@example.org");
  ASSERT_TRUE(u.ok());
  auto [r, retry] = Login("ana@example.org");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store_->WriteSync([&](store::Tx& tx) {
                      return tx.Exec("UPDATE users SET disabled = 1 WHERE id = $1", {u->id}).status();
                    }).ok());
  EXPECT_EQ(Login("ana@example.org").first.status().code(), Code::kUnauthenticated);
  // Disabling goes around Accounts here, so the cache trusts the token until it ages out.
  clock_.Advance(options_.principal_cache_ms);
  EXPECT_EQ(accounts_->Authenticate(r->token).status().code(), Code::kUnauthenticated);
}

TEST_P(AccountsTest, ProfileUpdateIsVisibleInAuthenticate) {
  ASSERT_TRUE(CreateEmail("ana@example.org").ok());
  auto [r, retry] = Login("ana@example.org");
  ASSERT_TRUE(r.ok());
  Result<Principal> me = accounts_->Authenticate(r->token);
  ASSERT_TRUE(me.ok());

  ProfilePatch patch;
  patch.display_name = "Ana María \"la vecina\"";
  Result<UserView> v = Update(*me, patch);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->display_name, "Ana María \"la vecina\"");
  EXPECT_EQ(v->locale, "es");
  EXPECT_EQ(v->email, "ana@example.org");
  EXPECT_EQ(v->grants, me->grants);

  Result<Principal> cached = accounts_->Authenticate(r->token);
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->display_name, "Ana María \"la vecina\"");

  ProfilePatch locale;
  locale.locale = "en";
  ASSERT_TRUE(Update(*cached, locale).ok());
  EXPECT_EQ(accounts_->Authenticate(r->token)->locale, "en");
  EXPECT_EQ(accounts_->Authenticate(r->token)->display_name, "Ana María \"la vecina\"");
  Accounts fresh(*store_, clock_, options_);
  EXPECT_EQ(fresh.Authenticate(r->token)->locale, "en");

  ProfilePatch bad;
  bad.locale = "fr";
  EXPECT_EQ(Update(*cached, bad).status().code(), Code::kUnprocessable);
  bad.locale.reset();
  bad.display_name = std::string(101, 'x');
  EXPECT_EQ(Update(*cached, bad).status().code(), Code::kUnprocessable);
  Principal ghost = *cached;
  ghost.user_id = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(Update(ghost, locale).status().code(), Code::kNotFound);

  auto events = store_->ReadEvents(0, 100);
  ASSERT_TRUE(events.ok());
  int updates = 0;
  for (const store::Event& e : *events) {
    if (e.type != "user.profile_updated") continue;
    ++updates;
    EXPECT_EQ(e.scope, "user:" + me->user_id);
    EXPECT_EQ(e.subject, "user:" + me->user_id);
  }
  EXPECT_EQ(updates, 2);
}

TEST_P(AccountsTest, GrantsAreAddedIdempotentlyAndSeenByAuthenticate) {
  Result<UserView> u = CreateEmail("op@example.org");
  ASSERT_TRUE(u.ok());
  auto [r, retry] = Login("op@example.org");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(accounts_->Authenticate(r->token).ok());

  Result<UserView> g = AddGrant(u->id, {Role::kOperator, "13130"});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->grants.size(), 2u);
  Result<Principal> me = accounts_->Authenticate(r->token);
  ASSERT_TRUE(me.ok());
  EXPECT_TRUE(Authorize(*me, {Role::kOperator}, {"13130-1", "13130", "13"}));
  EXPECT_TRUE(me->IsStaff());

  EXPECT_TRUE(AddGrant(u->id, {Role::kOperator, "13130"}).ok());  // again: no-op
  EXPECT_EQ(AddGrant(u->id, {Role::kOperator, ""}).status().code(), Code::kUnprocessable);
  EXPECT_EQ(AddGrant("0123456789abcdef0123456789abcdef", {Role::kAnalyst, "13"}).status().code(),
            Code::kNotFound);

  auto events = store_->ReadEvents(0, 100);
  ASSERT_TRUE(events.ok());
  int added = 0;
  for (const store::Event& e : *events) {
    if (e.type != "grant.added") continue;
    ++added;
    EXPECT_EQ(e.scope, "admin");
    EXPECT_EQ(e.actor, "admin-1");
  }
  EXPECT_EQ(added, 1);

  Result<UserView> fetched = accounts_->GetUser(u->id);
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(fetched->grants, g->grants);
  EXPECT_EQ(accounts_->GetUser("missing").status().code(), Code::kNotFound);
}

TEST_P(AccountsTest, GrantsAreRemovedAndUsersSearched) {
  Result<UserView> u = CreateEmail("Op.Quitar@example.org");
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(CreateEmail("otra@example.org").ok());
  auto [r, retry] = Login("op.quitar@example.org");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(AddGrant(u->id, {Role::kOperator, "13130"}).ok());
  ASSERT_TRUE(Authorize(*accounts_->Authenticate(r->token), {Role::kOperator}, {"13130"}));

  Result<UserView> removed = RemoveGrant(u->id, {Role::kOperator, "13130"});
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->grants.size(), 1u);  // the neighbour role stays
  EXPECT_EQ(accounts_->GetUser(u->id)->grants, removed->grants);
  Result<Principal> me = accounts_->Authenticate(r->token);  // seen at once, not after the cache
  ASSERT_TRUE(me.ok());
  EXPECT_FALSE(Authorize(*me, {Role::kOperator}, {"13130"}));
  EXPECT_EQ(RemoveGrant(u->id, {Role::kOperator, "13130"}).status().code(), Code::kNotFound);
  EXPECT_EQ(RemoveGrant("0123456789abcdef0123456789abcdef", {Role::kOperator, "13130"}).status().code(),
            Code::kNotFound);
  EXPECT_EQ(RemoveGrant(u->id, {Role::kOperator, ""}).status().code(), Code::kUnprocessable);
  auto events = store_->ReadEvents(0, 100);
  ASSERT_TRUE(events.ok());
  int removed_events = 0;
  for (const store::Event& e : *events) removed_events += e.type == "grant.removed";
  EXPECT_EQ(removed_events, 1);

  auto found = accounts_->ListUsers(100, 0, "OP.QUI");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().id, u->id);
  EXPECT_EQ(accounts_->ListUsers(100, 0, "example.org")->size(), 2u);
  EXPECT_EQ(accounts_->ListUsers(100, 0, "op_quitar")->size(), 0u);  // '_' is not a wildcard
  EXPECT_EQ(accounts_->ListUsers(100, 0, "%")->size(), 0u);
}

TEST_P(AccountsTest, StaffCreatedWithGrants) {
  NewUser u;
  u.email = "admin@example.org";
  u.password = kPassword;
  u.grants = {{Role::kAdmin, std::string(kAllAreas)}, {Role::kAnalyst, "13130"},
              {Role::kAdmin, std::string(kAllAreas)}};
  Result<UserView> created = Create(u);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->grants.size(), 2u);  // duplicates dropped; no implicit neighbour
  auto [r, retry] = Login("admin@example.org");
  ASSERT_TRUE(r.ok());
  Result<Principal> me = accounts_->Authenticate(r->token);
  ASSERT_TRUE(me.ok());
  EXPECT_TRUE(Authorize(*me, {Role::kAdmin}, {std::string(kAllAreas)}));
  EXPECT_FALSE(me->HasRole(Role::kNeighbour));
}

// Issue 12 item 7: every grant is an event. Staff created with roles (the users API, the
// `user add` CLI, the demo loader all go through CreateUser) get one "grant.added" per
// area-scoped grant, so the grants table can be rebuilt from the log alone.
TEST_P(AccountsTest, GrantsGivenAtCreationAreGrantEvents) {
  NewUser u;
  u.email = "staff@example.org";
  u.password = kPassword;
  u.grants = {{Role::kOperator, "13130"}, {Role::kDeanonymise, "13130"}, {Role::kAnalyst, "13"}};
  std::promise<Result<UserView>> p;
  accounts_->CreateUser(std::move(u), "admin-7", [&p](Result<UserView> r) { p.set_value(std::move(r)); });
  Result<UserView> created = p.get_future().get();
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(CreateEmail("vecina@example.org").ok());  // a neighbour: no grant event
  ASSERT_TRUE(AddGrant(created->id, {Role::kAdmin, "13"}).ok());
  ASSERT_TRUE(RemoveGrant(created->id, {Role::kAnalyst, "13"}).ok());

  auto events = store_->ReadEvents(0, 100);
  ASSERT_TRUE(events.ok());
  std::set<std::tuple<std::string, std::string, std::string>> from_log;
  int created_grant_events = 0;
  for (const store::Event& e : *events) {
    if (e.type != "grant.added" && e.type != "grant.removed") continue;
    EXPECT_EQ(e.scope, "admin");
    EXPECT_EQ(e.subject, "user:" + created->id);
    auto payload = boost::json::parse(e.payload).as_object();
    std::tuple<std::string, std::string, std::string> key{
        std::string(payload.at("user_id").as_string()), std::string(payload.at("role").as_string()),
        std::string(payload.at("area").as_string())};
    if (e.type == "grant.added") {
      from_log.insert(key);
      if (e.actor == "admin-7") ++created_grant_events;
    } else {
      from_log.erase(key);
    }
  }
  EXPECT_EQ(created_grant_events, 3);
  auto rows = store_->Query("SELECT user_id, role, area_code FROM grants WHERE role <> 'neighbour'");
  ASSERT_TRUE(rows.ok());
  std::set<std::tuple<std::string, std::string, std::string>> in_table;
  for (size_t i = 0; i < rows->size(); ++i)
    in_table.insert({rows->Text(i, "user_id"), rows->Text(i, "role"), rows->Text(i, "area_code")});
  EXPECT_EQ(from_log, in_table);
  EXPECT_EQ(in_table.size(), 3u);  // operator, deanonymise, admin
}

TEST_P(AccountsTest, ListUsersInCreationOrder) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(CreateEmail("user" + std::to_string(i) + "@example.org").ok());
    clock_.Advance(10);
  }
  Result<std::vector<UserView>> all = accounts_->ListUsers(100, 0);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*all)[i].email, "user" + std::to_string(i) + "@example.org");
    EXPECT_EQ((*all)[i].grants.size(), 1u);
  }
  Result<std::vector<UserView>> page = accounts_->ListUsers(2, 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].email, "user3@example.org");
  EXPECT_EQ((*page)[1].email, "user4@example.org");
  EXPECT_TRUE(accounts_->ListUsers(0, -5).ok());  // clamped, not an error
}

TEST_P(AccountsTest, EventsCarryNoSecrets) {
  Result<UserView> u = CreateEmail("juan@example.org");
  ASSERT_TRUE(u.ok());
  auto [r, retry] = Login("juan@example.org");
  ASSERT_TRUE(r.ok());
  Result<Principal> me = accounts_->Authenticate(r->token);
  ASSERT_TRUE(me.ok());
  ProfilePatch patch;
  patch.display_name = "Juan";
  ASSERT_TRUE(Update(*me, patch).ok());
  ASSERT_TRUE(Logout(r->token).ok());

  auto hash = store_->Query("SELECT password_hash FROM users");
  ASSERT_TRUE(hash.ok());
  const std::string password_hash = hash->Text(0, "password_hash");
  ASSERT_FALSE(password_hash.empty());

  auto events = store_->ReadEvents(0, 100);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> types;
  for (const store::Event& e : *events) {
    types.push_back(e.type);
    const std::string all = e.type + e.actor + e.subject + e.scope + e.payload;
    EXPECT_EQ(all.find(kPassword), std::string::npos) << e.type;
    EXPECT_EQ(all.find(r->token), std::string::npos) << e.type;
    EXPECT_EQ(all.find(Sha256Hex(r->token)), std::string::npos) << e.type;
    EXPECT_EQ(all.find(password_hash), std::string::npos) << e.type;
    EXPECT_EQ(all.find("argon2"), std::string::npos) << e.type;
    EXPECT_EQ(all.find("juan@example.org"), std::string::npos) << e.type;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"user.created", "session.created",
                                             "user.profile_updated", "session.revoked"}));
  const store::Event& created = (*events)[0];
  EXPECT_EQ(created.scope, "admin");
  EXPECT_EQ(created.actor, "self");
  EXPECT_EQ(created.subject, "user:" + u->id);
  EXPECT_NE(created.payload.find("j***@example.org"), std::string::npos) << created.payload;
  EXPECT_NE(created.payload.find("neighbour"), std::string::npos) << created.payload;
  EXPECT_EQ((*events)[1].scope, "user:" + u->id);
  EXPECT_EQ((*events)[3].scope, "user:" + u->id);
}

TEST_P(AccountsTest, FullHashQueueAnswersBusy) {
  accounts_.reset();
  options_.hash_threads = 1;
  accounts_ = std::make_unique<Accounts>(*store_, clock_, options_);
  // Park the only hashing thread inside a completion, then fill the queue behind it.
  std::promise<void> parked, release;
  std::shared_future<void> released = release.get_future().share();
  accounts_->Login("first@example.org", kPassword, "", [&](Result<LoginResult>, int64_t) {
    parked.set_value();
    released.wait();
  });
  parked.get_future().wait();
  std::atomic<int> finished{0}, busy{0};
  for (int i = 0; i < 100; ++i) {
    accounts_->Login("u" + std::to_string(i) + "@example.org", kPassword, "",
                     [&](Result<LoginResult> r, int64_t) {
                       if (r.status().code() == Code::kUnavailable) ++busy;
                       ++finished;
                     });
  }
  EXPECT_GT(busy.load(), 0);        // answered at once, on this thread
  EXPECT_EQ(busy.load(), finished.load());
  release.set_value();
  accounts_.reset();                // drains the queue and joins
  EXPECT_EQ(finished.load(), 100);
}

TEST_P(AccountsTest, ConcurrentAuthenticateWithUpdatesAndLogouts) {
  ASSERT_TRUE(CreateEmail("ana@example.org").ok());
  auto [r, retry] = Login("ana@example.org");
  ASSERT_TRUE(r.ok());
  Result<Principal> me = accounts_->Authenticate(r->token);
  ASSERT_TRUE(me.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        Result<Principal> p = accounts_->Authenticate(r->token);
        if (!p.ok() || p->user_id != me->user_id) ++failures;
      }
    });
  }
  // Other sessions come and go while the first is read and its profile rewritten.
  for (int i = 0; i < 20; ++i) {
    ProfilePatch patch;
    patch.display_name = "Ana " + std::to_string(i);
    ASSERT_TRUE(Update(*me, patch).ok());
    auto [other, unused] = Login("ana@example.org");
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(accounts_->Authenticate(other->token).ok());
    ASSERT_TRUE(Logout(other->token).ok());
    EXPECT_EQ(accounts_->Authenticate(other->token).status().code(), Code::kUnauthenticated);
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(accounts_->Authenticate(r->token)->display_name, "Ana 19");
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace centinela::auth
