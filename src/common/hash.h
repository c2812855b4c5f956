#pragma once
// SHA-256 and randomness through libsodium. Call InitCrypto() once before use.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace centinela {

//! Initialises libsodium; safe to call more than once and from several threads.
void InitCrypto();
//! Lower-case hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);
//! Raw 32-byte SHA-256 of data.
std::string Sha256Raw(std::string_view data);
//! Lower-case hex of arbitrary bytes.
std::string ToHex(std::string_view bytes);
//! n cryptographically random bytes.
std::string RandomBytes(size_t n);
//! URL-safe base64 without padding.
std::string Base64Url(std::string_view bytes);
//! The bytes Base64Url(bytes) was made from; nullopt unless text is exactly such an
//! encoding (URL-safe alphabet, no padding, no whitespace, zero bits after the last byte).
std::optional<std::string> Base64UrlDecode(std::string_view text);
//! A random identifier: 16 random bytes as 32 hex characters.
std::string NewId();

}  // namespace centinela
