// Video and audio metadata stripping on hand-built files that carry a GPS position and a
// camera name: MP4 udta/meta/©xyz/XMP boxes become `free` boxes of the same size (the box
// tree still parses, every offset and the chunk offset still point at the same bytes), MP3
// and AAC lose their ID3v2/ID3v1/APE tags (the frames are all that is left, byte for byte),
// and malformed trees or tags are clear errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "media/metadata.h"
#include "support/av_fixture.h"

namespace centinela::media {
namespace {

using test::AdtsFrames;
using test::Ape;
using test::Be32;
using test::Box;
using test::FullBox;
using test::Id3v1;
using test::Id3v2;
using test::kCamera;
using test::kFrames;
using test::kGps;
using test::Mp3Frames;
using test::PhoneVideo;

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

TEST(StripMp4Metadata, NeutralisesLocationAndDeviceBoxesInPlace) {
  const std::string in = PhoneVideo();
  ASSERT_TRUE(Contains(in, kGps) && Contains(in, kCamera) && Contains(in, "GPSLatitude"));
  Result<std::vector<Mp4Box>> before = ListMp4Boxes(in);
  ASSERT_TRUE(before.ok()) << before.status().message();

  Result<std::string> out = StripMp4Metadata(in);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->size(), in.size());
  EXPECT_FALSE(Contains(*out, kGps));
  EXPECT_FALSE(Contains(*out, kCamera));
  EXPECT_FALSE(Contains(*out, "GPSLatitude"));
  EXPECT_FALSE(Contains(*out, "ISO6709"));

  // The tree still parses; every box keeps its place and size; metadata boxes are `free`.
  Result<std::vector<Mp4Box>> after = ListMp4Boxes(*out);
  ASSERT_TRUE(after.ok()) << after.status().message();
  std::vector<std::string> freed;
  size_t j = 0;
  for (const Mp4Box& b : *before) {
    if (j < after->size() && (*after)[j].offset == b.offset) {
      const Mp4Box& a = (*after)[j++];
      EXPECT_EQ(a.size, b.size) << b.path;
      if (a.type != b.type) {
        EXPECT_EQ(a.type, "free") << b.path;
        freed.push_back(b.path);
      }
    }
  }
  EXPECT_EQ(j, after->size());
  EXPECT_EQ(freed, (std::vector<std::string>{"uuid", "moov/trak/udta", "moov/udta", "moov/meta"}));

  // The chunk offset still points at the first sample, and the samples are untouched.
  size_t stco = std::string::npos;
  for (const Mp4Box& a : *after)
    if (a.path == "moov/trak/mdia/minf/stbl/stco") stco = a.offset;
  ASSERT_NE(stco, std::string::npos);
  uint64_t chunk = 0;
  for (size_t k = 0; k < 4; ++k) chunk = (chunk << 8) | static_cast<uint8_t>((*out)[stco + 16 + k]);
  EXPECT_EQ(out->substr(chunk, kFrames.size()), kFrames);
  // Outside the freed boxes not a byte changed.
  for (const Mp4Box& b : *before) {
    if (b.path == "mdat" || b.path == "moov/mvhd" || b.path == "moov/trak/tkhd" ||
        b.path == "moov/trak/mdia") {
      EXPECT_EQ(out->substr(b.offset, b.size), in.substr(b.offset, b.size)) << b.path;
    }
  }
  // Idempotent, and a clean file comes back unchanged.
  EXPECT_EQ(*StripMp4Metadata(*out), *out);
}

TEST(StripMp4Metadata, MalformedBoxTreesAreClearErrors) {
  const std::string good = PhoneVideo();
  for (size_t n = 0; n < good.size(); ++n) {  // moov comes last: every prefix lacks it
    Result<std::string> r = StripMp4Metadata(std::string_view(good).substr(0, n));
    ASSERT_FALSE(r.ok()) << "accepted the first " << n << " bytes";
    EXPECT_EQ(r.status().code(), Code::kUnprocessable);
  }
  const std::string ftyp = Box("ftyp", "isom" + Be32(0));
  const std::string moov = Box("moov", FullBox("mvhd", std::string(96, '\0')));
  ASSERT_TRUE(StripMp4Metadata(ftyp + moov).ok());
  // A child running past its parent.
  std::string past = ftyp + Box("moov", Box("udta", kGps));
  past[ftyp.size() + 8 + 3] = '\x7F';
  EXPECT_FALSE(StripMp4Metadata(past).ok());
  // A box smaller than its own header, and size 0 inside a container.
  EXPECT_FALSE(StripMp4Metadata(ftyp + moov + Be32(4) + "free").ok());
  EXPECT_FALSE(StripMp4Metadata(ftyp + Box("moov", Be32(0) + "udta" + kGps)).ok());
  // Size 0 at the top level runs to the end of the file: fine.
  EXPECT_TRUE(StripMp4Metadata(ftyp + moov + Be32(0) + "mdat" + kFrames).ok());
  // No ftyp first, no moov, nesting beyond reason.
  EXPECT_FALSE(StripMp4Metadata(moov + ftyp).ok());
  EXPECT_FALSE(StripMp4Metadata(ftyp + Box("mdat", kFrames)).ok());
  std::string deep = Box("udta", kGps);
  for (int k = 0; k < 40; ++k) deep = Box("trak", deep);
  Result<std::string> r = StripMp4Metadata(ftyp + Box("moov", deep));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested"), std::string::npos);
}

// ---- audio -------------------------------------------------------------------------------

TEST(StripAudioMetadata, Mp3LosesItsTagsAndKeepsItsFrames) {
  const std::string frames = Mp3Frames();
  const std::string in = Id3v2() + frames + Ape() + Id3v1();
  ASSERT_TRUE(Contains(in, kGps) && Contains(in, kCamera));
  Result<std::string> out = StripAudioMetadata(in);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, frames);  // the first frame header is the first byte
  EXPECT_FALSE(Contains(*out, kGps));
  EXPECT_FALSE(Contains(*out, kCamera));
  EXPECT_EQ(*StripAudioMetadata(frames), frames);
  EXPECT_EQ(*StripMetadata("audio/mpeg", in), frames);
  // Two ID3v2 tags in a row, and an appended ID3v2.4 tag with a footer.
  std::string v24 = Id3v2();
  v24[3] = '\x04';
  v24[5] = '\x10';  // footer present
  const std::string appended = v24 + "3DI" + v24.substr(3, 7);
  EXPECT_EQ(*StripAudioMetadata(Id3v2() + Id3v2() + frames + appended), frames);
}

TEST(StripAudioMetadata, AdtsLosesItsId3Prefix) {
  const std::string frames = AdtsFrames();
  Result<std::string> out = StripMetadata("audio/aac", Id3v2() + frames);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, frames);
  EXPECT_EQ(*StripMetadata("audio/aac", frames), frames);
}

TEST(StripAudioMetadata, MalformedTagsAreClearErrors) {
  const std::string frames = Mp3Frames();
  std::string not_syncsafe = Id3v2() + frames;
  not_syncsafe[9] = '\x80';
  std::string past_end = Id3v2() + frames;
  past_end[6] = '\x7F';
  std::string bad_ape = frames + Ape();
  bad_ape[bad_ape.size() - 32 + 15] = '\x7F';  // footer size beyond the file
  for (const std::string& bad : {not_syncsafe, past_end, bad_ape, Id3v2() + "not audio", Id3v2(),
                                 std::string("ID3\x09", 4) + frames}) {
    Result<std::string> r = StripAudioMetadata(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kUnprocessable);
  }
}

}  // namespace
}  // namespace centinela::media
