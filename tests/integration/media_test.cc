// PUT/GET /api/v1/media over loopback against the real binary, on SQLite and PostgreSQL:
// authentication, type sniffing (415), per-type size limits (413, with small limits set
// through the environment), the per-route body limit above server.max_body_bytes, GPS
// metadata stripped from the copy others get, content-addressed files on disk, and who may
// fetch what.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "api_client.h"
#include "common/hash.h"
#include "support/av_fixture.h"
#include "support/jpeg_fixture.h"

namespace centinela::testing {
namespace {

constexpr size_t kMaxImage = 4096;             // CENTINELA_MEDIA_MAX_IMAGE_BYTES
constexpr size_t kMaxVideo = 3 * 1024 * 1024;  // above server.max_body_bytes (1 MiB)

// A structurally valid PNG of exactly `size` bytes (>= 57): signature, IHDR, one IDAT
// chunk padded to size, IEND. CRCs are not checked by the server.
std::string Png(size_t size) {
  auto chunk = [](const std::string& type, const std::string& data) {
    const uint32_t n = static_cast<uint32_t>(data.size());
    std::string c = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)};
    return c + type + data + std::string(4, '\x5a');
  };
  const std::string ihdr("\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00", 13);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) +
         chunk("IDAT", std::string(size - 57, '\x01')) + chunk("IEND", "");
}
bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

struct MediaDeployment : Deployment {
  std::string alice, bob, op_sm, op_lc;  // tokens
  std::string alice_id;
};

class MediaTest : public DeployedTest<MediaDeployment> {
 protected:
  std::string Prefix() const override { return "centinela-media"; }
  std::vector<std::string> Env() const override {
    return {"CENTINELA_MEDIA_MAX_IMAGE_BYTES=" + std::to_string(kMaxImage),
            "CENTINELA_MEDIA_MAX_VIDEO_BYTES=" + std::to_string(kMaxVideo)};
  }
  void SetUp() override {
    InitCrypto();
    DeployedTest::SetUp();
  }
  void Populate(MediaDeployment& d) override {
    const Api api = this->api();
    api.AddArea(d.root, {{"code", "RM"},
                         {"name", "RM"},
                         {"kind", "region"},
                         {"geometry", Box(-70.80, -33.70, -70.50, -33.40)}});
    // San Miguel holds the test point (-33.55, -70.65); La Cisterna is a box beside it.
    const std::pair<const char*, json::value> sectors[] = {
        {"13130", Box(-70.70, -33.60, -70.60, -33.50)},
        {"13109", Box(-70.79, -33.69, -70.72, -33.62)}};
    for (const auto& [code, geometry] : sectors)
      api.AddArea(d.root, {{"code", code},
                           {"name", code},
                           {"kind", "sector"},
                           {"parent", "RM"},
                           {"geometry", geometry}});
    d.op_sm = api.Staff(d.root, "op13130@test.cl", "operator", "13130").second;
    d.op_lc = api.Staff(d.root, "op13109@test.cl", "operator", "13109").second;
    Account alice = api.Neighbour("alice@test.cl");
    d.alice_id = alice.first;
    d.alice = alice.second;
    d.bob = api.Neighbour("bob@test.cl").second;
    ASSERT_FALSE(d.alice.empty() || d.bob.empty() || d.op_sm.empty() || d.op_lc.empty());
  }

  Reply Put(const std::string& body, const std::string& content_type, const std::string& token) {
    return api().Call("PUT", "/api/v1/media", body, token, {{"Content-Type", content_type}});
  }
  Reply Get(const std::string& id, const std::string& token) {
    return api().Call("GET", "/api/v1/media/" + id, "", token);
  }
  std::string PathFor(const std::string& sha) const {
    return dep_->dir + "/media/" + sha.substr(0, 2) + "/" + sha.substr(2, 2) + "/" + sha;
  }
};

TEST_P(MediaTest, NeedsAToken) {
  Reply put = Put(test::ReadTestJpeg(), "image/jpeg", "");
  EXPECT_EQ(put.status, 401);
  EXPECT_EQ(put.ErrorCode(), "unauthenticated");
  EXPECT_EQ(Get("0123456789abcdef0123456789abcdef", "").status, 401);
  EXPECT_EQ(Put(test::ReadTestJpeg(), "image/jpeg", "forged-token").status, 401);
}

TEST_P(MediaTest, TypeIsSniffedAndMustMatchTheContentType) {
  Reply r = Put(Png(200), "image/jpeg", dep_->alice);  // a PNG sent as a JPEG
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_EQ(r.ErrorCode(), "unsupported_media_type");
  r = Put(test::ReadTestJpeg(), "image/png", dep_->alice);
  EXPECT_EQ(r.status, 415) << r.body;
  r = Put("<!doctype html><script>alert(1)</script>", "image/jpeg", dep_->alice);
  EXPECT_EQ(r.status, 415) << r.body;
  r = Put(std::string("GIF89a\x01\x00\x01\x00", 10), "image/gif", dep_->alice);
  EXPECT_EQ(r.status, 415) << r.body;
  // A JPEG too broken to strip safely is refused rather than stored with its metadata.
  r = Put(test::JpegWithGps().substr(0, 300), "image/jpeg", dep_->alice);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.ErrorCode(), "unprocessable");
  r = Put(Png(200), "image/png", dep_->alice);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body).at("content_type").as_string(), "image/png");
  r = Put(Png(300), "application/octet-stream", dep_->alice);  // says nothing: sniffed
  ASSERT_EQ(r.status, 201) << r.body;
}

TEST_P(MediaTest, SizeLimitsPerTypeAnswer413) {
  Reply r = Put(Png(kMaxImage), "image/png", dep_->alice);
  EXPECT_EQ(r.status, 201) << r.body;
  r = Put(Png(kMaxImage + 1), "image/png", dep_->alice);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.ErrorCode(), "payload_too_large");
  // A video larger than server.max_body_bytes (1 MiB) passes: the route has its own limit.
  r = Put(test::Mp4OfSize(2 * 1024 * 1024), "video/mp4", dep_->alice);
  EXPECT_EQ(r.status, 201) << r.body;
  r = Put(test::Mp4OfSize(kMaxVideo + 1), "video/mp4", dep_->alice);
  EXPECT_EQ(r.status, 413) << r.body;
  // Other JSON routes keep the 1 MiB limit.
  r = api().Call("PATCH", "/api/v1/me", std::string(2 * 1024 * 1024, ' '), dep_->alice);
  EXPECT_EQ(r.status, 413) << r.body;
}

TEST_P(MediaTest, GpsExifIsStrippedFromTheCopyOthersGet) {
  const std::string original = test::JpegWithGps();
  ASSERT_TRUE(Contains(original, test::GpsLatitudeBytes()));
  Reply up = Put(original, "image/jpeg", dep_->alice);
  ASSERT_EQ(up.status, 201) << up.body;
  json::value m = json::parse(up.body);
  const std::string id(m.at("id").as_string());
  EXPECT_EQ(m.at("sha256").as_string(), Sha256Hex(original));
  EXPECT_EQ(m.at("bytes").as_int64(), static_cast<int64_t>(original.size()));
  EXPECT_EQ(up.Header("location"), "/api/v1/media/" + id);

  // The owner gets the original, with the caching and sniffing headers.
  Reply own = Get(id, dep_->alice);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.body, original);
  EXPECT_EQ(own.Header("content-type"), "image/jpeg");
  EXPECT_EQ(own.Header("cache-control"), "private, max-age=3600");
  EXPECT_EQ(own.Header("etag"), "\"" + Sha256Hex(original) + "\"");
  EXPECT_EQ(own.Header("x-content-type-options"), "nosniff");

  // Anyone else: not linked to a report they may see -> 404, as for an unknown id.
  Reply other = Get(id, dep_->bob);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.ErrorCode(), "not_found");
  EXPECT_EQ(Get(id, dep_->op_sm).status, 404);
  EXPECT_EQ(Get("no-such-media", dep_->alice).status, 404);

  // On disk: the original and a stripped copy, content-addressed; the copy has no GPS.
  auto stripped_sha = dep_->db->Column("SELECT stripped_sha256 FROM media WHERE id = '" + id + "'");
  ASSERT_EQ(stripped_sha.size(), 1u);
  ASSERT_EQ(stripped_sha[0].size(), 64u);
  EXPECT_EQ(ReadFile(PathFor(Sha256Hex(original))), original);
  const std::string stripped = ReadFile(PathFor(stripped_sha[0]));
  ASSERT_FALSE(stripped.empty());
  EXPECT_EQ(Sha256Hex(stripped), stripped_sha[0]);
  EXPECT_EQ(stripped, test::ReadTestJpeg());  // the image itself, byte for byte
  EXPECT_FALSE(Contains(stripped, test::GpsLatitudeBytes()));
  EXPECT_FALSE(Contains(stripped, std::string("Exif\0\0", 6)));
  EXPECT_FALSE(Contains(stripped, test::kExifSerial));
  EXPECT_FALSE(Contains(stripped, "GPSLatitude"));

  // The event says who uploaded what, to the owner only, without the content.
  auto events = dep_->db->Column(
      "SELECT scope || ' ' || payload FROM events WHERE type = 'media.uploaded' "
      "AND subject = 'media:" +
      id + "'");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].rfind("user:" + dep_->alice_id + " ", 0), 0u) << events[0];
  EXPECT_LT(events[0].size(), 400u);
}

TEST_P(MediaTest, PngExifChunkIsStrippedToo) {
  // An eXIf chunk holding the fixture's Exif (GPS IFD), spliced in after IHDR.
  const std::string tiff = test::ExifGpsSegment().substr(4 + 6);
  const uint32_t n = static_cast<uint32_t>(tiff.size());
  const std::string exif = std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                                       static_cast<char>(n >> 8), static_cast<char>(n)} +
                           "eXIf" + tiff + "CRC!";
  const std::string clean = Png(600);
  const std::string with = clean.substr(0, 33) + exif + clean.substr(33);
  Reply up = Put(with, "image/png", dep_->alice);
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string id(json::parse(up.body).at("id").as_string());
  EXPECT_EQ(Get(id, dep_->alice).body, with);
  auto stripped_sha = dep_->db->Column("SELECT stripped_sha256 FROM media WHERE id = '" + id + "'");
  ASSERT_EQ(stripped_sha.size(), 1u);
  const std::string stripped = ReadFile(PathFor(stripped_sha[0]));
  EXPECT_EQ(stripped, clean);
  EXPECT_FALSE(Contains(stripped, test::GpsLatitudeBytes()));
}

TEST_P(MediaTest, StaffCoveringALinkedReportGetTheOriginal) {
  const std::string original = test::JpegWithGps();
  Reply up = Put(original, "image/jpeg", dep_->alice);
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string id(json::parse(up.body).at("id").as_string());
  // A report in San Miguel that uses the photo, written behind the server's back (the
  // reports API is not part of this test).
  const std::string report = "rep-" + id;
  dep_->db->Exec(
      "INSERT INTO categories (code, family, label_es, label_en, priority, sensitivity, "
      "created_ms, "
      "updated_ms) SELECT 'test-robo', 'crime', 'Robo', 'Robbery', 2, 'public', 0, 0 "
      "WHERE NOT EXISTS (SELECT 1 FROM categories WHERE code = 'test-robo')");
  dep_->db->Exec(
      "INSERT INTO reports (id, reporter_id, category, family, sensitivity, priority, lat, lon, "
      "areas, created_ms, updated_ms) VALUES ('" +
      report + "', '" + dep_->alice_id +
      "', 'test-robo', 'crime', 'public', 2, -33.55, -70.65, '[\"RM\",\"13130\"]', 1, 1)");
  dep_->db->Exec("INSERT INTO report_media (report_id, media_id) VALUES ('" + report + "', '" + id +
                 "')");

  Reply staff = Get(id, dep_->op_sm);  // operator of San Miguel
  ASSERT_EQ(staff.status, 200) << staff.body;
  EXPECT_EQ(staff.body, original);
  EXPECT_EQ(Get(id, dep_->op_lc).status, 404);  // operator of La Cisterna: not their area
  EXPECT_EQ(Get(id, dep_->bob).status, 404);    // neighbours: until the visibility rules
                                                // are wired in, nobody but owner and staff
}

TEST_P(MediaTest, IdenticalBytesAreStoredOnceButOwnedSeparately) {
  const std::string png = Png(1234);
  Reply a = Put(png, "image/png", dep_->alice);
  Reply b = Put(png, "image/png", dep_->bob);
  ASSERT_EQ(a.status, 201) << a.body;
  ASSERT_EQ(b.status, 201) << b.body;
  const std::string id_a(json::parse(a.body).at("id").as_string());
  const std::string id_b(json::parse(b.body).at("id").as_string());
  EXPECT_NE(id_a, id_b);
  EXPECT_EQ(Get(id_a, dep_->alice).body, png);
  EXPECT_EQ(Get(id_b, dep_->bob).body, png);
  EXPECT_EQ(Get(id_a, dep_->bob).status, 404);
  const std::string dir = std::filesystem::path(PathFor(Sha256Hex(png))).parent_path().string();
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1);  // one file, no temporary left behind
}

// Video and audio lose their location and device metadata in the copy others get: MP4
// boxes are neutralised in place (same size, the box tree still valid), MP3 tags cut off so
// the first frame is the first byte. A neighbour of the area sees that copy through a public
// report; a broken box tree is refused.
TEST_P(MediaTest, VideoAndAudioMetadataIsStrippedFromTheCopyOthersGet) {
  struct Upload {
    std::string body, content_type, id;
  } uploads[] = {{test::PhoneVideo(), "video/mp4", ""},
                 {test::Id3v2() + test::Mp3Frames() + test::Id3v1(), "audio/mpeg", ""},
                 {test::Id3v2() + test::AdtsFrames(), "audio/aac", ""}};
  for (Upload& u : uploads) {
    ASSERT_TRUE(Contains(u.body, test::kGps) && Contains(u.body, test::kCamera));
    Reply up = Put(u.body, u.content_type, dep_->alice);
    ASSERT_EQ(up.status, 201) << u.content_type << ": " << up.body;
    u.id = std::string(up.Json().at("id").as_string());
    EXPECT_EQ(Get(u.id, dep_->alice).body, u.body);  // the owner: the original
    auto sha = dep_->db->Column("SELECT stripped_sha256 FROM media WHERE id = '" + u.id + "'");
    ASSERT_EQ(sha.size(), 1u);
    ASSERT_EQ(sha[0].size(), 64u) << u.content_type << " has no stripped copy";
    const std::string copy = ReadFile(PathFor(sha[0]));
    EXPECT_FALSE(Contains(copy, test::kGps)) << u.content_type;
    EXPECT_FALSE(Contains(copy, test::kCamera)) << u.content_type;
  }
  // The video copy: same size, the samples where they were, the boxes renamed `free`.
  const std::string original = test::PhoneVideo();
  const auto copy_sha =
      dep_->db->Column("SELECT stripped_sha256 FROM media WHERE id = '" + uploads[0].id + "'");
  const std::string video = ReadFile(PathFor(copy_sha.at(0)));
  EXPECT_EQ(video.size(), original.size());
  EXPECT_EQ(video.find(test::kFrames), original.find(test::kFrames));
  EXPECT_EQ(video.substr(0, 64), original.substr(0, 64));  // ftyp and mdat untouched
  EXPECT_FALSE(Contains(video, "udta"));
  EXPECT_FALSE(Contains(video, "ISO6709"));
  // The audio copies are the frames and nothing else.
  EXPECT_EQ(ReadFile(PathFor(Sha256Hex(test::Mp3Frames()))), test::Mp3Frames());
  EXPECT_EQ(ReadFile(PathFor(Sha256Hex(test::AdtsFrames()))), test::AdtsFrames());

  // Through a public report in San Miguel: a member gets the copy without metadata.
  Reply rep = api().Call("POST", "/api/v1/reports",
                         Obj({{"category", "robo"},
                              {"lat", -33.55},
                              {"lon", -70.65},
                              {"accuracy", 10},
                              {"media", json::array{json::value(uploads[0].id)}}}),
                         dep_->alice);
  ASSERT_EQ(rep.status, 201) << rep.body;
  const auto [dave_id, dave] = api().Neighbour("dave@test.cl");
  ASSERT_FALSE(dave.empty());
  EXPECT_EQ(Get(uploads[0].id, dave).status, 404);  // not yet a member
  ApproveMember(*dep_->db, dave_id, "13130");
  Reply seen = Get(uploads[0].id, dave);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.body, video);
  EXPECT_FALSE(Contains(seen.body, test::kGps));

  // A box running past its parent is refused, not stored with its metadata.
  std::string broken = test::PhoneVideo();
  broken.resize(broken.size() - 40);  // the moov now runs past the end of the file
  Reply bad = Put(broken, "video/mp4", dep_->alice);
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.ErrorCode(), "unprocessable");
}

// Through the reports API and the visibility rules: a member of the neighbourhood sees a
// public report's photo without its GPS metadata, never a restricted report's; staff
// covering the area get the original. Last in the file: it approves a membership.
TEST_P(MediaTest, ReportVisibilityDecidesWhoGetsTheStrippedCopy) {
  const auto [carol_id, carol] = api().Neighbour("carol@test.cl");
  ASSERT_FALSE(carol.empty());

  const std::string original = test::JpegWithGps();
  auto upload_and_report = [&](const std::string& category) {
    Reply up = Put(original, "image/jpeg", dep_->alice);
    EXPECT_EQ(up.status, 201) << up.body;
    const std::string id(json::parse(up.body).at("id").as_string());
    Reply rep = api().Call("POST", "/api/v1/reports",
                           Obj({{"category", category},
                                {"lat", -33.55},
                                {"lon", -70.65},
                                {"accuracy", 10},
                                {"media", json::array{json::value(id)}}}),
                           dep_->alice);
    EXPECT_EQ(rep.status, 201) << rep.body;
    return id;
  };
  const std::string public_id = upload_and_report("robo");
  const std::string restricted_id = upload_and_report("violencia_intrafamiliar");

  // Not yet a member: nothing.
  EXPECT_EQ(Get(public_id, carol).status, 404);
  ApproveMember(*dep_->db, carol_id, "13130");
  Reply seen = Get(public_id, carol);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.body, test::ReadTestJpeg());  // the image without Exif/XMP
  EXPECT_FALSE(Contains(seen.body, test::GpsLatitudeBytes()));
  EXPECT_NE(seen.Header("etag"), "\"" + Sha256Hex(original) + "\"");
  EXPECT_EQ(Get(restricted_id, carol).status, 404);  // restricted: never the community

  // Staff covering San Miguel: the original of both; staff elsewhere: neither.
  EXPECT_EQ(Get(public_id, dep_->op_sm).body, original);
  EXPECT_EQ(Get(restricted_id, dep_->op_sm).body, original);
  EXPECT_EQ(Get(restricted_id, dep_->op_lc).status, 404);
  // The owner, as always, the original.
  EXPECT_EQ(Get(restricted_id, dep_->alice).body, original);
}

INSTANTIATE_TEST_SUITE_P(Backends, MediaTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace centinela::testing
