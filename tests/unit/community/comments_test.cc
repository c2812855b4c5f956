// The pure parts of comments: flag targets, body validation, who moderates, how a comment
// shows to a viewer; and the shared per-user rate limiter.
#include "community/comments.h"

#include <gtest/gtest.h>

#include "community/rate_limit.h"

namespace centinela::community {
namespace {

using auth::Grant;
using auth::Role;

TEST(FlagTarget, ParsesCommentAndReportTargetsOnly) {
  auto c = ParseFlagTarget("comment:abc123");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, FlagTarget::Kind::kComment);
  EXPECT_EQ(c->id, "abc123");
  auto r = ParseFlagTarget("report:ff00");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, FlagTarget::Kind::kReport);
  for (const char* bad :
       {"", "comment:", "user:abc", "report:a'b", "report:a/b", "Report:ab", "comment:abc def"})
    EXPECT_FALSE(ParseFlagTarget(bad)) << bad;
}

TEST(CommentBody, OneToAThousandCodePoints) {
  EXPECT_TRUE(ValidateCommentBody("ok").ok());
  EXPECT_TRUE(ValidateCommentBody(std::string(1000, 'a')).ok());
  std::string enies;
  for (int i = 0; i < 1000; ++i) enies += "ñ";  // 2,000 bytes, 1,000 characters
  EXPECT_TRUE(ValidateCommentBody(enies).ok());
  EXPECT_EQ(ValidateCommentBody(enies + "ñ").code(), Code::kUnprocessable);
  EXPECT_EQ(ValidateCommentBody("").code(), Code::kUnprocessable);
  EXPECT_EQ(ValidateCommentBody(" \n\t").code(), Code::kUnprocessable);
  EXPECT_EQ(ValidateCommentBody("\xff\xfe").code(), Code::kUnprocessable);
  EXPECT_EQ(ValidateCommentBody(std::string("a\0b", 3)).code(), Code::kUnprocessable);
}

Report ReportIn(std::vector<std::string> areas) {
  Report r;
  r.id = "r1";
  r.reporter_id = "reporter";
  r.areas = std::move(areas);
  return r;
}

TEST(Moderates, OperatorsAndAdminsCoveringTheReport) {
  const Report r = ReportIn({"RM", "13130"});
  struct Case {
    std::vector<Grant> grants;
    bool want;
  };
  const std::vector<Case> cases = {
      {{}, false},
      {{{Role::kNeighbour, ""}}, false},
      {{{Role::kOperator, "13130"}}, true},
      {{{Role::kOperator, "RM"}}, true},
      {{{Role::kAdmin, "*"}}, true},
      {{{Role::kOperator, "13109"}}, false},
      {{{Role::kResponder, "13130"}}, false},
      {{{Role::kAnalyst, "13130"}}, false},
      {{{Role::kDeanonymise, "13130"}}, false},
  };
  for (size_t i = 0; i < cases.size(); ++i)
    EXPECT_EQ(Moderates(Viewer{"v", cases[i].grants, {}}, r), cases[i].want) << i;
  const Report nowhere = ReportIn({});
  EXPECT_TRUE(Moderates(Viewer{"v", {{Role::kAdmin, "*"}}, {}}, nowhere));
  EXPECT_FALSE(Moderates(Viewer{"v", {{Role::kOperator, "13130"}}, {}}, nowhere));
}

TEST(DecideComment, HiddenOnlyForModeratorsAndTheAnonymousReporterNamedAsTheReportIs) {
  Report r = ReportIn({"13130"});
  Comment by_other{"c1", "r1", "someone", "Someone", "text", false, "", "", 1};
  Comment by_reporter{"c2", "r1", "reporter", "Rosa", "text", false, "", "", 2};
  Comment hidden = by_other;
  hidden.hidden = true;
  const View community{true, Location::kCoarse, false, false};
  const View staff{true, Location::kExact, false, false};
  const View deanon{true, Location::kExact, true, true};
  const View invisible{};

  EXPECT_TRUE(DecideComment(by_other, r, community, false).visible);
  EXPECT_FALSE(DecideComment(hidden, r, community, false).visible);
  EXPECT_TRUE(DecideComment(hidden, r, staff, true).visible);
  EXPECT_FALSE(DecideComment(by_other, r, invisible, true).visible);

  r.anonymous = true;
  EXPECT_TRUE(DecideComment(by_reporter, r, community, false).by_reporter);
  EXPECT_FALSE(DecideComment(by_other, r, community, false).by_reporter);

  // Who may be named is NamePerson's: the anonymous reporter's comment is as anonymous as the
  // report (to neighbours and staff alike); a deanonymise grant names them, logged.
  const ReportFacts facts = FactsOf(r);
  EXPECT_EQ(NamePerson(by_reporter.author_id, facts, community), Naming::kHidden);
  EXPECT_EQ(NamePerson(by_reporter.author_id, facts, staff), Naming::kHidden);
  EXPECT_EQ(NamePerson(by_reporter.author_id, facts, deanon), Naming::kShownLogged);
  EXPECT_EQ(NamePerson(by_other.author_id, facts, community), Naming::kShown);
  r.anonymous = false;
  EXPECT_EQ(NamePerson(by_reporter.author_id, FactsOf(r), community), Naming::kShown);
}

TEST(RateLimiter, MinuteAndDayWindowsWithRetryAfterAndRelease) {
  FakeClock clock;
  RateLimiter limiter(2, 3, clock);
  EXPECT_FALSE(limiter.Reserve("u"));
  EXPECT_FALSE(limiter.Reserve("u"));
  auto wait = limiter.Reserve("u");
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 60);
  EXPECT_FALSE(limiter.Reserve("other"));
  limiter.Release("u");
  EXPECT_FALSE(limiter.Reserve("u"));
  clock.Advance(61'000);
  EXPECT_FALSE(limiter.Reserve("u"));
  wait = limiter.Reserve("u");  // the day window: 3 in 24 h
  ASSERT_TRUE(wait);
  EXPECT_GT(*wait, 23 * 3600);
  RateLimiter unlimited(0, 0, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(unlimited.Reserve("u"));
}

}  // namespace
}  // namespace centinela::community
