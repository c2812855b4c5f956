// The media rule's pure parts: what one use (a report, a step) gives a viewer, and that the
// media goes out as the most restrictive of all its uses.
#include "app/media_access.h"

#include <gtest/gtest.h>

namespace centinela::app {
namespace {

TEST(MediaAccess, EachUseGivesWhatItsReadersMayHave) {
  EXPECT_EQ(ReportUse(false, false), MediaGrant::kNothing);
  EXPECT_EQ(ReportUse(false, true), MediaGrant::kNothing);   // staff who may not see the report
  EXPECT_EQ(ReportUse(true, false), MediaGrant::kStripped);  // family, neighbourhood
  EXPECT_EQ(ReportUse(true, true), MediaGrant::kOriginal);
  // Steps: staff covering the incident; the public only on public steps it can see.
  EXPECT_EQ(StepUse(false, true, false), MediaGrant::kOriginal);
  EXPECT_EQ(StepUse(true, true, true), MediaGrant::kOriginal);
  EXPECT_EQ(StepUse(true, false, true), MediaGrant::kStripped);
  EXPECT_EQ(StepUse(false, false, true), MediaGrant::kNothing);  // internal step
  EXPECT_EQ(StepUse(true, false, false), MediaGrant::kNothing);
}

TEST(MediaAccess, TheMostRestrictiveUseWins) {
  using G = MediaGrant;
  EXPECT_EQ(MostRestrictive({}), G::kNothing);  // used by nothing: the uploader's alone
  EXPECT_EQ(MostRestrictive({G::kOriginal}), G::kOriginal);
  EXPECT_EQ(MostRestrictive({G::kOriginal, G::kStripped}), G::kStripped);
  // A restricted report's photo also on a public step: the neighbour sees the step, not the
  // report, so gets nothing.
  EXPECT_EQ(MostRestrictive({StepUse(true, false, true), ReportUse(false, false)}), G::kNothing);
  EXPECT_EQ(MostRestrictive({G::kStripped, G::kNothing, G::kOriginal}), G::kNothing);
}

}  // namespace
}  // namespace centinela::app
