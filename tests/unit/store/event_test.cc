#include "store/event.h"

#include <gtest/gtest.h>

#include "common/hash.h"

namespace centinela::store {
namespace {

Event Sample() {
  Event e;
  e.seq = 12;
  e.time_ms = 1'700'000'000'123;
  e.type = "report.created";
  e.actor = "user:42";
  e.subject = "report:7";
  e.scope = "staff:area:13130";
  e.payload = R"({"category":"robbery"})";
  e.prev_hash = kGenesisHash;
  return e;
}

TEST(EventTest, CanonicalEncodingIsLengthPrefixedInFieldOrder) {
  Event e;
  e.seq = 1;
  e.time_ms = 20;
  e.type = "a";
  e.actor = "";
  e.subject = "xy";
  e.scope = "s";
  e.payload = "{}";
  e.prev_hash = "p";
  EXPECT_EQ(CanonicalEncoding(e), "1:1;2:20;1:a;0:;2:xy;1:s;2:{};1:p;");
}

TEST(EventTest, CanonicalEncodingIgnoresHash) {
  Event a = Sample();
  Event b = Sample();
  b.hash = "anything";
  EXPECT_EQ(CanonicalEncoding(a), CanonicalEncoding(b));
  EXPECT_EQ(ComputeEventHash(a), ComputeEventHash(b));
}

// Moving a boundary between adjacent fields keeps the concatenated bytes the same; the
// encoding (and so the hash) must still differ.
TEST(EventTest, ShiftedFieldBoundaryHashesDifferently) {
  struct Case {
    const char* name;
    void (*edit_a)(Event&);
    void (*edit_b)(Event&);
  };
  const Case cases[] = {
      {"type|actor", [](Event& e) { e.type = "ab"; e.actor = "c"; },
       [](Event& e) { e.type = "a"; e.actor = "bc"; }},
      {"subject|scope", [](Event& e) { e.subject = "report:7s"; e.scope = "taff"; },
       [](Event& e) { e.subject = "report:7"; e.scope = "staff"; }},
      {"scope|payload", [](Event& e) { e.scope = "x;"; e.payload = "{}"; },
       [](Event& e) { e.scope = "x"; e.payload = ";{}"; }},
      {"separator inside a field", [](Event& e) { e.actor = "1:a;"; e.subject = ""; },
       [](Event& e) { e.actor = ""; e.subject = "1:a;"; }},
      {"empty vs moved", [](Event& e) { e.type = ""; e.actor = "typeactor"; },
       [](Event& e) { e.type = "type"; e.actor = "actor"; }},
  };
  for (const Case& c : cases) {
    Event a = Sample();
    Event b = Sample();
    c.edit_a(a);
    c.edit_b(b);
    EXPECT_NE(CanonicalEncoding(a), CanonicalEncoding(b)) << c.name;
    EXPECT_NE(ComputeEventHash(a), ComputeEventHash(b)) << c.name;
  }
}

TEST(EventTest, EveryFieldButHashChangesTheHash) {
  const std::string base = ComputeEventHash(Sample());
  auto changed = [&](void (*edit)(Event&)) {
    Event e = Sample();
    edit(e);
    return ComputeEventHash(e);
  };
  EXPECT_NE(changed([](Event& e) { e.seq = 13; }), base);
  EXPECT_NE(changed([](Event& e) { e.time_ms += 1; }), base);
  EXPECT_NE(changed([](Event& e) { e.type = "report.updated"; }), base);
  EXPECT_NE(changed([](Event& e) { e.actor = "user:43"; }), base);
  EXPECT_NE(changed([](Event& e) { e.subject = "report:8"; }), base);
  EXPECT_NE(changed([](Event& e) { e.scope = "admin"; }), base);
  EXPECT_NE(changed([](Event& e) { e.payload = "{}"; }), base);
  EXPECT_NE(changed([](Event& e) {
              e.prev_hash = "1111111111111111111111111111111111111111111111111111111111111111";
            }),
            base);
}

TEST(EventTest, HashIsSha256OfRawPrevHashAndEncoding) {
  InitCrypto();
  Event e = Sample();
  e.prev_hash = "00ff" + std::string(60, '0');
  std::string raw_prev(32, '\0');
  raw_prev[1] = static_cast<char>(0xff);
  const std::string h = ComputeEventHash(e);
  EXPECT_EQ(h, Sha256Hex(raw_prev + CanonicalEncoding(e)));
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h, ComputeEventHash(e));  // deterministic
}

}  // namespace
}  // namespace centinela::store
