// `centinela access review` over a real store (SQLite, and PostgreSQL when
// CENTINELA_TEST_PG_URL is set): grant uses noted on the request path reach
// grants.last_used_ms, sign-ins reach users.last_login_ms, and UnusedGrants lists exactly the
// staff grants older than the cutoff and unused since.
#include "auth/access_review.h"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <string>

#include "auth/accounts.h"
#include "auth/grant_use.h"
#include "support/await.h"
#include "support/store_fixture.h"

namespace centinela::auth {
namespace {

constexpr const char* kPassword = "correct horse battery";
constexpr int64_t kDayMs = 24LL * 3600 * 1000;

TEST(GrantUseTrackerTest, KeepsTheLatestUsePerGrantAtMinuteGranularity) {
  GrantUseTracker t;
  const Grant op{Role::kOperator, "13130"};
  t.Note("u1", op, 1'000'000);
  t.Note("u1", op, 1'000'000 + 30'000);  // within the minute: not worth a lock
  t.Note("u1", {Role::kAnalyst, "13"}, 1'000'000);
  t.Note("u2", op, 900'000);
  std::vector<GrantUseTracker::Use> uses = t.Take();
  ASSERT_EQ(uses.size(), 3u);
  std::map<std::string, int64_t> by;
  for (const auto& u : uses) by[u.user_id + "/" + std::string(RoleName(u.grant.role))] = u.last_used_ms;
  EXPECT_EQ(by["u1/operator"], 1'000'000);
  EXPECT_EQ(by["u1/analyst"], 1'000'000);
  EXPECT_EQ(by["u2/operator"], 900'000);
  EXPECT_TRUE(t.Take().empty());  // taken once
  t.Note("u1", op, 1'000'000 + 61'000);
  t.Note("u1", op, 1'000'000 + 200'000);
  uses = t.Take();
  ASSERT_EQ(uses.size(), 1u);
  EXPECT_EQ(uses[0].last_used_ms, 1'000'000 + 200'000);
}

class AccessReviewTest : public test::StoreFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStoreWithClock(&clock_));
    if (IsSkipped()) return;
    AccountsOptions o;
    o.fast_hash_for_tests = true;
    accounts_ = std::make_unique<Accounts>(*store_, clock_, o);
  }

  void TearDown() override {
    accounts_.reset();
    StoreFixture::TearDown();
  }

  UserView Create(const std::string& email, std::vector<Grant> grants) {
    NewUser u;
    u.email = email;
    u.password = kPassword;
    u.grants = std::move(grants);
    auto r = test::Await<Result<UserView>>(
        [&](auto done) { accounts_->CreateUser(std::move(u), "cli", std::move(done)); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : UserView{};
  }

  Principal SignIn(const std::string& email) {
    std::promise<Result<LoginResult>> p;
    accounts_->Login(email, kPassword, "10.0.0.1",
                     [&p](Result<LoginResult> r, int64_t) { p.set_value(std::move(r)); });
    Result<LoginResult> r = p.get_future().get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    return *accounts_->Authenticate(r->token);
  }

  FakeClock clock_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_P(AccessReviewTest, ListsStaffGrantsUnusedForTheWindow) {
  const int64_t t0 = clock_.NowMs();
  const Grant op{Role::kOperator, "13130"};
  const Grant an{Role::kAnalyst, "13"};
  UserView idle = Create("idle@example.org", {op});          // never used: listed
  UserView busy = Create("busy@example.org", {op, an});      // operator used: only analyst listed
  UserView old_use = Create("old@example.org", {an});        // used once, long ago: listed
  Create("vecina@example.org", {});                          // neighbour: never listed
  Principal idle_p = SignIn("idle@example.org");             // a sign-in is not a grant use
  ASSERT_FALSE(idle_p.user_id.empty());

  clock_.Advance(kDayMs / 2);
  Principal old_p = SignIn("old@example.org");
  accounts_->NoteGrantUse(old_p, an);
  ASSERT_TRUE(accounts_->FlushGrantUse().ok());

  clock_.Advance(89 * kDayMs);  // t0 + 89.5 days
  UserView recent = Create("new@example.org", {an});  // granted within the window: not listed
  clock_.Advance(kDayMs + kDayMs / 2);  // t0 + 91 days
  Principal busy_p = SignIn("busy@example.org");
  accounts_->NoteGrantUse(busy_p, op);
  ASSERT_TRUE(accounts_->FlushGrantUse().ok());

  const int64_t now = clock_.NowMs();
  Result<std::vector<GrantReview>> rows = UnusedGrants(*store_, now - 90 * kDayMs);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  // Ordered by login: busy, idle, old.
  EXPECT_EQ((*rows)[0].email, "busy@example.org");
  EXPECT_EQ((*rows)[0].grant, an);
  EXPECT_FALSE((*rows)[0].last_used_ms);
  EXPECT_EQ((*rows)[0].last_login_ms, now);
  EXPECT_EQ((*rows)[1].user_id, idle.id);
  EXPECT_EQ((*rows)[1].grant, op);
  EXPECT_EQ((*rows)[1].granted_ms, t0);
  EXPECT_FALSE((*rows)[1].last_used_ms);
  EXPECT_EQ((*rows)[1].last_login_ms, t0);
  EXPECT_EQ((*rows)[2].user_id, old_use.id);
  EXPECT_EQ((*rows)[2].last_used_ms, t0 + kDayMs / 2);

  // A shorter window: the grant given 1.5 days ago is now old enough, the 91-day-old use of
  // busy's operator grant is still recent.
  rows = UnusedGrants(*store_, now - kDayMs);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[2].user_id, recent.id);
  for (const GrantReview& g : *rows) EXPECT_FALSE(g.user_id == busy.id && g.grant == op);
}

TEST_P(AccessReviewTest, UsesAreSavedWhenTheAccountsObjectCloses) {
  UserView u = Create("op@example.org", {{Role::kOperator, "13130"}});
  Principal p = SignIn("op@example.org");
  clock_.Advance(10 * 60'000);
  accounts_->NoteGrantUse(p, {Role::kOperator, "13130"});  // first use: flushed at once
  clock_.Advance(2 * 60'000);
  const int64_t last = clock_.NowMs();
  accounts_->NoteGrantUse(p, {Role::kOperator, "13130"});  // within the flush interval: kept
  accounts_.reset();                                       // ... and saved on the way out
  auto r = store_->Query("SELECT last_used_ms FROM grants WHERE user_id = $1 AND role = 'operator'",
                         {u.id});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->Int(0, "last_used_ms"), last);
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessReviewTest, ::testing::Values("sqlite", "postgresql"),
                         test::BackendParamName);

}  // namespace
}  // namespace centinela::auth
