// The one header of event types and scopes (events/types.h): the table is sorted, unique and
// well-formed; docs/architecture.md holds it verbatim; every type the sources append is a
// constant of the header (no event type spelt as a string literal in src/); scopes built by
// the constructors parse back to what they were built from.

#include "events/types.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace centinela::events {
namespace {

std::string ReadSource(const std::string& rel) {
  std::ifstream in(std::string(CENTINELA_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

//! The markdown table docs/architecture.md must hold.
std::string Table() {
  std::string out = "| event type | what happened |\n|---|---|\n";
  for (const EventType& t : kEventTypes) out += std::string("| `") + t.name + "` | " + t.what + " |\n";
  return out;
}

TEST(EventTypes, TheTableIsSortedUniqueAndDotted) {
  const std::regex dotted("[a-z]+\\.[a-z_]+");
  std::string previous;
  for (const EventType& t : kEventTypes) {
    const std::string name = t.name;
    EXPECT_TRUE(std::regex_match(name, dotted)) << name;
    EXPECT_LT(previous, name) << "not sorted or repeated: " << name;
    EXPECT_FALSE(std::string(t.what).empty()) << name;
    previous = name;
  }
}

TEST(EventTypes, ArchitectureDocHoldsTheTableVerbatim) {
  const std::string doc = ReadSource("docs/architecture.md");
  ASSERT_FALSE(doc.empty());
  EXPECT_NE(doc.find(Table()), std::string::npos)
      << "docs/architecture.md's table of event types differs from events/types.h:\n" << Table();
}

// A type written as a string literal next to a Tx::Append or an EventDraft would bypass the
// table: the sources name types only through events::type constants.
TEST(EventTypes, NoSourceSpellsAKnownTypeAsALiteral) {
  std::set<std::string> names;
  for (const EventType& t : kEventTypes) names.insert(t.name);
  const std::regex literal("\"([a-z]+\\.[a-z_]+)\"");
  int files = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(CENTINELA_SOURCE_DIR) + "/src")) {
    if (entry.path().extension() != ".cc") continue;
    if (entry.path().filename() == "types.h") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      const std::string code = line.substr(0, line.find("//"));
      for (std::sregex_iterator it(code.begin(), code.end(), literal), end; it != end; ++it) {
        EXPECT_EQ(names.count((*it)[1]), 0u)
            << entry.path().string() << ":" << n << " spells event type " << (*it)[1]
            << " as a literal; use events::type::k…";
      }
    }
  }
  EXPECT_GT(files, 50);
}

TEST(EventScopes, ConstructorsParseBack) {
  using Kind = scope::Parsed::Kind;
  EXPECT_EQ(scope::Parse(scope::User("u1")).kind, Kind::kUser);
  EXPECT_EQ(scope::Parse(scope::User("u1")).target, "u1");
  EXPECT_EQ(scope::Parse(scope::Report("r-9")).kind, Kind::kReport);
  EXPECT_EQ(scope::Parse(scope::Report("r-9")).target, "r-9");
  EXPECT_EQ(scope::Parse(scope::StaffArea("13101")).kind, Kind::kStaffArea);
  EXPECT_EQ(scope::Parse(scope::StaffArea("13101")).target, "13101");
  EXPECT_EQ(scope::Parse(scope::kAdmin).kind, Kind::kAdmin);
  EXPECT_EQ(scope::Parse(scope::kPublic).kind, Kind::kPublic);
  EXPECT_EQ(scope::Parse(scope::kBroadcast).kind, Kind::kBroadcast);
  EXPECT_EQ(scope::Parse("staff:13101").kind, Kind::kNone);
  EXPECT_EQ(scope::Parse("").kind, Kind::kNone);
}

}  // namespace
}  // namespace centinela::events
