#pragma once
// Removing location and device metadata from JPEG files. Pure.

#include <string>
#include <string_view>

#include "common/status.h"

namespace centinela::media {

//! Returns `jpeg` without its metadata segments: APP1 (Exif, with its GPS IFD and camera
//! make/model/serial, and XMP), APP3..APP13 and APP15 (vendor data, Photoshop/IPTC), APP2
//! other than ICC_PROFILE (e.g. MPF, which points at embedded images with their own Exif),
//! and COM comments. APP0 (JFIF), ICC profiles, APP14 (Adobe colour transform), tables,
//! frame and scan headers and the entropy-coded data are kept byte for byte; bytes after
//! EOI (appended images, vendor trailers) are dropped.
//!
//! The header is walked segment by segment up to the first SOS; after it, entropy-coded
//! data is skipped by its own rules (FF 00 stuffing, RSTn) so that a progressive file's
//! later tables and scans are parsed too, until EOI. Truncated or malformed input (a
//! length running past the end, a missing SOI or EOI, a stray byte between segments) is an
//! kUnprocessable error naming the offset; the function never reads out of bounds.
Result<std::string> StripJpegMetadata(std::string_view jpeg);

}  // namespace centinela::media
