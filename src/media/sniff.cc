#include "media/sniff.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace centinela::media {

namespace {

uint8_t At(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }

bool StartsWith(std::string_view b, std::string_view prefix, size_t at = 0) {
  return b.size() >= at + prefix.size() && b.substr(at, prefix.size()) == prefix;
}

// ADTS: 12-bit sync 0xFFF, MPEG id (any), layer 00, protection flag (any).
bool IsAdts(std::string_view b) {
  return b.size() >= 7 && At(b, 0) == 0xFF && (At(b, 1) & 0xF6) == 0xF0;
}

// MPEG audio frame header: 11-bit sync, version != reserved (01), layer != reserved (00),
// bitrate index not 1111 ("bad"), sample-rate index not 11 (reserved).
bool IsMpegAudioFrame(std::string_view b) {
  if (b.size() < 4 || At(b, 0) != 0xFF || (At(b, 1) & 0xE0) != 0xE0) return false;
  const int version = (At(b, 1) >> 3) & 0x3;
  const int layer = (At(b, 1) >> 1) & 0x3;
  const int bitrate = (At(b, 2) >> 4) & 0xF;
  const int rate = (At(b, 2) >> 2) & 0x3;
  return version != 1 && layer != 0 && bitrate != 0xF && rate != 3;
}

// Where the audio starts after the ID3v2 tags at the front (0 when there are none; the size
// when a tag is cut short, so nothing follows).
size_t AfterId3v2(std::string_view b) {
  size_t i = 0;
  while (b.size() - i >= 10 && b.substr(i, 3) == "ID3") {
    size_t body = 0;
    for (size_t k = 6; k < 10; ++k) body = (body << 7) | (At(b, i + k) & 0x7F);
    const size_t total = 10 + body + ((At(b, i + 5) & 0x10) ? 10 : 0);
    if (total > b.size() - i) return b.size();
    i += total;
  }
  return i;
}

std::string Essence(std::string_view header) {
  const size_t semi = header.find(';');
  std::string_view s = header.substr(0, semi);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<SniffedType> Sniff(std::string_view b) {
  if (b.size() >= 3 && At(b, 0) == 0xFF && At(b, 1) == 0xD8 && At(b, 2) == 0xFF)
    return SniffedType{"image/jpeg", MediaKind::kImage};
  if (StartsWith(b, std::string_view("\x89PNG\r\n\x1a\n", 8)))
    return SniffedType{"image/png", MediaKind::kImage};
  if (StartsWith(b, "RIFF") && StartsWith(b, "WEBP", 8))
    return SniffedType{"image/webp", MediaKind::kImage};
  if (StartsWith(b, "ftyp", 4)) return SniffedType{"video/mp4", MediaKind::kVideo};
  if (IsAdts(b)) return SniffedType{"audio/aac", MediaKind::kAudio};
  if (StartsWith(b, "ID3")) {  // a tag in front of MP3 frames, or of AAC ones
    if (IsAdts(b.substr(AfterId3v2(b)))) return SniffedType{"audio/aac", MediaKind::kAudio};
    return SniffedType{"audio/mpeg", MediaKind::kAudio};
  }
  if (IsMpegAudioFrame(b)) return SniffedType{"audio/mpeg", MediaKind::kAudio};
  return std::nullopt;
}

bool ContentTypeAgrees(std::string_view header, const SniffedType& sniffed) {
  const std::string given = Essence(header);
  if (given.empty() || given == "application/octet-stream") return true;
  if (given == sniffed.content_type) return true;
  const std::string_view t = sniffed.content_type;
  if (t == "image/jpeg") return given == "image/jpg" || given == "image/pjpeg";
  if (t == "video/mp4")
    return given == "audio/mp4" || given == "audio/x-m4a" || given == "video/quicktime";
  if (t == "audio/mpeg") return given == "audio/mp3" || given == "audio/mpeg3";
  if (t == "audio/aac") return given == "audio/aacp" || given == "audio/x-aac";
  return false;
}

}  // namespace centinela::media
