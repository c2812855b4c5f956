#pragma once
// What an uploaded file is, decided from its first bytes (magic numbers), never from the
// name or the client's Content-Type. Pure.

#include <optional>
#include <string_view>

namespace centinela::media {

//! The size limit that applies (media.max_{image,video,audio}_bytes).
enum class MediaKind { kImage, kVideo, kAudio };

struct SniffedType {
  std::string_view content_type;  //!< canonical MIME type, e.g. "image/jpeg"
  MediaKind kind;
};

//! Recognises JPEG (FF D8 FF), PNG (89 'PNG' 0D 0A 1A 0A), WebP ("RIFF" size "WEBP"),
//! MP4 ("ftyp" at offset 4), AAC in ADTS frames (FF F0/F1/F8/F9: sync, layer 0; also after
//! ID3v2 tags), MP3 (an "ID3" tag not followed by ADTS, or an MPEG-1/2/2.5 audio frame
//! header with a valid bitrate and sample rate).
//! nullopt for anything else.
std::optional<SniffedType> Sniff(std::string_view bytes);

//! True when a client's Content-Type header value (parameters and case ignored) names the
//! sniffed type or one of its common aliases ("image/jpg", "audio/mp3", "audio/mp4", ...).
//! An empty header or "application/octet-stream" says nothing and agrees with anything.
bool ContentTypeAgrees(std::string_view header, const SniffedType& sniffed);

}  // namespace centinela::media
