#pragma once
// Removing location and device metadata from uploaded images, by format. Pure.

#include <string>
#include <string_view>

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

//! Dispatches on the sniffed content type: image/jpeg (StripJpegMetadata), image/png,
//! image/webp; other types come back unchanged.
Result<std::string> StripMetadata(std::string_view content_type, std::string_view bytes);

}  // namespace centinela::media
