// The staff second factor over a real store (SQLite, and PostgreSQL when
// CENTINELA_TEST_PG_URL is set): enrolment, confirmation, sign-in with and without a code,
// replay, recovery codes, the throttle, the enrol-only token and the audited reset.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <future>
#include <string>
#include <variant>
#include <vector>

#include "auth/accounts.h"
#include "auth/totp.h"
#include "support/await.h"
#include "support/store_fixture.h"

namespace centinela::auth {
namespace {

constexpr const char* kPassword = "correct horse battery";

class TotpAccountsTest : public test::StoreFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStoreWithClock(&clock_));
    if (IsSkipped()) return;
    options_.fast_hash_for_tests = true;
    Reopen();
  }

  void TearDown() override {
    accounts_.reset();
    StoreFixture::TearDown();
  }

  void Reopen() {
    accounts_.reset();
    accounts_ = std::make_unique<Accounts>(*store_, clock_, options_);
  }

  Result<UserView> Create(const std::string& email, std::vector<Grant> grants) {
    NewUser u;
    u.email = email;
    u.password = kPassword;
    u.grants = std::move(grants);
    return test::Await<Result<UserView>>(
        [&](auto done) { accounts_->CreateUser(std::move(u), "cli", std::move(done)); });
  }

  Result<LoginResult> Login(const std::string& login, SecondFactor factor = {},
                            const std::string& password = kPassword) {
    std::promise<Result<LoginResult>> p;
    accounts_->Login(login, password, std::move(factor), "10.0.0.9",
                     [&p](Result<LoginResult> r, int64_t) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  Result<TotpEnrollment> Enrol(const Principal& who) {
    std::promise<Result<TotpEnrollment>> p;
    accounts_->BeginTotpEnrollment(who, [&p](Result<TotpEnrollment> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  Result<std::vector<std::string>> Confirm(const Principal& who, const std::string& code) {
    std::promise<Result<std::vector<std::string>>> p;
    accounts_->ConfirmTotp(who, code, [&p](Result<std::vector<std::string>> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  Status Reset(const std::string& user_id, const std::string& actor) {
    std::promise<Status> p;
    accounts_->ResetTotp(user_id, actor, [&p](Status s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }

  // The code an authenticator app holding `secret_base32` shows now.
  std::string CodeNow(const std::string& secret_base32) {
    return TotpCode(*Base32Decode(secret_base32), clock_.NowMs());
  }

  // Signs in, enrols and confirms: the secret, with the recovery codes in *codes.
  std::string EnableTotp(const std::string& email, std::vector<std::string>* codes = nullptr) {
    Result<LoginResult> r = Login(email);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    Result<Principal> me = accounts_->AuthenticateForTotpEnrollment(r->token);
    EXPECT_TRUE(me.ok());
    Result<TotpEnrollment> e = Enrol(*me);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return {};
    Result<std::vector<std::string>> c = Confirm(*me, CodeNow(e->secret_base32));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (c.ok() && codes) *codes = *c;
    return e->secret_base32;
  }

  std::vector<store::Event> Events(const std::string& type) {
    std::vector<store::Event> out;
    auto events = store_->ReadEvents(0, 1000);
    EXPECT_TRUE(events.ok());
    for (const store::Event& e : *events)
      if (e.type == type) out.push_back(e);
    return out;
  }

  std::string DumpAll() {
    std::string out;
    for (const char* table : {"events", "users", "user_totp", "recovery_codes", "sessions"}) {
      auto rows = store_->Query(std::string("SELECT * FROM ") + table);
      EXPECT_TRUE(rows.ok()) << rows.status().ToString();
      if (!rows.ok()) continue;
      for (const auto& row : rows->rows)
        for (const auto& v : row)
          if (auto* s = std::get_if<std::string>(&v)) out += *s + "|";
    }
    return out;
  }

  FakeClock clock_;
  AccountsOptions options_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_P(TotpAccountsTest, EnrolConfirmThenSignInNeedsAFreshCode) {
  Result<UserView> u = Create("op@example.org", {{Role::kOperator, "13130"}});
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  Result<LoginResult> first = Login("op@example.org");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->totp_enrollment_only);
  Result<Principal> me = accounts_->Authenticate(first->token);
  ASSERT_TRUE(me.ok());
  EXPECT_EQ(accounts_->TotpActive(u->id).value(), false);

  Result<TotpEnrollment> e = Enrol(*me);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->secret_base32.size(), 32u);  // 160 bits
  EXPECT_EQ(Base32Decode(e->secret_base32)->size(), 20u);
  EXPECT_EQ(e->otpauth_uri, "otpauth://totp/Centinela:op@example.org?secret=" + e->secret_base32 +
                                "&issuer=Centinela&algorithm=SHA1&digits=6&period=30");
  // Pending is not active: sign-in still needs no code.
  EXPECT_TRUE(Login("op@example.org").ok());

  const std::string wrong_code = CodeNow(e->secret_base32) == "000000" ? "111111" : "000000";
  Result<std::vector<std::string>> wrong = Confirm(*me, wrong_code);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Code::kUnprocessable);
  EXPECT_EQ(SecondFactorCode(wrong.status()), "totp_invalid");

  const std::string confirm_code = CodeNow(e->secret_base32);
  Result<std::vector<std::string>> codes = Confirm(*me, confirm_code);
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  EXPECT_EQ(codes->size(), static_cast<size_t>(kRecoveryCodeCount));
  EXPECT_EQ(accounts_->TotpActive(u->id).value(), true);
  EXPECT_EQ(Confirm(*me, confirm_code).status().code(), Code::kConflict);  // already active
  EXPECT_EQ(Enrol(*me).status().code(), Code::kConflict);                 // reset first

  std::vector<store::Event> enabled = Events("totp.enabled");
  ASSERT_EQ(enabled.size(), 1u);
  EXPECT_EQ(enabled[0].scope, "admin");
  EXPECT_EQ(enabled[0].actor, u->id);
  EXPECT_EQ(enabled[0].subject, "user:" + u->id);

  // Without a code: told to give one, after the password only.
  Result<LoginResult> no_code = Login("op@example.org");
  ASSERT_FALSE(no_code.ok());
  EXPECT_EQ(no_code.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(SecondFactorCode(no_code.status()), "totp_required");
  Result<LoginResult> bad_password = Login("op@example.org", {}, "wrong password here");
  EXPECT_EQ(SecondFactorCode(bad_password.status()), "");  // plain invalid credentials

  // The code that confirmed the enrolment has been used: a replay is refused.
  Result<LoginResult> replay = Login("op@example.org", {confirm_code, ""});
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(SecondFactorCode(replay.status()), "totp_invalid");

  clock_.Advance(kTotpStepMs);
  const std::string next = CodeNow(e->secret_base32);
  Result<LoginResult> ok = Login("op@example.org", {next.substr(0, 3) + " " + next.substr(3), ""});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(accounts_->Authenticate(ok->token).ok());
  Result<LoginResult> again = Login("op@example.org", {next, ""});  // same step, same code
  EXPECT_EQ(SecondFactorCode(again.status()), "totp_invalid");

  // One step late is still accepted (clock skew), two steps late is not.
  clock_.Advance(kTotpStepMs);
  const std::string at_step = CodeNow(e->secret_base32);
  clock_.Advance(kTotpStepMs);
  EXPECT_TRUE(Login("op@example.org", {at_step, ""}).ok());
  clock_.Advance(5 * kTotpStepMs);  // past the last step accepted: only the window refuses it
  const std::string stale = TotpCode(*Base32Decode(e->secret_base32), clock_.NowMs() - 2 * kTotpStepMs);
  EXPECT_EQ(SecondFactorCode(Login("op@example.org", {stale, ""}).status()), "totp_invalid");

  // The secret and the recovery codes are never in the log, nor in clear in the tables
  // (the secret is, in user_totp: it is a shared secret the server must hold).
  auto events = store_->ReadEvents(0, 1000);
  ASSERT_TRUE(events.ok());
  for (const store::Event& ev : *events) {
    EXPECT_EQ(ev.payload.find(e->secret_base32), std::string::npos) << ev.type;
    for (const std::string& c : *codes) EXPECT_EQ(ev.payload.find(c), std::string::npos) << ev.type;
  }
  const std::string dump = DumpAll();
  for (const std::string& c : *codes) {
    EXPECT_EQ(dump.find(c), std::string::npos);
    std::string plain;
    for (char ch : c)
      if (ch != '-') plain.push_back(ch);
    EXPECT_EQ(dump.find(plain), std::string::npos);
  }
}

TEST_P(TotpAccountsTest, RecoveryCodeSignsInOnce) {
  ASSERT_TRUE(Create("an@example.org", {{Role::kAnalyst, "13"}}).ok());
  std::vector<std::string> codes;
  ASSERT_FALSE(EnableTotp("an@example.org", &codes).empty());
  ASSERT_EQ(codes.size(), 10u);
  // Typed in lower case, without dashes: still the same code.
  std::string typed;
  for (char c : codes[3])
    if (c != '-') typed.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  Result<LoginResult> r = Login("an@example.org", {"", typed});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Result<LoginResult> twice = Login("an@example.org", {"", codes[3]});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(SecondFactorCode(twice.status()), "totp_invalid");
  EXPECT_EQ(SecondFactorCode(Login("an@example.org", {"", "AAAA-BBBB-CCCC-DDDD"}).status()),
            "totp_invalid");
  EXPECT_TRUE(Login("an@example.org", {"", codes[4]}).ok());

  std::vector<store::Event> used = Events("totp.recovery_code_used");
  ASSERT_EQ(used.size(), 2u);
  EXPECT_EQ(used[0].scope, "admin");
  EXPECT_EQ(boost::json::parse(used[0].payload).at("remaining").as_int64(), 9);
  EXPECT_EQ(boost::json::parse(used[1].payload).at("remaining").as_int64(), 8);
  std::vector<store::Event> sessions = Events("session.created");
  ASSERT_FALSE(sessions.empty());
  EXPECT_NE(sessions.back().payload.find("\"second_factor\":\"recovery_code\""), std::string::npos);
}

TEST_P(TotpAccountsTest, WrongCodesAreFailedSignInsForTheThrottle) {
  ASSERT_TRUE(Create("resp@example.org", {{Role::kResponder, "13130"}}).ok());
  const std::string secret = EnableTotp("resp@example.org");
  ASSERT_FALSE(secret.empty());
  clock_.Advance(kTotpStepMs);
  const std::string good = CodeNow(secret);
  const std::string bad = good == "123456" ? "654321" : "123456";
  for (int i = 0; i < options_.throttle.max_failures_per_account; ++i) {
    Result<LoginResult> r = Login("resp@example.org", {bad, ""});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(SecondFactorCode(r.status()), "totp_invalid") << i;
  }
  // Locked out now, even with the right code: guessing codes is throttled like passwords.
  Result<LoginResult> locked = Login("resp@example.org", {good, ""});
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.status().code(), Code::kRateLimited);
}

TEST_P(TotpAccountsTest, RequiredStaffGetAnEnrolOnlyTokenFirst) {
  options_.require_totp_for_staff = true;
  Reopen();
  ASSERT_TRUE(Create("vecino@example.org", {}).ok());
  Result<UserView> admin = Create("admin@example.org", {{Role::kAdmin, std::string(kAllAreas)}});
  ASSERT_TRUE(admin.ok());

  // Neighbours are not staff: a full token, no code.
  Result<LoginResult> n = Login("vecino@example.org");
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE(n->totp_enrollment_only);
  ASSERT_TRUE(accounts_->Authenticate(n->token).ok());
  EXPECT_EQ(Enrol(*accounts_->Authenticate(n->token)).status().code(), Code::kPermissionDenied);

  Result<LoginResult> r = Login("admin@example.org");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->totp_enrollment_only);
  EXPECT_EQ(r->expires_ms, clock_.NowMs() + kTotpEnrollmentTokenTtlMs);
  Result<Principal> refused = accounts_->Authenticate(r->token);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(SecondFactorCode(refused.status()), "totp_enrollment_required");
  {
    // From the store too (no cache): the session row says what the token is for.
    Accounts fresh(*store_, clock_, options_);
    EXPECT_EQ(SecondFactorCode(fresh.Authenticate(r->token).status()), "totp_enrollment_required");
    Result<Principal> p = fresh.AuthenticateForTotpEnrollment(r->token);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->totp_enrollment_only);
  }

  Result<Principal> restricted = accounts_->AuthenticateForTotpEnrollment(r->token);
  ASSERT_TRUE(restricted.ok());
  Result<TotpEnrollment> e = Enrol(*restricted);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_TRUE(Confirm(*restricted, CodeNow(e->secret_base32)).ok());
  // The enrol-only token stays enrol-only; the next sign-in uses the code.
  EXPECT_FALSE(accounts_->Authenticate(r->token).ok());
  EXPECT_EQ(SecondFactorCode(Login("admin@example.org").status()), "totp_required");
  clock_.Advance(kTotpStepMs);
  Result<LoginResult> full = Login("admin@example.org", {CodeNow(e->secret_base32), ""});
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_FALSE(full->totp_enrollment_only);
  Result<Principal> me = accounts_->Authenticate(full->token);
  ASSERT_TRUE(me.ok());
  EXPECT_TRUE(Authorize(*me, {Role::kAdmin}, {"13130"}));
}

TEST_P(TotpAccountsTest, ResetByAnAdminIsAnAuditEvent) {
  Result<UserView> u = Create("op2@example.org", {{Role::kOperator, "13130"}});
  ASSERT_TRUE(u.ok());
  ASSERT_FALSE(EnableTotp("op2@example.org").empty());
  ASSERT_EQ(SecondFactorCode(Login("op2@example.org").status()), "totp_required");

  ASSERT_TRUE(Reset(u->id, "admin-42").ok());
  std::vector<store::Event> reset = Events("totp.reset");
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0].actor, "admin-42");
  EXPECT_EQ(reset[0].subject, "user:" + u->id);
  EXPECT_EQ(reset[0].scope, "admin");
  EXPECT_NE(reset[0].payload.find(u->id), std::string::npos);
  EXPECT_EQ(accounts_->TotpActive(u->id).value(), false);
  auto left = store_->Query("SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1", {u->id});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->Int(0, "n"), 0);

  EXPECT_TRUE(Login("op2@example.org").ok());  // password only again
  EXPECT_EQ(Reset(u->id, "admin-42").code(), Code::kNotFound);
  EXPECT_EQ(Reset("0123456789abcdef0123456789abcdef", "admin-42").code(), Code::kNotFound);
  EXPECT_EQ(Events("totp.reset").size(), 1u);
  // And the user may enrol again.
  EXPECT_FALSE(EnableTotp("op2@example.org").empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, TotpAccountsTest, ::testing::Values("sqlite", "postgresql"),
                         test::BackendParamName);

}  // namespace
}  // namespace centinela::auth
