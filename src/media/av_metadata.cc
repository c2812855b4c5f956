// Location and device metadata out of video (ISO BMFF: MP4, M4A, MOV) and audio (MP3, AAC
// ADTS) uploads. MP4 boxes are neutralised in place (renamed `free`, payload zeroed) so no
// byte moves and every chunk offset in stco/co64 stays right; audio tags are cut off the
// ends of the frame stream.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "media/metadata.h"

namespace centinela::media {

namespace {

uint8_t At(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }

uint64_t Be(std::string_view b, size_t i, int bytes) {
  uint64_t v = 0;
  for (int k = 0; k < bytes; ++k) v = (v << 8) | At(b, i + static_cast<size_t>(k));
  return v;
}

uint32_t Le32(std::string_view b, size_t i) {
  return static_cast<uint32_t>(At(b, i)) | (static_cast<uint32_t>(At(b, i + 1)) << 8) |
         (static_cast<uint32_t>(At(b, i + 2)) << 16) | (static_cast<uint32_t>(At(b, i + 3)) << 24);
}

Status Bad(std::string_view format, size_t offset, std::string_view what) {
  return Unprocessable(fmt::format("malformed {} at byte {}: {}", format, offset, what));
}

// ---- ISO BMFF ---------------------------------------------------------------------------

constexpr int kMaxDepth = 16;

// Boxes whose payload is nothing but child boxes, walked to find metadata below them.
bool IsContainer(std::string_view type) {
  static constexpr std::array<std::string_view, 11> kContainers = {
      "moov", "trak", "mdia", "minf", "stbl", "dinf", "edts", "mvex", "moof", "traf", "mfra"};
  for (std::string_view c : kContainers)
    if (type == c) return true;
  return false;
}

// XMP packets travel in a top-level `uuid` box with this user type.
constexpr std::string_view kXmpUuid(
    "\xBE\x7A\xCF\xCB\x97\xA9\x42\xE8\x9C\x71\x99\x94\x91\xE3\xAF\xAC", 16);

// Boxes that carry location or device data: user data (©xyz location, ©mak/©mod camera,
// ©swr software, loci), iTunes/QuickTime `meta` (com.apple.quicktime.location.ISO6709,
// make, model), a bare ©xyz or loci, and XMP.
bool IsMetadata(const Mp4Box& box, std::string_view b) {
  const std::string_view t = box.type;
  if (t == "udta" || t == "meta" || t == "loci" || t == "\xA9xyz") return true;
  return t == "uuid" && b.substr(box.offset + 8 + (box.header == 32 ? 8 : 0), 16) == kXmpUuid;
}

Status WalkBoxes(std::string_view b, size_t begin, size_t end, const std::string& parent, int depth,
                 std::vector<Mp4Box>* out) {
  if (depth > kMaxDepth) return Bad("MP4", begin, "boxes nested too deeply");
  size_t i = begin;
  while (i < end) {
    if (end - i < 8) return Bad("MP4", i, "box header runs past the end of its parent");
    Mp4Box box;
    box.offset = i;
    box.type = std::string(b.substr(i + 4, 4));
    box.path = parent.empty() ? box.type : parent + "/" + box.type;
    const uint64_t size32 = Be(b, i, 4);
    box.header = 8;
    if (size32 == 1) {
      if (end - i < 16) return Bad("MP4", i, "64-bit box size runs past the end of its parent");
      box.size = Be(b, i + 8, 8);
      box.header = 16;
    } else if (size32 == 0) {
      if (depth != 0) return Bad("MP4", i, "a box of size 0 (to the end) inside another box");
      box.size = end - i;
    } else {
      box.size = size32;
    }
    if (box.type == "uuid") box.header += 16;
    if (box.size < box.header) return Bad("MP4", i, "box size smaller than its header");
    if (box.size > end - i) return Bad("MP4", i, "box '" + box.type + "' runs past its parent");
    out->push_back(box);
    const size_t box_end = i + static_cast<size_t>(box.size);
    if (IsContainer(box.type)) {
      Status s = WalkBoxes(b, i + box.header, box_end, box.path, depth + 1, out);
      if (!s.ok()) return s;
    }
    i = box_end;
  }
  return Status::Ok();
}

// ---- MPEG audio and ADTS ----------------------------------------------------------------

// Total size of the ID3v2 tag at `i` (header, body, footer), 0 when there is none there.
Result<size_t> Id3v2At(std::string_view b, size_t i) {
  if (b.size() - i < 10 || b.substr(i, 3) != "ID3") return size_t{0};
  const uint8_t major = At(b, i + 3);
  if (major < 2 || major > 4 || At(b, i + 4) == 0xFF) return Bad("ID3v2", i, "unknown version");
  uint64_t body = 0;
  for (size_t k = 6; k < 10; ++k) {
    if (At(b, i + k) & 0x80) return Bad("ID3v2", i, "size is not sync-safe");
    body = (body << 7) | At(b, i + k);
  }
  const uint64_t total = 10 + body + ((At(b, i + 5) & 0x10) ? 10 : 0);
  if (total > b.size() - i) return Bad("ID3v2", i, "tag runs past the end of the file");
  return static_cast<size_t>(total);
}

// An MPEG-1/2/2.5 layer I-III frame header, or an ADTS (AAC) one.
bool IsAudioFrame(std::string_view b, size_t i) {
  if (b.size() - i < 4 || At(b, i) != 0xFF || (At(b, i + 1) & 0xE0) != 0xE0) return false;
  const int layer = (At(b, i + 1) >> 1) & 0x3;
  if (layer == 0) return (At(b, i + 1) & 0xF6) == 0xF0 && b.size() - i >= 7;  // ADTS
  const int version = (At(b, i + 1) >> 3) & 0x3;
  const int bitrate = (At(b, i + 2) >> 4) & 0xF;
  const int rate = (At(b, i + 2) >> 2) & 0x3;
  return version != 1 && bitrate != 0xF && rate != 3;
}

// Size of the tag ending at `end` (ID3v1, ID3v1 extended, APEv2, appended ID3v2.4), 0 when
// the stream ends with audio.
Result<size_t> TrailingTag(std::string_view b, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n >= 128 && b.substr(end - 128, 3) == "TAG") {
    if (n >= 128 + 227 && b.substr(end - 128 - 227, 4) == "TAG+") return size_t{128 + 227};
    return size_t{128};
  }
  if (n >= 32 && b.substr(end - 32, 8) == "APETAGEX") {
    const uint64_t size = Le32(b, end - 32 + 12);
    const bool has_header = (Le32(b, end - 32 + 20) & 0x80000000u) != 0;
    const uint64_t total = size + (has_header ? 32 : 0);
    if (size < 32 || total > n) return Bad("APE tag", end - 32, "tag size runs past the start");
    return static_cast<size_t>(total);
  }
  if (n >= 10 && b.substr(end - 10, 3) == "3DI") {
    uint64_t body = 0;
    for (size_t k = end - 4; k < end; ++k) {
      if (At(b, k) & 0x80) return Bad("ID3v2 footer", end - 10, "size is not sync-safe");
      body = (body << 7) | At(b, k);
    }
    const uint64_t total = 20 + body;
    if (total > n || b.substr(end - static_cast<size_t>(total), 3) != "ID3")
      return Bad("ID3v2 footer", end - 10, "no matching ID3v2 header");
    return static_cast<size_t>(total);
  }
  return size_t{0};
}

}  // namespace

Result<std::vector<Mp4Box>> ListMp4Boxes(std::string_view b) {
  std::vector<Mp4Box> boxes;
  Status s = WalkBoxes(b, 0, b.size(), "", 0, &boxes);
  if (!s.ok()) return s;
  if (boxes.empty() || boxes.front().type != "ftyp") return Bad("MP4", 0, "no leading ftyp box");
  bool moov = false;
  for (const Mp4Box& box : boxes) moov = moov || box.path == "moov";
  if (!moov) return Bad("MP4", 0, "no moov box (the movie header)");
  return boxes;
}

Result<std::string> StripMp4Metadata(std::string_view b) {
  Result<std::vector<Mp4Box>> boxes = ListMp4Boxes(b);
  if (!boxes.ok()) return boxes.status();
  std::string out(b);
  size_t covered_until = 0;  // children of a neutralised box need nothing more
  for (const Mp4Box& box : *boxes) {
    if (box.offset < covered_until || !IsMetadata(box, b)) continue;
    out.replace(box.offset + 4, 4, "free");
    // Keep the (64-bit) size, clear everything after the 8-byte size/type header.
    const size_t payload = box.offset + (box.header == 8 || box.header == 24 ? 8 : 16);
    const size_t box_end = box.offset + static_cast<size_t>(box.size);
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(payload),
              out.begin() + static_cast<std::ptrdiff_t>(box_end), '\0');
    covered_until = box_end;
  }
  return out;
}

Result<std::string> StripAudioMetadata(std::string_view b) {
  size_t begin = 0;
  for (;;) {
    Result<size_t> tag = Id3v2At(b, begin);
    if (!tag.ok()) return tag.status();
    if (*tag == 0) break;
    begin += *tag;
  }
  size_t end = b.size();
  for (;;) {
    Result<size_t> tag = TrailingTag(b, begin, end);
    if (!tag.ok()) return tag.status();
    if (*tag == 0) break;
    end -= *tag;
  }
  if (!IsAudioFrame(b, begin)) return Bad("audio", begin, "no MPEG or ADTS frame after the tags");
  return std::string(b.substr(begin, end - begin));
}

}  // namespace centinela::media
