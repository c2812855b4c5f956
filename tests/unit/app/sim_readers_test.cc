// What `centinela simulate` reads before it starts: the units file of `serve --demo` and the
// server's categories weighted by the demo mix.
#include "app/sim_readers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

namespace centinela::app::sim {
namespace {

class UnitsFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("sim_readers_" + std::to_string(::getpid()) + ".json"))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  std::string path_;
};

TEST_F(UnitsFile, ReadsEveryUnit) {
  Write(R"({"units":[{"id":"u1","callsign":"M-1","kind":"car","agency":"police",
            "home_area":"13130","crew_login":"movil1@centinela.demo","device_key":"k1"},
           {"id":"u2","home_area":"13131","device_key":"k2"}]})");
  auto units = ReadUnitsFile(path_);
  ASSERT_TRUE(units.ok()) << units.status().message();
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ((*units)[0].callsign, "M-1");
  EXPECT_EQ((*units)[0].crew_login, "movil1@centinela.demo");
  EXPECT_EQ((*units)[1].id, "u2");
  EXPECT_EQ((*units)[1].kind, "");
}

TEST_F(UnitsFile, MissingFileIsNotFound) {
  auto units = ReadUnitsFile(path_ + ".absent");
  ASSERT_FALSE(units.ok());
  EXPECT_EQ(units.status().code(), Code::kNotFound);
}

TEST_F(UnitsFile, RefusesWhatIsNotAUnitsFile) {
  for (const char* text : {"not json", R"({"units":{}})", R"({"units":[]})",
                           R"({"units":[{"id":"u1","home_area":"13130"}]})"}) {
    Write(text);
    auto units = ReadUnitsFile(path_);
    ASSERT_FALSE(units.ok()) << text;
    EXPECT_EQ(units.status().code(), Code::kInvalidArgument) << text;
  }
}

TEST(CategoriesFromAnswer, WeighsTheDemoMixAndKeepsRestrictedOnesForCalls) {
  const boost::json::value answer = boost::json::parse(R"({"categories":[
      {"code":"hurto","family":"crime","priority":3,"sensitivity":"public","active":true},
      {"code":"violencia_intrafamiliar","family":"violence","priority":1,"sensitivity":"restricted"},
      {"code":"robo","family":"crime","priority":2,"sensitivity":"restricted"},
      {"code":"incendio","family":"emergency","priority":1,"sensitivity":"public","active":false},
      {"code":"not_in_the_mix","family":"crime","priority":3,"sensitivity":"public"}]})");
  const std::vector<Category> got = CategoriesFromAnswer(answer);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].code, "hurto");
  EXPECT_GT(got[0].report_weight, 0);
  EXPECT_EQ(got[0].priority, 3);
  EXPECT_FALSE(got[0].text.empty());
  EXPECT_EQ(got[1].code, "violencia_intrafamiliar");
  EXPECT_EQ(got[1].report_weight, 0);
  EXPECT_GT(got[1].call_weight, 0);
  // Restricted: a call only, never a neighbour's report.
  EXPECT_EQ(got[2].code, "robo");
  EXPECT_EQ(got[2].report_weight, 0);
  EXPECT_GT(got[2].call_weight, 0);
}

}  // namespace
}  // namespace centinela::app::sim
