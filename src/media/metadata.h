#pragma once
// Removing location and device metadata from uploaded images, video and audio, by format.
// Pure.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace centinela::media {

//! PNG without its metadata chunks: eXIf (Exif, with GPS), tEXt, zTXt and iTXt (free text
//! and XMP) are dropped, every other chunk is kept byte for byte (CRCs included), and bytes
//! after IEND are dropped. Truncated or malformed input (bad signature, a chunk running past
//! the end, no IEND) is a kUnprocessable error; never reads out of bounds.
Result<std::string> StripPngMetadata(std::string_view png);

//! WebP without its "EXIF" and "XMP " chunks; the VP8X header's EXIF and XMP flags are
//! cleared and the RIFF size rewritten. Other chunks (image data, ICC, animation) are kept.
//! Truncated or malformed input is a kUnprocessable error.
Result<std::string> StripWebpMetadata(std::string_view webp);

//! One ISO BMFF box as found by ListMp4Boxes.
struct Mp4Box {
  std::string type;   //!< four bytes, e.g. "moov", "\xA9xyz"
  std::string path;   //!< types from the top, e.g. "moov/trak/udta"
  size_t offset = 0;  //!< of the box's first byte in the file
  uint64_t size = 0;  //!< whole box, header included
  size_t header = 8;  //!< 8, 16 with a 64-bit size, +16 for a uuid's user type
};

//! The box tree of an ISO BMFF file (MP4, M4A, MOV) in file order, descending into the
//! containers that hold tracks (moov, trak, mdia, minf, stbl, dinf, edts, mvex, moof, traf,
//! mfra). Every box must lie inside its parent, children must tile their parent exactly,
//! the first box must be ftyp and a top-level moov must exist; otherwise kUnprocessable.
Result<std::vector<Mp4Box>> ListMp4Boxes(std::string_view mp4);

//! An ISO BMFF file with its location and device metadata neutralised: every udta, meta,
//! loci, ©xyz and XMP uuid box found in the walked tree becomes a `free` box of the same size
//! with a zeroed payload, so no byte moves and the chunk offsets (stco/co64) stay valid.
//! A malformed box tree is a kUnprocessable error.
Result<std::string> StripMp4Metadata(std::string_view mp4);

//! MP3 or AAC (ADTS) audio without its tags: ID3v2 tags at the start, ID3v1 (and its
//! extended TAG+ block), APEv2 and appended ID3v2.4 tags at the end. What remains must start
//! with an MPEG audio or ADTS frame header; a malformed tag or no frame is kUnprocessable.
Result<std::string> StripAudioMetadata(std::string_view audio);

//! Dispatches on the sniffed content type: image/jpeg (StripJpegMetadata), image/png,
//! image/webp, video/mp4 (StripMp4Metadata), audio/mpeg and audio/aac
//! (StripAudioMetadata); other types come back unchanged.
Result<std::string> StripMetadata(std::string_view content_type, std::string_view bytes);

}  // namespace centinela::media
