#pragma once
// Small hand-built video and audio files that carry a GPS position (ISO 6709, as phones write
// it) and a camera name in their metadata, for the stripping tests (unit and integration).

#include <cstddef>
#include <cstdint>
#include <string>

namespace centinela::test {

inline const std::string kGps = "-33.4960-070.6510";  // ISO 6709, as phones write it
inline const std::string kCamera = "CentinelaTestCam";

inline std::string Be32(uint64_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
inline std::string Box(const std::string& type, const std::string& payload) {
  return Be32(8 + payload.size()) + type + payload;
}
inline std::string LargeBox(const std::string& type, const std::string& payload) {
  const uint64_t n = 16 + payload.size();
  return Be32(1) + type + Be32(n >> 32) + Be32(n & 0xFFFFFFFFu) + payload;
}
inline std::string FullBox(const std::string& type, const std::string& payload) {
  return Box(type, std::string(4, '\0') + payload);
}

inline const std::string kXmpUuid(
    "\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC", 16);
inline const std::string kFrames = "FRAME-0001FRAME-0002FRAME-0003";

// ftyp, mdat (the samples), an XMP uuid box, and last the moov with a track whose stco
// points into mdat, user data with a ©xyz location and a camera name in the movie and in the
// track, and a QuickTime meta with the location key.
inline std::string PhoneVideo() {
  const std::string ftyp = Box("ftyp", "isom" + Be32(0x200) + "isomiso2mp41");
  const std::string mdat = Box("mdat", kFrames);
  const uint64_t first_chunk = ftyp.size() + 8;
  const std::string stbl =
      Box("stbl", FullBox("stsd", Be32(0)) + FullBox("stco", Be32(1) + Be32(first_chunk)));
  const std::string minf = Box("minf", FullBox("smhd", Be32(0)) + stbl);
  const std::string mdia =
      Box("mdia", FullBox("mdhd", std::string(20, '\0')) + FullBox("hdlr", "mhlrsoun") + minf);
  const std::string track_udta = Box("udta", Box("\xA9xyz", Be32(0) + kGps + "/"));
  const std::string trak = Box("trak", FullBox("tkhd", std::string(80, '\0')) + mdia + track_udta);
  const std::string udta =
      LargeBox("udta", Box("\xA9mak", Be32(0) + kCamera) + Box("\xA9xyz", Be32(0) + kGps + "/") +
                           Box("loci", std::string(4, '\0') + "casa" + kGps));
  const std::string meta = FullBox("meta", FullBox("hdlr", std::string(4, '\0') + "mdta") +
                                               Box("keys", "com.apple.quicktime.location.ISO6709") +
                                               Box("ilst", Box("data", kGps + "+000.000/")));
  const std::string moov = Box("moov", FullBox("mvhd", std::string(96, '\0')) + trak + udta + meta);
  const std::string xmp = Box("uuid", kXmpUuid + "<x:xmpmeta exif:GPSLatitude=\"33,29.76S\"/>");
  return ftyp + mdat + xmp + moov;
}

// A metadata-free MP4 of exactly `size` bytes (>= 128): ftyp, a bare moov, and mdat filling
// the rest.
inline std::string Mp4OfSize(size_t size) {
  const std::string head = Box("ftyp", "isom" + Be32(0x200) + "isommp41") +
                           Box("moov", FullBox("mvhd", std::string(96, '\0')));
  return head + Box("mdat", std::string(size - head.size() - 8, '\x01'));
}

// Two MPEG-1 layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each) and two ADTS frames.
inline std::string Mp3Frames() {
  std::string f = std::string("\xFF\xFB\x90\x64", 4) + std::string(413, '\x11');
  return f + f;
}
inline std::string AdtsFrames() {
  std::string f = std::string("\xFF\xF1\x50\x80\x02\x1F\xFC", 7) + std::string(9, '\x22');
  return f + f;
}
inline std::string SyncSafe(uint32_t v) {
  return {static_cast<char>((v >> 21) & 0x7F), static_cast<char>((v >> 14) & 0x7F),
          static_cast<char>((v >> 7) & 0x7F), static_cast<char>(v & 0x7F)};
}
// ID3v2.3 with a location in a user text frame and the recording device.
inline std::string Id3v2() {
  auto frame = [](const std::string& id, const std::string& text) {
    return id + Be32(text.size() + 1) + std::string(2, '\0') + '\0' + text;
  };
  const std::string body = frame("TXXX", std::string("location\0", 9) + kGps) +
                           frame("TSSE", kCamera) + std::string(16, '\0');  // padding
  return std::string("ID3\x03\x00\x00", 6) + SyncSafe(static_cast<uint32_t>(body.size())) + body;
}
inline std::string Id3v1() {
  std::string t = "TAG" + std::string("Grabacion") + std::string(21, ' ');  // title
  t += std::string(60, ' ') + "2026" + ("GPS " + kGps);                     // artist, album, year
  t.resize(127, ' ');
  return t + '\x0C';  // genre
}
inline std::string Le32(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
          static_cast<char>(v >> 24)};
}
inline std::string Ape() {
  const std::string item = Le32(static_cast<uint32_t>(kCamera.size())) + Le32(0) + "Device" +
                           std::string(1, '\0') + kCamera;
  const uint32_t size = static_cast<uint32_t>(item.size() + 32);
  auto block = [&](uint32_t flags) {
    return "APETAGEX" + Le32(2000) + Le32(size) + Le32(1) + Le32(flags) + std::string(8, '\0');
  };
  return block(0xA0000000u) + item + block(0x80000000u);  // header, items, footer
}

}  // namespace centinela::test
