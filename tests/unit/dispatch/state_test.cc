#include "dispatch/state.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace centinela::dispatch {
namespace {

// The machine written out by hand, independent of state.cc: every arrow that exists.
const std::set<std::pair<std::string, std::string>> kArrows = {
    {"new", "acknowledged"},      {"new", "closed"},
    {"acknowledged", "dispatched"}, {"acknowledged", "closed"},
    {"dispatched", "en_route"},   {"en_route", "on_scene"},
    {"on_scene", "resolved"},     {"resolved", "closed"},
    {"resolved", "acknowledged"},  // reopen
    {"closed", "acknowledged"},    // reopen
};

const char* kNames[] = {"new",      "acknowledged", "dispatched", "en_route",
                        "on_scene", "resolved",     "closed"};

TEST(IncidentStateMachine, NamesRoundTrip) {
  ASSERT_EQ(AllStatuses().size(), 7u);
  for (const char* n : kNames) {
    auto s = ParseStatus(n);
    ASSERT_TRUE(s) << n;
    EXPECT_EQ(StatusName(*s), n);
  }
  EXPECT_FALSE(ParseStatus("NEW"));
  EXPECT_FALSE(ParseStatus(""));
  EXPECT_FALSE(ParseStatus("cancelled"));
}

// Every one of the 49 (from, to) pairs, with the inputs a valid request would carry.
TEST(IncidentStateMachine, EveryPairIsAllowedExactlyWhenTheTableSaysSo) {
  int allowed = 0;
  for (const char* from_name : kNames) {
    for (const char* to_name : kNames) {
      const IncidentStatus from = *ParseStatus(from_name);
      TransitionRequest req;
      req.to = *ParseStatus(to_name);
      if (req.to == IncidentStatus::kClosed) req.outcome = "false_alarm";
      if (IsReopen(from, req.to)) req.reason = "vecino volvió a llamar";
      const bool expected = kArrows.count({from_name, to_name}) > 0;
      EXPECT_EQ(TransitionExists(from, req.to), expected) << from_name << " -> " << to_name;
      Status s = CheckTransition(from, req);
      if (expected) {
        EXPECT_TRUE(s.ok()) << from_name << " -> " << to_name << ": " << s.ToString();
        ++allowed;
      } else {
        EXPECT_EQ(s.code(), Code::kConflict) << from_name << " -> " << to_name;
      }
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(kArrows.size()));
}

TEST(IncidentStateMachine, ClosingNeedsAKnownOutcome) {
  for (const char* from : {"new", "acknowledged", "resolved"}) {
    TransitionRequest req;
    req.to = IncidentStatus::kClosed;
    EXPECT_EQ(CheckTransition(*ParseStatus(from), req).code(), Code::kUnprocessable) << from;
    req.outcome = "sold_the_car";
    EXPECT_EQ(CheckTransition(*ParseStatus(from), req).code(), Code::kUnprocessable) << from;
    for (const std::string& o : OutcomeCodes()) {
      req.outcome = o;
      EXPECT_TRUE(CheckTransition(*ParseStatus(from), req).ok()) << from << " " << o;
    }
  }
  for (const char* o : {"arrest", "assistance_given", "no_finding", "false_alarm", "referred"})
    EXPECT_TRUE(IsOutcome(o)) << o;
}

TEST(IncidentStateMachine, OutcomeOnlyWhenClosing) {
  TransitionRequest req;
  req.to = IncidentStatus::kAcknowledged;
  req.outcome = "arrest";
  EXPECT_EQ(CheckTransition(IncidentStatus::kNew, req).code(), Code::kUnprocessable);
}

TEST(IncidentStateMachine, ReopenNeedsAReason) {
  for (IncidentStatus from : {IncidentStatus::kClosed, IncidentStatus::kResolved}) {
    TransitionRequest req;
    req.to = IncidentStatus::kAcknowledged;
    EXPECT_TRUE(IsReopen(from, req.to));
    EXPECT_EQ(CheckTransition(from, req).code(), Code::kUnprocessable);
    req.reason = "new information";
    EXPECT_TRUE(CheckTransition(from, req).ok());
    EXPECT_EQ(StepKindFor(from, req.to), "reopened");
  }
  EXPECT_FALSE(IsReopen(IncidentStatus::kNew, IncidentStatus::kAcknowledged));
  EXPECT_EQ(StepKindFor(IncidentStatus::kNew, IncidentStatus::kAcknowledged), "acknowledged");
}

// The conflict is decided before the inputs: a missing outcome on an impossible arrow is
// still a 409.
TEST(IncidentStateMachine, InvalidArrowIsConflictWhateverTheInputs) {
  TransitionRequest req;
  req.to = IncidentStatus::kClosed;
  EXPECT_EQ(CheckTransition(IncidentStatus::kOnScene, req).code(), Code::kConflict);
}

TEST(Timeline, PublicStepsAreThePilotsFive) {
  // "aviso recibido", "lo llamamos", "carro en camino", "en el lugar", "cerrado".
  std::set<std::string> public_kinds;
  for (const char* k : {"received", "acknowledged", "contacted", "dispatched", "en_route",
                        "on_scene", "resolved", "closed", "reopened", "note", "merged",
                        "unit_assigned"}) {
    ASSERT_TRUE(IsStepKind(k)) << k;
    if (DefaultPublic(k)) public_kinds.insert(k);
  }
  EXPECT_EQ(public_kinds, (std::set<std::string>{"acknowledged", "contacted", "en_route",
                                                 "on_scene", "closed"}));
  EXPECT_EQ(LabelFor("acknowledged").es, "aviso recibido");
  EXPECT_EQ(LabelFor("contacted").es, "lo llamamos");
  EXPECT_EQ(LabelFor("en_route").es, "carro en camino");
  EXPECT_EQ(LabelFor("on_scene").es, "en el lugar");
  EXPECT_EQ(LabelFor("closed").es, "cerrado");
  EXPECT_FALSE(IsStepKind("bogus"));
  EXPECT_TRUE(IsManualStepKind("contacted"));
  EXPECT_TRUE(IsManualStepKind("note"));
  EXPECT_FALSE(IsManualStepKind("closed"));
}

TEST(Timeline, ResponseTimeMarks) {
  EXPECT_EQ(MarkColumnFor(IncidentStatus::kAcknowledged), "acknowledged_ms");
  EXPECT_EQ(MarkColumnFor(IncidentStatus::kDispatched), "dispatched_ms");
  EXPECT_EQ(MarkColumnFor(IncidentStatus::kOnScene), "on_scene_ms");
  EXPECT_EQ(MarkColumnFor(IncidentStatus::kClosed), "closed_ms");
  EXPECT_EQ(MarkColumnFor(IncidentStatus::kEnRoute), "");
  EXPECT_EQ(MarkColumnFor(IncidentStatus::kNew), "");
}

}  // namespace
}  // namespace centinela::dispatch
