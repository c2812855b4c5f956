// Neighbourhood membership over loopback against the real binary, on SQLite and PostgreSQL:
// a neighbour asks to join, an operator covering the area approves, and only then does the
// neighbour see the neighbourhood's public reports; staff outside the area get 403; ids and
// proofs are validated (422); a second active request is 409; the adoption figure counts
// approved members.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "api_client.h"
#include "support/jpeg_fixture.h"

namespace centinela::testing {
namespace {

// A home and a report point in one San Miguel block, and a point elsewhere in the region.
constexpr double kHomeLat = -33.4960, kHomeLon = -70.6510;
constexpr double kFarLat = -33.6500, kFarLon = -70.7500;

struct MembershipDeployment : Deployment {
  Account op_in, op_out;
};

class MembershipTest : public DeployedTest<MembershipDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-membership"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_MEMBERSHIPS_MAX_PER_DAY=1000"};
  }
  void Populate(MembershipDeployment& d) override {
    struct A {
      const char* code;
      const char* kind;
      const char* parent;
      int64_t population;
      json::value geometry;
    };
    const A areas[] = {
        {"RM", "region", "", 0, Box(-70.80, -33.70, -70.50, -33.40)},
        {"SM", "sector", "RM", 0, Box(-70.70, -33.55, -70.60, -33.45)},
        {"SM-01", "neighbourhood", "SM", 1234, Box(-70.655, -33.50, -70.645, -33.49)},
        {"SM-02", "neighbourhood", "SM", 500, Box(-70.69, -33.54, -70.68, -33.53)},
        {"LC", "sector", "RM", 800, Box(-70.78, -33.68, -70.72, -33.62)},
    };
    for (const A& a : areas) {
      json::object o{{"code", a.code},
                     {"name", a.code},
                     {"kind", a.kind},
                     {"population", a.population},
                     {"geometry", a.geometry}};
      if (*a.parent) o["parent"] = a.parent;
      api().AddArea(d.root, std::move(o));
    }
    d.op_in = api().Staff(d.root, "op.sm@test.cl", "operator", "SM");
    d.op_out = api().Staff(d.root, "op.lc@test.cl", "operator", "LC");
  }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& token = "") {
    return api().Call(method, target, body, token);
  }
  Account Neighbour(const std::string& email) {
    Account a = api().Neighbour(email);
    EXPECT_FALSE(a.second.empty()) << email;
    return a;
  }
  // A proof-of-residence media row owned by `user` (the upload path has its own tests).
  std::string Proof(const std::string& user) {
    const std::string id = "proof-" + user;
    dep_->db->Exec(
        "INSERT INTO media (id, owner_id, content_type, bytes, sha256, created_ms) VALUES ('" + id +
        "', '" + user + "', 'image/jpeg', 10, 'x', 0)");
    return id;
  }
  static json::object Request(const std::string& id_type, const std::string& number,
                              const std::string& proof, double lat = kHomeLat,
                              double lon = kHomeLon) {
    return json::object{{"address", "Gran Avenida 5000, depto 12"},
                        {"lat", lat},
                        {"lon", lon},
                        {"id_type", id_type},
                        {"id_number", number},
                        {"proof_media_id", proof}};
  }
  std::set<std::string> ReportIds(const std::string& token) {
    Reply r = Call("GET", "/api/v1/reports?limit=200", "", token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> out;
    if (r.status != 200) return out;
    const json::value doc = r.Json();
    for (const json::value& v : doc.at("reports").as_array())
      out.insert(std::string(v.at("id").as_string()));
    return out;
  }
};

TEST_P(MembershipTest, ApprovedMemberSeesTheNeighbourhoodsPublicReports) {
  auto reporter = Neighbour("reporter-" + GetParam() + "@test.cl");
  auto vecina = Neighbour("vecina-" + GetParam() + "@test.cl");
  auto other = Neighbour("other-" + GetParam() + "@test.cl");
  ASSERT_FALSE(reporter.second.empty() || vecina.second.empty() || other.second.empty());

  Reply r = Call("POST", "/api/v1/reports",
                 Obj({{"category", "robo"},
                      {"lat", kHomeLat + 0.001},
                      {"lon", kHomeLon},
                      {"accuracy", 8},
                      {"description", "me robaron la bicicleta"}}),
                 reporter.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string report = std::string(r.Json().at("id").as_string());
  EXPECT_FALSE(ReportIds(vecina.second).count(report));

  r = Call("POST", "/api/v1/memberships", Obj(Request("rut", "12.345.678-5", Proof(vecina.first))),
           vecina.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = std::string(r.Json().at("id").as_string());
  EXPECT_EQ(r.Json().at("area").as_string(), "SM-01");  // the neighbourhood, not the sector
  EXPECT_EQ(r.Json().at("status").as_string(), "pending");
  EXPECT_EQ(r.Json().at("id_number").as_string(), "12345678-5");

  // Pending is not yet a member; one active request only.
  EXPECT_FALSE(ReportIds(vecina.second).count(report));
  r = Call("POST", "/api/v1/memberships",
           Obj(Request("dni", "30.123.456", "proof-" + vecina.first + "b")), vecina.second);
  EXPECT_EQ(r.status, 422) << r.body;  // that proof does not exist
  r = Call("POST", "/api/v1/memberships",
           Obj(Request("dni", "30.123.456", "proof-" + vecina.first)), vecina.second);
  EXPECT_EQ(r.status, 409) << r.body;

  // Staff: the queue, then the decision, only within their areas.
  r = Call("GET", "/api/v1/memberships?area=SM-01&status=pending", "", dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  bool queued = false;
  const json::value queue = r.Json();
  for (const json::value& m : queue.at("memberships").as_array())
    if (m.at("id").as_string() == id) queued = m.at("id_number").as_string() == "12345678-5";
  EXPECT_TRUE(queued) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/memberships?area=SM-01", "", dep_->op_out.second).status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/memberships?area=SM-01", "", other.second).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/memberships/" + id + "/approve", "", dep_->op_out.second).status,
            403);
  EXPECT_EQ(Call("POST", "/api/v1/memberships/" + id + "/approve", "", vecina.second).status, 403);
  EXPECT_EQ(
      Call("POST", "/api/v1/memberships/" + id + "/reject", Obj({}), dep_->op_in.second).status,
      422);  // a rejection needs a reason
  r = Call("POST", "/api/v1/memberships/" + id + "/approve", "", dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("status").as_string(), "approved");
  EXPECT_EQ(r.Json().at("decided_by").as_string(), dep_->op_in.first);
  EXPECT_EQ(Call("POST", "/api/v1/memberships/" + id + "/reject", Obj({{"reason", "x"}}),
                 dep_->op_in.second)
                .status,
            409);

  EXPECT_TRUE(ReportIds(vecina.second).count(report));
  EXPECT_FALSE(ReportIds(other.second).count(report));
  r = Call("GET", "/api/v1/me", "", vecina.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::serialize(r.Json().at("verified_neighbourhoods")), R"(["SM-01"])");

  r = Call("GET", "/api/v1/memberships/mine", "", vecina.second);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json().at("memberships").as_array().size(), 1u);

  // The adoption figure: SM-01 has 1234 inhabitants -> target 124; the sector sums it.
  r = Call("GET", "/api/v1/areas/SM-01/adoption", "", dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("target").as_int64(), 124);
  EXPECT_GE(r.Json().at("registered_addresses").as_int64(), 1);
  r = Call("GET", "/api/v1/areas/SM/adoption", "", dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("population").as_int64(), 1734);
  EXPECT_GE(r.Json().at("registered_addresses").as_int64(), 1);
  EXPECT_EQ(Call("GET", "/api/v1/areas/SM/adoption", "", dep_->op_out.second).status, 403);

  // Leaving ends the membership: the report disappears, and a new request is possible.
  r = Call("POST", "/api/v1/memberships/" + id + "/leave", "", other.second);
  EXPECT_EQ(r.status, 404) << r.body;
  r = Call("POST", "/api/v1/memberships/" + id + "/leave", "", vecina.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(ReportIds(vecina.second).count(report));
  r = Call("POST", "/api/v1/memberships",
           Obj(Request("dni", "30.123.456", "proof-" + vecina.first)), vecina.second);
  EXPECT_EQ(r.status, 201) << r.body;
}

// The proof of residence is for the reviewers: operators and admins covering the
// membership's neighbourhood fetch it (the original, from the URL the staff listing gives);
// staff elsewhere and other neighbours get 404, even when the uploader links it to a public
// report they can see (a photo on the same report stays visible: the rule is the proof's).
TEST_P(MembershipTest, ProofOfResidenceIsForTheReviewersOnly) {
  auto vecina = Neighbour("prueba-" + GetParam() + "@test.cl");
  auto member = Neighbour("miembro-" + GetParam() + "@test.cl");
  ASSERT_FALSE(vecina.second.empty() || member.second.empty());
  ApproveMember(*dep_->db, member.first, "SM-01");
  const std::string original = test::JpegWithGps();
  auto upload = [&] {
    Reply up = api().Call("PUT", "/api/v1/media", original, vecina.second,
                          {{"Content-Type", "image/jpeg"}});
    EXPECT_EQ(up.status, 201) << up.body;
    return up.status == 201 ? std::string(up.Json().at("id").as_string()) : "";
  };
  const std::string proof = upload();
  const std::string photo = upload();
  ASSERT_FALSE(proof.empty() || photo.empty());
  Reply r = Call("POST", "/api/v1/memberships", Obj(Request("rut", "12.345.678-5", proof)),
                 vecina.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id(r.Json().at("id").as_string());

  // The staff listing names the proof and where to fetch it.
  r = Call("GET", "/api/v1/memberships?area=SM-01&status=pending", "", dep_->op_in.second);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string url;
  const json::value listing = r.Json();
  for (const json::value& m : listing.at("memberships").as_array())
    if (m.at("id").as_string() == id) {
      EXPECT_EQ(m.at("proof_media_id").as_string(), proof);
      url = std::string(m.at("proof_url").as_string());
    }
  ASSERT_EQ(url, "/api/v1/media/" + proof);

  Reply seen = Call("GET", url, "", dep_->op_in.second);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.body, original);
  EXPECT_EQ(Call("GET", url, "", dep_->root).status, 200);  // admin of every area
  EXPECT_EQ(Call("GET", url, "", dep_->op_out.second).status, 404);
  EXPECT_EQ(Call("GET", url, "", member.second).status, 404);
  EXPECT_EQ(Call("GET", url, "", vecina.second).body, original);  // the uploader

  // Linked to a public report the member sees: the photo reaches the member, the proof not.
  r = Call("POST", "/api/v1/reports",
           Obj({{"category", "robo"},
                {"lat", kHomeLat},
                {"lon", kHomeLon},
                {"accuracy", 8},
                {"media", json::array{json::value(photo), json::value(proof)}}}),
           vecina.second);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(ReportIds(member.second).count(std::string(r.Json().at("id").as_string())));
  EXPECT_EQ(Call("GET", "/api/v1/media/" + photo, "", member.second).status, 200);
  EXPECT_EQ(Call("GET", url, "", member.second).status, 404);
  // Decided or not, the proof stays with the reviewers.
  ASSERT_EQ(Call("POST", "/api/v1/memberships/" + id + "/approve", "", dep_->op_in.second).status,
            200);
  EXPECT_EQ(Call("GET", url, "", dep_->op_in.second).status, 200);
  EXPECT_EQ(Call("GET", url, "", member.second).status, 404);
}

TEST_P(MembershipTest, RequestsAreValidated) {
  auto n = Neighbour("validated-" + GetParam() + "@test.cl");
  ASSERT_FALSE(n.second.empty());
  const std::string proof = Proof(n.first);
  auto other = Neighbour("thief-" + GetParam() + "@test.cl");
  ASSERT_FALSE(other.second.empty());
  struct Case {
    json::object body;
    int status;
  } cases[] = {
      {Request("rut", "12.345.678-9", proof), 422},            // wrong check digit
      {Request("rut", "abc", proof), 422},                     // not a RUT
      {Request("dni", "123", proof), 422},                     // too short
      {Request("passport", "AB123456", proof), 422},           // unknown id type
      {Request("rut", "12345678-5", proof, 10.0, 10.0), 422},  // outside every area
  };
  for (const Case& c : cases) {
    Reply r = Call("POST", "/api/v1/memberships", Obj(c.body), n.second);
    EXPECT_EQ(r.status, c.status) << json::serialize(c.body) << " -> " << r.body;
  }
  // Someone else's media is no proof.
  EXPECT_EQ(
      Call("POST", "/api/v1/memberships", Obj(Request("rut", "12345678-5", proof)), other.second)
          .status,
      422);
  EXPECT_EQ(Call("POST", "/api/v1/memberships", Obj(Request("rut", "12345678-5", proof))).status,
            401);
  // A home outside any neighbourhood joins the innermost area containing it.
  Reply r = Call("POST", "/api/v1/memberships",
                 Obj(Request("other", "ab12345", proof, kFarLat, kFarLon)), n.second);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json().at("area").as_string(), "LC");
  EXPECT_EQ(r.Json().at("id_number").as_string(), "AB12345");
}

TEST_P(MembershipTest, FamilyCircleSeesSharedRestrictedReports) {
  const std::string mother_email = "madre-" + GetParam() + "@test.cl";
  auto mother = Neighbour(mother_email);
  auto son = Neighbour("hijo-" + GetParam() + "@test.cl");
  auto stranger = Neighbour("extrano-" + GetParam() + "@test.cl");
  ASSERT_FALSE(mother.second.empty() || son.second.empty() || stranger.second.empty());

  EXPECT_EQ(
      Call("POST", "/api/v1/family/invitations", Obj({{"email", mother_email}}), mother.second)
          .status,
      422);  // oneself
  EXPECT_EQ(Call("POST", "/api/v1/family/invitations", Obj({}), mother.second).status, 422);
  Reply r = Call("POST", "/api/v1/family/invitations",
                 Obj({{"email", "HIJO-" + GetParam() + "@test.cl"}}), mother.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string link = std::string(r.Json().at("id").as_string());
  // No enumeration: the answer for a registered invitee is the one an unknown email gets
  // (same keys, no member id); the invitee's identity appears only once they accept.
  EXPECT_TRUE(r.Json().at("member_id").is_null()) << r.body;
  Reply unknown = Call("POST", "/api/v1/family/invitations",
                       Obj({{"email", "nadie-" + GetParam() + "@test.cl"}}), mother.second);
  ASSERT_EQ(unknown.status, r.status) << unknown.body;
  std::vector<std::string> keys_known, keys_unknown;
  const json::value known_doc = r.Json(), unknown_doc = unknown.Json();
  for (const auto& kv : known_doc.as_object()) keys_known.emplace_back(kv.key());
  for (const auto& kv : unknown_doc.as_object()) keys_unknown.emplace_back(kv.key());
  EXPECT_EQ(keys_known, keys_unknown);
  EXPECT_TRUE(unknown.Json().at("member_id").is_null());
  // Nor through the event the inviter's stream replays.
  EXPECT_EQ(dep_->db->Column("SELECT payload FROM events WHERE type = 'family.invited' AND "
                             "scope = 'user:" + mother.first + "' AND payload LIKE '%" +
                             son.first + "%'"),
            std::vector<std::string>{});
  r = Call("GET", "/api/v1/family", "", mother.second);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value listed = r.Json();
  for (const auto& l : listed.at("links").as_array())
    EXPECT_TRUE(l.at("member_id").is_null()) << r.body;
  EXPECT_EQ(Call("POST", "/api/v1/family/invitations",
                 Obj({{"email", "hijo-" + GetParam() + "@test.cl"}}), mother.second)
                .status,
            409);

  json::object body{{"category", "violencia_intrafamiliar"},
                    {"lat", kHomeLat},
                    {"lon", kHomeLon},
                    {"accuracy", 8},
                    {"description", "ayuda"},
                    {"share_with_family", true}};
  r = Call("POST", "/api/v1/reports", Obj(body), mother.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string report = std::string(r.Json().at("id").as_string());
  EXPECT_FALSE(ReportIds(son.second).count(report));  // invited is not yet family

  EXPECT_EQ(Call("POST", "/api/v1/family/" + link + "/accept", "", stranger.second).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/family/" + link + "/accept", "", mother.second).status, 403);
  r = Call("POST", "/api/v1/family/" + link + "/accept", "", son.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("status").as_string(), "accepted");
  EXPECT_EQ(Call("POST", "/api/v1/family/" + link + "/decline", "", son.second).status, 409);
  // Accepted: now the inviter sees who it is.
  r = Call("GET", "/api/v1/family", "", mother.second);
  ASSERT_EQ(r.status, 200) << r.body;
  bool named = false;
  const json::value after = r.Json();
  for (const auto& l : after.at("links").as_array())
    if (l.at("id").as_string() == link) named = l.at("member_id").as_string() == son.first;
  EXPECT_TRUE(named) << r.body;

  EXPECT_TRUE(ReportIds(son.second).count(report));
  EXPECT_FALSE(ReportIds(stranger.second).count(report));
  r = Call("GET", "/api/v1/family", "", son.second);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.Json().at("links").as_array().size(), 1u);
  EXPECT_EQ(r.Json().at("links").as_array()[0].at("direction").as_string(), "incoming");

  EXPECT_EQ(Call("POST", "/api/v1/family/" + link + "/leave", "", stranger.second).status, 403);
  r = Call("POST", "/api/v1/family/" + link + "/leave", "", son.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(ReportIds(son.second).count(report));
}

// An invitation to an email no account has yet is bound to the account that registers with
// it, at its first listing (one transaction, a family.bound event), and can be accepted.
TEST_P(MembershipTest, InvitationBeforeRegistrationIsBoundToTheNewAccount) {
  auto abuela = Neighbour("abuela-" + GetParam() + "@test.cl");
  ASSERT_FALSE(abuela.second.empty());
  const std::string nieta_email = "nieta-" + GetParam() + "@test.cl";
  Reply r =
      Call("POST", "/api/v1/family/invitations", Obj({{"email", nieta_email}}), abuela.second);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string link(r.Json().at("id").as_string());
  EXPECT_TRUE(r.Json().at("member_id").is_null()) << r.body;
  auto bound = [&] {
    return dep_->db->Column("SELECT member_id FROM family_links WHERE id = '" + link + "'");
  };
  ASSERT_EQ(bound(), std::vector<std::string>{""});

  auto nieta = Neighbour(nieta_email);
  ASSERT_FALSE(nieta.second.empty());
  r = Call("GET", "/api/v1/family", "", nieta.second);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value doc = r.Json();
  ASSERT_EQ(doc.at("links").as_array().size(), 1u) << r.body;
  const json::value& l = doc.at("links").as_array()[0];
  EXPECT_EQ(l.at("id").as_string(), link);
  EXPECT_EQ(l.at("direction").as_string(), "incoming");
  EXPECT_EQ(l.at("member_id").as_string(), nieta.first);
  EXPECT_EQ(bound(), std::vector<std::string>{nieta.first});
  auto events = [&] {
    return dep_->db->Column(
        "SELECT scope FROM events WHERE type = 'family.bound' AND subject = "
        "'family:" +
        link + "' ORDER BY scope");
  };
  std::vector<std::string> expected{"user:" + abuela.first, "user:" + nieta.first};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(events(), expected);
  // Listing again binds nothing more; the owner does not learn who it is until acceptance.
  ASSERT_EQ(Call("GET", "/api/v1/family", "", nieta.second).status, 200);
  EXPECT_EQ(events().size(), 2u);
  r = Call("GET", "/api/v1/family", "", abuela.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.Json().at("links").as_array()[0].at("member_id").is_null()) << r.body;
  r = Call("POST", "/api/v1/family/" + link + "/accept", "", nieta.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("status").as_string(), "accepted");
  r = Call("GET", "/api/v1/family", "", abuela.second);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().at("links").as_array()[0].at("member_id").as_string(), nieta.first);
}

INSTANTIATE_TEST_SUITE_P(Backends, MembershipTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
