// CAP 1.2 export: every severity x urgency x certainty combination the API accepts (and
// every category) renders an <alert> that validates against the OASIS schema
// (tests/testdata/cap/CAP-v1.2.xsd) with xmllint; a broken alert is refused by the same
// check, so the check can fail.
#include "dispatch/broadcasts.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "support/test_data.h"

namespace centinela::dispatch {
namespace {

constexpr int64_t kNow = 1'790'000'000'000;

Broadcast Sample() {
  Broadcast b;
  b.id = "0123456789abcdef0123456789abcdef";
  b.sender_id = "op";
  b.headline = "Corte de tránsito & humo <Gran Avenida>";
  b.body = "Incendio en bodega; evite el sector \"Lo Vial\".";
  b.instruction = "Cierre ventanas.";
  b.severity = "Severe";
  b.urgency = "Immediate";
  b.certainty = "Observed";
  b.category = "Fire";
  b.areas = {"13130"};
  b.area_names = {"San Miguel"};
  b.polygon = {{-33.49, -70.66}, {-33.49, -70.64}, {-33.51, -70.64}, {-33.49, -70.66}};
  b.created_ms = kNow;
  b.expires_ms = kNow + 3600'000;
  return b;
}

std::string Xsd() { return centinela::test::TestDataPath("cap/CAP-v1.2.xsd"); }

// xmllint's exit status over the files.
int Validate(const std::vector<std::string>& files) {
  std::string cmd = "xmllint --noout --schema '" + Xsd() + "'";
  for (const std::string& f : files) cmd += " '" + f + "'";
  cmd += " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

class CapExport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v xmllint >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "xmllint missing (Debian libxml2-utils; scripts/install-deps.sh)";
    // ctest runs each case in its own process, in parallel: one directory per case and process.
    dir_ = ::testing::TempDir() + "/cap_export_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
           std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(CapExport, EveryAcceptedCombinationValidatesAgainstTheXsd) {
  ASSERT_EQ(CapSeverities().size() * CapUrgencies().size() * CapCertainties().size(), 125u);
  std::vector<std::string> files;
  size_t n = 0;
  for (const std::string& sev : CapSeverities())
    for (const std::string& urg : CapUrgencies())
      for (const std::string& cer : CapCertainties()) {
        Broadcast b = Sample();
        b.severity = sev;
        b.urgency = urg;
        b.certainty = cer;
        b.category = CapCategories()[n % CapCategories().size()];
        if (n % 3 == 1) b.polygon.clear();         // areas only
        if (n % 3 == 2) b.areas.clear();           // polygon only
        if (n % 2) b.instruction.clear();
        if (n % 4 == 3) {  // a second <info> in English
          b.headline_en = "Road closed & smoke <Gran Avenida>";
          b.body_en = "Warehouse fire; avoid the area.";
          if (n % 8 == 7) b.instruction_en = "Close your windows.";
        }
        ASSERT_TRUE(ValidateBroadcast(b, kNow).ok()) << sev << urg << cer;
        files.push_back(Write("alert" + std::to_string(n++) + ".xml",
                              RenderCap(b, "centinela@municipalidad.example")));
      }
  EXPECT_EQ(Validate(files), 0);
}

TEST_F(CapExport, TheCheckRefusesABrokenAlert) {
  std::string good = RenderCap(Sample(), "centinela@example.cl");
  ASSERT_EQ(Validate({Write("good.xml", good)}), 0);
  std::string bad = good;
  bad.replace(bad.find("Severe"), 6, "Terrible");
  EXPECT_NE(Validate({Write("bad_severity.xml", bad)}), 0);
  std::string bad_time = good;
  bad_time.replace(bad_time.find("+00:00"), 6, "Z");
  EXPECT_NE(Validate({Write("bad_time.xml", bad_time)}), 0);
}

TEST(Broadcasts, TheEnglishVersionIsASecondInfo) {
  Broadcast b = Sample();
  std::string es_only = RenderCap(b, "centinela@example.cl");
  EXPECT_EQ(es_only.find("<language>en-US</language>"), std::string::npos);
  b.headline_en = "Road closed";
  b.body_en = "Avoid the area.";
  ASSERT_TRUE(ValidateBroadcast(b, kNow).ok());
  std::string both = RenderCap(b, "centinela@example.cl");
  size_t es = both.find("<language>es-CL</language>");
  size_t en = both.find("<language>en-US</language>");
  ASSERT_NE(es, std::string::npos);
  ASSERT_NE(en, std::string::npos);
  EXPECT_LT(es, en);
  EXPECT_NE(both.find("<headline>Road closed</headline>", en), std::string::npos);
  EXPECT_NE(both.find("<value>13130</value>", en), std::string::npos);  // each info names the area
  auto refused = [](Broadcast x) { return ValidateBroadcast(x, kNow).code() == Code::kUnprocessable; };
  Broadcast x = b;
  x.body_en.clear();  // a headline without a body
  EXPECT_TRUE(refused(x));
  x = Sample();
  x.instruction_en = "Close windows.";  // an instruction without the English text
  EXPECT_TRUE(refused(x));
  x = b;
  x.headline_en = std::string(161, 'a');
  EXPECT_TRUE(refused(x));
}

TEST(Broadcasts, ValidationRefusesWhatCapCannotSay) {
  Broadcast b = Sample();
  ASSERT_TRUE(ValidateBroadcast(b, kNow).ok());
  auto refused = [](Broadcast x) { return ValidateBroadcast(x, kNow).code() == Code::kUnprocessable; };
  Broadcast x = b;
  x.severity = "severe";  // CAP codes are case-sensitive
  EXPECT_TRUE(refused(x));
  x = b;
  x.urgency = "Now";
  EXPECT_TRUE(refused(x));
  x = b;
  x.certainty = "";
  EXPECT_TRUE(refused(x));
  x = b;
  x.category = "Crime";
  EXPECT_TRUE(refused(x));
  x = b;
  x.expires_ms = kNow;
  EXPECT_TRUE(refused(x));
  x = b;
  x.expires_ms = kNow + 8LL * 24 * 3600'000;
  EXPECT_TRUE(refused(x));
  x = b;
  x.areas.clear();
  x.polygon.clear();
  EXPECT_TRUE(refused(x));
  x = b;
  x.polygon.pop_back();  // not closed
  EXPECT_TRUE(refused(x));
  x = b;
  x.headline.clear();
  EXPECT_TRUE(refused(x));
  EXPECT_EQ(CapTime(0), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(CapTime(1453920947123), "2016-01-27T18:55:47+00:00");
}

TEST(Broadcasts, AtomFeedLinksEachCap) {
  Broadcast b = Sample();
  std::string atom = RenderAtom({b}, "https://centinela.example", kNow);
  EXPECT_NE(atom.find("<feed xmlns=\"http://www.w3.org/2005/Atom\">"), std::string::npos);
  EXPECT_NE(atom.find("https://centinela.example/api/v1/broadcasts/" + b.id + ".cap"),
            std::string::npos);
  EXPECT_NE(atom.find("&amp; humo &lt;Gran Avenida&gt;"), std::string::npos);
  EXPECT_EQ(atom.find("<Gran"), std::string::npos);
}

}  // namespace
}  // namespace centinela::dispatch
