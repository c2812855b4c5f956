// Stripping Exif/XMP from a real JPEG with hand-built GPS metadata, and refusing malformed
// or truncated files without reading out of bounds.
#include "media/jpeg.h"

#include <gtest/gtest.h>

#include <string>

#include "support/jpeg_fixture.h"

namespace centinela::media {
namespace {

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

TEST(StripJpegMetadata, RemovesExifAndXmpAndKeepsTheImageByteForByte) {
  const std::string plain = test::ReadTestJpeg();
  ASSERT_EQ(plain.size(), 543u) << "tests/testdata/media/python_16x16.jpg missing?";
  const std::string with_gps = test::JpegWithGps();
  ASSERT_TRUE(Contains(with_gps, test::GpsLatitudeBytes()));
  ASSERT_TRUE(Contains(with_gps, test::kExifMake));

  Result<std::string> stripped = StripJpegMetadata(with_gps);
  ASSERT_TRUE(stripped.ok()) << stripped.status().message();
  EXPECT_EQ(*stripped, plain);  // JFIF, tables, frame, scan and EOI untouched
  EXPECT_FALSE(Contains(*stripped, test::GpsLatitudeBytes()));
  EXPECT_FALSE(Contains(*stripped, std::string("Exif\0\0", 6)));
  EXPECT_FALSE(Contains(*stripped, test::kExifMake));
  EXPECT_FALSE(Contains(*stripped, test::kExifSerial));
  EXPECT_FALSE(Contains(*stripped, "GPSLatitude"));
}

TEST(StripJpegMetadata, CleanFileComesBackUnchanged) {
  const std::string plain = test::ReadTestJpeg();
  Result<std::string> r = StripJpegMetadata(plain);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, plain);
}

TEST(StripJpegMetadata, KeepsIccAndAdobeDropsCommentsMpfAndTrailers) {
  const std::string plain = test::ReadTestJpeg();
  auto seg = [](int marker, const std::string& payload) {
    std::string s = {static_cast<char>(0xFF), static_cast<char>(marker),
                     static_cast<char>((payload.size() + 2) >> 8),
                     static_cast<char>((payload.size() + 2) & 0xFF)};
    return s + payload;
  };
  const std::string icc = seg(0xE2, std::string("ICC_PROFILE\0\x01\x01profile-bytes", 27));
  const std::string adobe = seg(0xEE, "Adobe\x00\x64\x00\x00\x00\x00\x01");
  const std::string mpf = seg(0xE2, std::string("MPF\0II*\0secret", 14));
  const std::string comment = seg(0xFE, "shot at Gran Avenida 5400 by Pixel 8");
  const std::string maker = seg(0xEB, "vendor-location-blob");
  const std::string input = plain.substr(0, 2) + icc + mpf + comment + maker + adobe +
                            plain.substr(2) + "TRAILER: second image with Exif";
  Result<std::string> r = StripJpegMetadata(input);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, plain.substr(0, 2) + icc + adobe + plain.substr(2));
}

TEST(StripJpegMetadata, ProgressiveScansAndRestartMarkersAreWalked) {
  // SOI, DQT-like table, SOS, data with stuffing and RST0, DHT between scans, SOS, EOI.
  auto seg = [](int marker, const std::string& payload) {
    std::string s = {static_cast<char>(0xFF), static_cast<char>(marker),
                     static_cast<char>((payload.size() + 2) >> 8),
                     static_cast<char>((payload.size() + 2) & 0xFF)};
    return s + payload;
  };
  const std::string soi("\xFF\xD8", 2), eoi("\xFF\xD9", 2);
  const std::string scan1 = std::string("\x12\xFF\x00\x34\xFF\xD0\x56", 7);
  const std::string scan2 = std::string("\x78\x9A", 2);
  const std::string input = soi + seg(0xDB, "table") + seg(0xDA, "sos1") + scan1 +
                            seg(0xC4, "dht") + seg(0xE1, "Exif between scans") + seg(0xDA, "sos2") +
                            scan2 + eoi;
  Result<std::string> r = StripJpegMetadata(input);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, soi + seg(0xDB, "table") + seg(0xDA, "sos1") + scan1 + seg(0xC4, "dht") +
                    seg(0xDA, "sos2") + scan2 + eoi);
}

TEST(StripJpegMetadata, MalformedAndTruncatedFilesAreClearErrors) {
  const std::string good = test::JpegWithGps();
  ASSERT_FALSE(good.empty());
  const std::string cases[] = {
      "",
      std::string("\xFF", 1),
      std::string("\xFF\xD8", 2),
      std::string("\x89PNG\r\n\x1a\n", 8),         // not a JPEG
      std::string("\xFF\xD8\xFF\xE1\x00", 5),      // length cut short
      std::string("\xFF\xD8\xFF\xE1\x00\x01", 6),  // length below 2
      std::string("\xFF\xD8\xFF\xE1\xFF\xF0"
                  "Exif",
                  10),                                              // length past the end
      std::string("\xFF\xD8\x00\x00\xFF\xD9", 6),                   // junk between segments
      std::string("\xFF\xD8\xFF\xD8\xFF\xD9", 6),                   // second SOI
      std::string("\xFF\xD8\xFF\xDA\x00\x04\x01\x02\x11\x22", 10),  // scan without EOI
      std::string("\xFF\xD8\xFF\xFF\xFF", 5),                       // fill bytes to the end
  };
  for (const std::string& c : cases) {
    Result<std::string> r = StripJpegMetadata(c);
    ASSERT_FALSE(r.ok()) << "accepted " << c.size() << " bytes";
    EXPECT_EQ(r.status().code(), Code::kUnprocessable);
    EXPECT_NE(r.status().message().find("JPEG"), std::string::npos) << r.status().message();
  }
  // Every truncation of a real file with metadata is refused (it has no EOI), never a crash
  // or an out-of-bounds read (run under ASan to see the latter).
  for (size_t n = 0; n + 1 < good.size(); ++n) {
    Result<std::string> r = StripJpegMetadata(std::string_view(good).substr(0, n));
    EXPECT_FALSE(r.ok()) << "accepted the first " << n << " bytes";
  }
  // Every single-byte corruption either fails cleanly or yields a file that still starts
  // with SOI and ends with EOI.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    Result<std::string> r = StripJpegMetadata(bad);
    if (r.ok()) {
      ASSERT_GE(r->size(), 4u);
      EXPECT_EQ(r->substr(0, 2), std::string("\xFF\xD8", 2));
      EXPECT_EQ(r->substr(r->size() - 2), std::string("\xFF\xD9", 2));
    }
  }
}

}  // namespace
}  // namespace centinela::media
