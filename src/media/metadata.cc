#include "media/metadata.h"

#include <fmt/format.h>

#include <cstdint>

#include "media/jpeg.h"

namespace centinela::media {

namespace {

uint32_t Be32(std::string_view b, size_t i) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[i])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[i + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[i + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[i + 3]));
}
uint32_t Le32(std::string_view b, size_t i) {
  return static_cast<uint32_t>(static_cast<uint8_t>(b[i])) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[i + 1])) << 8) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[i + 2])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[i + 3])) << 24);
}
void PutLe32(std::string& s, size_t i, uint32_t v) {
  for (int k = 0; k < 4; ++k)
    s[i + static_cast<size_t>(k)] = static_cast<char>((v >> (8 * k)) & 0xFF);
}

Status Bad(std::string_view format, size_t offset, std::string_view what) {
  return Unprocessable(fmt::format("malformed {} at byte {}: {}", format, offset, what));
}

}  // namespace

Result<std::string> StripPngMetadata(std::string_view b) {
  constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  if (b.substr(0, 8) != kSignature) return Bad("PNG", 0, "no PNG signature");
  std::string out(kSignature);
  out.reserve(b.size());
  size_t i = 8;
  for (;;) {
    if (i + 12 > b.size()) return Bad("PNG", i, "file ends without an IEND chunk");
    const uint32_t length = Be32(b, i);
    if (length > 0x7FFFFFFFu) return Bad("PNG", i, "chunk length too large");
    const std::string_view type = b.substr(i + 4, 4);
    if (length > b.size() - i - 12) return Bad("PNG", i, "chunk runs past the end of the file");
    const size_t total = 12 + static_cast<size_t>(length);
    if (type != "eXIf" && type != "tEXt" && type != "zTXt" && type != "iTXt")
      out.append(b.substr(i, total));
    i += total;
    if (type == "IEND") return out;  // anything after IEND is dropped
  }
}

Result<std::string> StripWebpMetadata(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WEBP")
    return Bad("WebP", 0, "no RIFF/WEBP header");
  const uint64_t riff_end = 8 + static_cast<uint64_t>(Le32(b, 4));
  if (riff_end > b.size()) return Bad("WebP", 4, "RIFF size runs past the end of the file");
  std::string out(b.substr(0, 12));
  size_t i = 12;
  size_t vp8x_flags = std::string::npos;  // offset of the VP8X flags byte in `out`
  while (i < riff_end) {
    if (i + 8 > riff_end) return Bad("WebP", i, "chunk header runs past the end");
    const std::string_view fourcc = b.substr(i, 4);
    const uint64_t size = Le32(b, i + 4);
    const uint64_t padded = size + (size & 1);
    if (i + 8 + padded > riff_end) return Bad("WebP", i, "chunk runs past the end");
    const size_t total = 8 + static_cast<size_t>(padded);
    if (fourcc != "EXIF" && fourcc != "XMP ") {
      if (fourcc == "VP8X" && size >= 1) vp8x_flags = out.size() + 8;
      out.append(b.substr(i, total));
    }
    i += total;
  }
  if (vp8x_flags != std::string::npos)
    out[vp8x_flags] =
        static_cast<char>(static_cast<uint8_t>(out[vp8x_flags]) & ~0x0Cu);  // EXIF, XMP
  PutLe32(out, 4, static_cast<uint32_t>(out.size() - 8));
  return out;
}

Result<std::string> StripMetadata(std::string_view content_type, std::string_view bytes) {
  if (content_type == "image/jpeg") return StripJpegMetadata(bytes);
  if (content_type == "image/png") return StripPngMetadata(bytes);
  if (content_type == "image/webp") return StripWebpMetadata(bytes);
  if (content_type == "video/mp4") return StripMp4Metadata(bytes);
  if (content_type == "audio/mpeg" || content_type == "audio/aac") return StripAudioMetadata(bytes);
  return std::string(bytes);
}

}  // namespace centinela::media
