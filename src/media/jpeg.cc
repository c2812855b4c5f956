#include "media/jpeg.h"

#include <fmt/format.h>

#include <cstdint>

namespace centinela::media {

namespace {

constexpr uint8_t kSoi = 0xD8, kEoi = 0xD9, kSos = 0xDA, kCom = 0xFE, kTem = 0x01;

uint8_t At(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }
bool IsRst(uint8_t m) { return m >= 0xD0 && m <= 0xD7; }
bool IsApp(uint8_t m) { return m >= 0xE0 && m <= 0xEF; }

Status Bad(size_t offset, std::string_view what) {
  return Unprocessable(fmt::format("malformed JPEG at byte {}: {}", offset, what));
}

// Metadata segments that must not reach other people (see jpeg.h).
bool Drop(uint8_t marker, std::string_view payload) {
  if (marker == kCom) return true;
  if (!IsApp(marker)) return false;
  if (marker == 0xE0 || marker == 0xEE) return false;  // JFIF/JFXX, Adobe
  if (marker == 0xE2) return payload.substr(0, 12) != std::string_view("ICC_PROFILE\0", 12);
  return true;
}

}  // namespace

Result<std::string> StripJpegMetadata(std::string_view b) {
  if (b.size() < 4 || At(b, 0) != 0xFF || At(b, 1) != kSoi) return Bad(0, "no SOI marker");
  std::string out;
  out.reserve(b.size());
  out.append(b.substr(0, 2));
  size_t i = 2;
  bool in_scan = false;  // after an SOS: entropy-coded data until the next real marker
  for (;;) {
    if (in_scan) {
      // Entropy-coded data: FF 00 is a stuffed FF, FF D0..D7 are restart markers, FF FF is
      // fill; any other FF xx ends the scan.
      const size_t start = i;
      for (;;) {
        if (i + 1 >= b.size()) return Bad(b.size(), "image data ends without an EOI marker");
        if (At(b, i) == 0xFF) {
          const uint8_t next = At(b, i + 1);
          if (next == 0x00 || IsRst(next)) {
            i += 2;
            continue;
          }
          if (next != 0xFF) break;
        }
        ++i;
      }
      out.append(b.substr(start, i - start));
      in_scan = false;
    }
    // A marker: FF, optional FF fill bytes, the marker code.
    if (i >= b.size()) return Bad(i, "file ends without an EOI marker");
    if (At(b, i) != 0xFF) return Bad(i, "expected a marker between segments");
    while (i < b.size() && At(b, i) == 0xFF) ++i;
    if (i >= b.size()) return Bad(i, "file ends inside a marker");
    const uint8_t marker = At(b, i);
    const size_t marker_at = i - 1;
    ++i;
    if (marker == kEoi) {
      out.push_back(static_cast<char>(0xFF));
      out.push_back(static_cast<char>(kEoi));
      return out;  // anything after EOI is dropped
    }
    if (marker == kSoi || marker == 0x00)
      return Bad(marker_at, "unexpected marker inside the file");
    if (marker == kTem || IsRst(marker)) {  // stand-alone markers carry no length
      out.push_back(static_cast<char>(0xFF));
      out.push_back(static_cast<char>(marker));
      continue;
    }
    if (i + 2 > b.size()) return Bad(i, "segment length runs past the end of the file");
    const size_t length = (static_cast<size_t>(At(b, i)) << 8) | At(b, i + 1);
    if (length < 2) return Bad(i, "segment length below 2");
    if (i + length > b.size()) return Bad(i, "segment runs past the end of the file");
    const std::string_view payload = b.substr(i + 2, length - 2);
    if (!Drop(marker, payload)) {
      out.push_back(static_cast<char>(0xFF));
      out.push_back(static_cast<char>(marker));
      out.append(b.substr(i, length));
    }
    i += length;
    if (marker == kSos) in_scan = true;
  }
}

}  // namespace centinela::media
