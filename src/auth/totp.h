#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) and the RFC 4648 base32 that
// authenticator apps exchange secrets in. Pure functions; thread-safe.
//
// HMAC-SHA-256/512 come from libsodium; libsodium has no SHA-1, and RFC 6238's apps all use
// HMAC-SHA-1, so a compact SHA-1 lives here (used only inside HMAC, where SHA-1's collision
// weakness does not apply).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace centinela::auth {

enum class TotpHash { kSha1, kSha256, kSha512 };

//! The TOTP parameters every authenticator app assumes: 30 s steps, 6 digits, HMAC-SHA-1.
inline constexpr int64_t kTotpStepMs = 30'000;
inline constexpr int kTotpDigits = 6;
//! Steps either side of now a code is still accepted (clock skew, typing time).
inline constexpr int kTotpWindow = 1;

//! Raw 20-byte SHA-1 of data (FIPS 180-4).
std::string Sha1(std::string_view data);
//! Raw HMAC (RFC 2104) of message under key with the given hash.
std::string Hmac(TotpHash hash, std::string_view key, std::string_view message);
//! RFC 4226 HOTP: `digits` decimal digits (zero-padded) for counter under secret.
std::string HotpCode(std::string_view secret, uint64_t counter, int digits = kTotpDigits,
                     TotpHash hash = TotpHash::kSha1);
//! The time step holding unix time `unix_ms` (floor(T / 30 s)).
int64_t TotpStep(int64_t unix_ms);
//! RFC 6238 TOTP at unix time `unix_ms`.
std::string TotpCode(std::string_view secret, int64_t unix_ms, int digits = kTotpDigits,
                     TotpHash hash = TotpHash::kSha1);
//! The step (within kTotpWindow of now) whose code is `code`, if it is later than
//! `after_step` (the last step accepted: a code is good once). Compares in constant time.
std::optional<int64_t> MatchTotp(std::string_view secret, std::string_view code, int64_t now_ms,
                                 int64_t after_step);

//! RFC 4648 base32 (upper case), with '=' padding when `pad`.
std::string Base32Encode(std::string_view bytes, bool pad = true);
//! Decodes base32, ignoring case, spaces, dashes and trailing '='; nullopt on any other
//! character or an impossible length.
std::optional<std::string> Base32Decode(std::string_view text);

//! The otpauth:// URI authenticator apps read from a QR code (Key Uri Format):
//! otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secret_base32);

}  // namespace centinela::auth
