// The first bytes of real files of each accepted type, and of look-alikes that are not.
#include "media/sniff.h"

#include <gtest/gtest.h>

#include <string>

#include "support/jpeg_fixture.h"

namespace centinela::media {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

TEST(Sniff, RecognisesEachTypeByItsMagicBytes) {
  struct Case {
    const char* what;
    std::string bytes;
    const char* type;  // nullptr = not accepted
  };
  const Case cases[] = {
      {"JPEG/JFIF", Bytes({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0}),
       "image/jpeg"},
      {"JPEG/Exif", Bytes({0xFF, 0xD8, 0xFF, 0xE1, 0x12, 0x34, 'E', 'x', 'i', 'f', 0, 0}),
       "image/jpeg"},
      {"PNG",
       Bytes({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 'I', 'H', 'D', 'R'}),
       "image/png"},
      {"WebP", std::string("RIFF\x24\x00\x00\x00WEBPVP8 ", 16), "image/webp"},
      {"MP4 (isom)",
       std::string("\x00\x00\x00\x20"
                   "ftypisom\x00\x00\x02\x00",
                   16),
       "video/mp4"},
      {"MP4 (iPhone qt)",
       std::string("\x00\x00\x00\x14"
                   "ftypqt  \x00\x00\x00\x00",
                   16),
       "video/mp4"},
      {"M4A",
       std::string("\x00\x00\x00\x1c"
                   "ftypM4A \x00\x00\x00\x00",
                   16),
       "video/mp4"},
      {"MP3 with ID3v2", std::string("ID3\x04\x00\x00\x00\x00\x00\x23", 10), "audio/mpeg"},
      // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no CRC: FF FB 90 64.
      {"MP3 frame", Bytes({0xFF, 0xFB, 0x90, 0x64}), "audio/mpeg"},
      // MPEG-2 Layer III, 64 kbit/s, 22.05 kHz: FF F3 80 C4.
      {"MP3 frame (MPEG-2)", Bytes({0xFF, 0xF3, 0x80, 0xC4}), "audio/mpeg"},
      // ADTS AAC-LC, 44.1 kHz, stereo, no CRC (FF F1) and MPEG-2 id (FF F9).
      {"AAC ADTS", Bytes({0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}), "audio/aac"},
      {"AAC ADTS (MPEG-2)", Bytes({0xFF, 0xF9, 0x50, 0x80, 0x02, 0x1F, 0xFC}), "audio/aac"},
      {"AAC ADTS after ID3v2",
       std::string("ID3\x04\x00\x00\x00\x00\x00\x02xx", 12) +
           Bytes({0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}),
       "audio/aac"},
      {"MP3 after ID3v2",
       std::string("ID3\x04\x00\x00\x00\x00\x00\x02xx", 12) + Bytes({0xFF, 0xFB, 0x90, 0x64}),
       "audio/mpeg"},
      // Not accepted.
      {"GIF", std::string("GIF89a\x01\x00\x01\x00", 10), nullptr},
      {"PDF", std::string("%PDF-1.7\n"), nullptr},
      {"HTML", std::string("<!doctype html><script>"), nullptr},
      {"WAV (RIFF but not WEBP)", std::string("RIFF\x24\x00\x00\x00WAVEfmt ", 16), nullptr},
      {"ELF",
       std::string("\x7f"
                   "ELF\x02\x01\x01",
                   7),
       nullptr},
      {"truncated JPEG magic", Bytes({0xFF, 0xD8}), nullptr},
      {"truncated PNG magic", Bytes({0x89, 'P', 'N', 'G'}), nullptr},
      {"MPEG frame, reserved version", Bytes({0xFF, 0xEB, 0x90, 0x64}), nullptr},
      {"MPEG frame, bad bitrate", Bytes({0xFF, 0xFB, 0xF0, 0x64}), nullptr},
      {"MPEG frame, reserved rate", Bytes({0xFF, 0xFB, 0x9C, 0x64}), nullptr},
      {"empty", std::string(), nullptr},
  };
  for (const Case& c : cases) {
    std::optional<SniffedType> t = Sniff(c.bytes);
    if (c.type == nullptr) {
      EXPECT_FALSE(t.has_value()) << c.what << " sniffed as " << (t ? t->content_type : "");
    } else {
      ASSERT_TRUE(t.has_value()) << c.what;
      EXPECT_EQ(t->content_type, c.type) << c.what;
    }
  }
}

TEST(Sniff, KindsDecideTheSizeLimit) {
  EXPECT_EQ(Sniff(test::ReadTestJpeg())->kind, MediaKind::kImage);
  EXPECT_EQ(Sniff(std::string("\x00\x00\x00\x20"
                              "ftypisom",
                              12))
                ->kind,
            MediaKind::kVideo);
  EXPECT_EQ(Sniff(std::string("ID3\x04", 4))->kind, MediaKind::kAudio);
  EXPECT_EQ(Sniff(Bytes({0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC}))->kind, MediaKind::kAudio);
}

TEST(ContentTypeAgrees, MismatchesAreRefusedAliasesAccepted) {
  const SniffedType jpeg{"image/jpeg", MediaKind::kImage};
  const SniffedType png{"image/png", MediaKind::kImage};
  const SniffedType mp3{"audio/mpeg", MediaKind::kAudio};
  EXPECT_TRUE(ContentTypeAgrees("image/jpeg", jpeg));
  EXPECT_TRUE(ContentTypeAgrees("IMAGE/JPEG; charset=binary", jpeg));
  EXPECT_TRUE(ContentTypeAgrees("image/jpg", jpeg));
  EXPECT_TRUE(ContentTypeAgrees("", jpeg));
  EXPECT_TRUE(ContentTypeAgrees("application/octet-stream", png));
  EXPECT_TRUE(ContentTypeAgrees("audio/mp3", mp3));
  EXPECT_FALSE(ContentTypeAgrees("image/jpeg", png));  // a PNG sent as a JPEG
  EXPECT_FALSE(ContentTypeAgrees("image/png", jpeg));
  EXPECT_FALSE(ContentTypeAgrees("text/html", jpeg));
  EXPECT_FALSE(ContentTypeAgrees("video/mp4", mp3));
}

}  // namespace
}  // namespace centinela::media
