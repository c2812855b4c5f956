// The allow-lists of community/render.h, held against literal lists: adding a field to a
// variant of a resource means editing this file.
#include "community/render.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

namespace centinela::community {
namespace {

namespace json = boost::json;
using V = ReportVariant;
using Fields = std::vector<std::string>;

TEST(RenderAllowList, EveryFieldOfEveryVariantIsListedHere) {
  const Fields created_full = {"id", "category", "sensitivity", "priority", "lat", "lon",
                               "anonymous", "share_with_family", "reporter_id", "areas",
                               "agencies", "location"};
  const Fields created_hidden = {"id", "category", "sensitivity", "priority", "lat", "lon",
                                 "anonymous", "share_with_family", "areas", "agencies",
                                 "location"};
  const Fields step = {"incident_id", "step_id", "kind", "status", "label", "note",
                       "media_id", "at", "outcome", "report_id"};
  const std::map<std::pair<std::string, V>, Fields> expected = {
      {{"report.created", V::kExactShown}, created_full},
      {{"report.created", V::kExactHidden}, created_hidden},
      {{"report.created", V::kCoarseShown}, created_full},
      {{"report.created", V::kCoarseHidden}, created_hidden},
      {{"comment.added", V::kExactShown}, {"comment_id", "report_id"}},
      {{"comment.added", V::kExactHidden}, {"comment_id", "report_id"}},
      {{"comment.added", V::kCoarseShown}, {"comment_id", "report_id"}},
      {{"comment.added", V::kCoarseHidden}, {"comment_id", "report_id"}},
      {{"report.confirmed", V::kExactShown}, {"report_id"}},
      {{"report.confirmed", V::kExactHidden}, {"report_id"}},
      {{"report.confirmed", V::kCoarseShown}, {"report_id"}},
      {{"report.confirmed", V::kCoarseHidden}, {"report_id"}},
      {{"report.step", V::kExactShown}, step},
      {{"report.step", V::kExactHidden}, step},
      {{"report.step", V::kCoarseShown}, step},
      {{"report.step", V::kCoarseHidden}, step},
  };
  for (const auto& [key, fields] : expected)
    EXPECT_EQ(FieldsOf(key.first, key.second), fields)
        << key.first << " variant " << static_cast<int>(key.second);
  const Fields broadcast = {"id", "headline", "body", "severity", "urgency", "certainty",
                            "category", "areas", "expires_at", "instruction", "headline_en",
                            "body_en", "instruction_en", "polygon"};
  EXPECT_EQ(FieldsOf("broadcast.sent", V::kCoarseHidden), broadcast);
  // The REST report keeps every key, null where the variant withholds it (kNull).
  const Fields report = {"id", "category", "family", "sensitivity", "priority", "lat", "lon",
                         "location", "anonymous", "share_with_family", "areas", "agencies",
                         "status", "confirmations", "comments", "media", "created_at",
                         "updated_at", "accuracy", "address", "description", "reporter"};
  for (V v : kReportVariants) EXPECT_EQ(FieldsOf("report", v), report);
  const std::map<V, Fields> nulled = {{V::kExactShown, {}},
                                      {V::kExactHidden, {"reporter"}},
                                      {V::kCoarseShown, {"accuracy", "address"}},
                                      {V::kCoarseHidden, {"accuracy", "address", "reporter"}}};
  for (const auto& [v, fields] : nulled) {
    Fields got;
    for (const AllowedField& f : ReportFields())
      if (f.rules[static_cast<size_t>(v)] == FieldRule::kNull) got.emplace_back(f.name);
    EXPECT_EQ(got, fields) << static_cast<int>(v);
  }
  // Any other event type about a report shows nothing to anyone.
  for (V v : kReportVariants) EXPECT_TRUE(FieldsOf("report.rewritten", v).empty());
}

TEST(RenderReportEvent, CoarseVariantsCarryTheCellNeverThePoint) {
  json::object o = json::parse(R"({"id":"p1","lat":-33.4961,"lon":-70.6512,"reporter_id":"R",)"
                               R"("address":"Av. 1","secret":1})")
                       .as_object();
  EXPECT_EQ(RenderReportEvent("report.created", o, "R", V::kExactShown),
            R"({"id":"p1","lat":-33.4961,"lon":-70.6512,"reporter_id":"R","location":"exact"})");
  json::object coarse =
      json::parse(RenderReportEvent("report.created", o, "R", V::kCoarseHidden)).as_object();
  EXPECT_DOUBLE_EQ(coarse.at("lat").to_number<double>(), CoarsenLat(-33.4961));
  EXPECT_DOUBLE_EQ(coarse.at("lon").to_number<double>(), CoarsenLon(-33.4961, -70.6512));
  EXPECT_EQ(coarse.at("location").as_string(), "coarse");
  EXPECT_FALSE(coarse.contains("reporter_id"));
  EXPECT_FALSE(coarse.contains("address"));
  EXPECT_FALSE(coarse.contains("secret"));
  EXPECT_EQ(RenderReportEvent("report.rewritten", o, "R", V::kExactShown), "{}");
}

TEST(RenderReportEvent, VariantOfFollowsTheViewAndTheNaming) {
  EXPECT_EQ(VariantOf(View{true, Location::kExact, true, false}, true), V::kExactShown);
  EXPECT_EQ(VariantOf(View{true, Location::kExact, true, true}, false), V::kExactHidden);
  EXPECT_EQ(VariantOf(View{true, Location::kCoarse, true, false}, true), V::kCoarseShown);
  EXPECT_EQ(VariantOf(View{true, Location::kCoarse, false, false}, false), V::kCoarseHidden);
}

}  // namespace
}  // namespace centinela::community
