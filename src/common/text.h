#pragma once
// Small text helpers shared by the domain services.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace centinela {

//! Number of code points in valid UTF-8 text (NUL bytes count as invalid), or nullopt when
//! the bytes are not valid UTF-8. Limits that users see ("at most 1,000 characters") are in
//! code points, not bytes.
std::optional<size_t> Utf8CodePoints(std::string_view s);

//! Text for XML and HTML content and attribute values: & < > " ' escaped, and control
//! characters other than tab, newline and carriage return dropped (not allowed in XML 1.0).
std::string EscapeMarkup(std::string_view s);

}  // namespace centinela
