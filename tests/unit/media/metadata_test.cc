// PNG and WebP metadata stripping: eXIf/tEXt/iTXt chunks and EXIF/XMP chunks carrying a
// GPS position are removed, the image chunks kept byte for byte, malformed files refused.
#include "media/metadata.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "support/jpeg_fixture.h"

namespace centinela::media {
namespace {

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

std::string PngChunk(const std::string& type, const std::string& data) {
  const uint32_t n = static_cast<uint32_t>(data.size());
  std::string c = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                   static_cast<char>(n >> 8), static_cast<char>(n)};
  return c + type + data + "CRC!";
}
const std::string kPngSig("\x89PNG\r\n\x1a\n", 8);
const std::string kIhdr = PngChunk("IHDR", std::string("\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0", 13));
const std::string kIdat = PngChunk("IDAT", "compressed-pixels");
const std::string kIend = PngChunk("IEND", "");

// The TIFF part of the Exif fixture (after "Exif\0\0"): what a PNG eXIf chunk holds.
std::string ExifTiff() { return test::ExifGpsSegment().substr(4 + 6); }

TEST(StripPngMetadata, DropsExifAndTextChunksAndTrailers) {
  const std::string clean = kPngSig + kIhdr + kIdat + kIend;
  const std::string with =
      kPngSig + kIhdr + PngChunk("eXIf", ExifTiff()) +
      PngChunk("tEXt", std::string("Comment\0taken at -33.49,-70.65", 30)) +
      PngChunk("iTXt", "XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta exif:GPSLatitude=\"33,29.88S\"/>") +
      kIdat + PngChunk("zTXt", "Author\0\0xyz") + kIend + "trailing bytes";
  ASSERT_TRUE(Contains(with, test::GpsLatitudeBytes()));
  Result<std::string> r = StripPngMetadata(with);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, clean);
  EXPECT_FALSE(Contains(*r, test::GpsLatitudeBytes()));
  EXPECT_EQ(*StripPngMetadata(clean), clean);
}

TEST(StripPngMetadata, MalformedAndTruncatedFilesAreClearErrors) {
  const std::string good = kPngSig + kIhdr + PngChunk("eXIf", ExifTiff()) + kIdat + kIend;
  for (size_t n = 0; n < good.size(); ++n) {
    Result<std::string> r = StripPngMetadata(std::string_view(good).substr(0, n));
    ASSERT_FALSE(r.ok()) << "accepted the first " << n << " bytes";
    EXPECT_EQ(r.status().code(), Code::kUnprocessable);
  }
  std::string huge = kPngSig + kIhdr;
  huge += std::string("\xFF\xFF\xFF\xF0IDAT", 8);  // length far past the end
  EXPECT_FALSE(StripPngMetadata(huge).ok());
  EXPECT_FALSE(StripPngMetadata("GIF89a").ok());
}

std::string WebpChunk(const std::string& fourcc, const std::string& data) {
  const uint32_t n = static_cast<uint32_t>(data.size());
  std::string c = fourcc + std::string{static_cast<char>(n), static_cast<char>(n >> 8),
                                       static_cast<char>(n >> 16), static_cast<char>(n >> 24)};
  c += data;
  if (data.size() % 2 == 1) c.push_back('\0');
  return c;
}
std::string Riff(const std::string& chunks) {
  const uint32_t n = static_cast<uint32_t>(chunks.size() + 4);
  return "RIFF" +
         std::string{static_cast<char>(n), static_cast<char>(n >> 8), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 24)} +
         "WEBP" + chunks;
}

TEST(StripWebpMetadata, DropsExifAndXmpChunksAndClearsTheirFlags) {
  // VP8X flags: ICC (0x20) | EXIF (0x08) | XMP (0x04); canvas 16x16 (stored minus one).
  const std::string vp8x_with = WebpChunk("VP8X", std::string("\x2C\0\0\0\x0F\0\0\x0F\0\0", 10));
  const std::string vp8x_clean = WebpChunk("VP8X", std::string("\x20\0\0\0\x0F\0\0\x0F\0\0", 10));
  const std::string icc = WebpChunk("ICCP", "icc-profile");
  const std::string image = WebpChunk("VP8 ", "odd-sized-frame");  // 15 bytes: padded
  const std::string with = Riff(vp8x_with + icc + image + WebpChunk("EXIF", ExifTiff()) +
                                WebpChunk("XMP ", "<x:xmpmeta exif:GPSLatitude=\"33,29.88S\"/>"));
  ASSERT_TRUE(Contains(with, test::GpsLatitudeBytes()));
  Result<std::string> r = StripWebpMetadata(with);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, Riff(vp8x_clean + icc + image));
  EXPECT_FALSE(Contains(*r, test::GpsLatitudeBytes()));
  EXPECT_FALSE(Contains(*r, "GPSLatitude"));

  const std::string simple = Riff(image);
  EXPECT_EQ(*StripWebpMetadata(simple), simple);
}

TEST(StripWebpMetadata, MalformedAndTruncatedFilesAreClearErrors) {
  const std::string good = Riff(WebpChunk("VP8 ", "frame-data") + WebpChunk("EXIF", ExifTiff()));
  for (size_t n = 0; n < good.size(); ++n) {
    Result<std::string> r = StripWebpMetadata(std::string_view(good).substr(0, n));
    ASSERT_FALSE(r.ok()) << "accepted the first " << n << " bytes";
    EXPECT_EQ(r.status().code(), Code::kUnprocessable);
  }
  std::string lying = Riff(WebpChunk("VP8 ", "frame-data"));
  lying[16] = '\x7F';  // the chunk claims more bytes than the RIFF holds
  EXPECT_FALSE(StripWebpMetadata(lying).ok());
}

TEST(StripMetadata, DispatchesByTypeAndLeavesOthersAlone) {
  EXPECT_EQ(*StripMetadata("image/jpeg", test::JpegWithGps()), test::ReadTestJpeg());
  const std::string mp4(
      "\0\0\0\x20"
      "ftypisom-and-a-GPS-atom",
      27);
  // A box tree that does not add up is refused, not passed through with its metadata.
  EXPECT_FALSE(StripMetadata("video/mp4", mp4).ok());
  EXPECT_EQ(*StripMetadata("text/plain", mp4), mp4);
  EXPECT_FALSE(StripMetadata("image/png", "not a png").ok());
}

}  // namespace
}  // namespace centinela::media
