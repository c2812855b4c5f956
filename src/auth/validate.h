#pragma once
// Pure checks and normalisation of account fields (private to src/auth). Each returns a
// Status whose message may be shown to the caller as is (422).

#include <cstddef>
#include <string>
#include <string_view>

#include "auth/roles.h"
#include "common/status.h"

namespace centinela::auth {

//! Longest password accepted, in bytes (Argon2id cost does not depend on it, but memory
//! and request size do).
inline constexpr size_t kMaxPasswordBytes = 1024;
//! Longest display name, in Unicode code points.
inline constexpr size_t kMaxDisplayNameChars = 100;
//! Longest email address (RFC 5321 path limit).
inline constexpr size_t kMaxEmailBytes = 254;
//! Longest area code in a grant.
inline constexpr size_t kMaxAreaCodeBytes = 64;

//! Number of code points when `s` is well-formed UTF-8 (no overlongs, no surrogates, at
//! most U+10FFFF), else -1.
long Utf8Length(std::string_view s);

//! Lower-cases and checks an email address ("name@example.org"): ASCII only, one '@', a
//! dotted domain of letters, digits and hyphens. On success `*out` is the normal form.
Status NormalizeEmail(std::string_view raw, std::string* out);
//! Drops spaces, hyphens, dots and parentheses and checks for '+' and 8..15 digits.
Status NormalizePhone(std::string_view raw, std::string* out);
//! The form a login name is looked up by: a normalised email when it has an '@', a
//! normalised phone when it parses as one, otherwise the trimmed lower-cased text (which
//! matches no account but still keys the throttle).
std::string NormalizeLogin(std::string_view login);

Status CheckPassword(std::string_view password, size_t min_length);
Status CheckDisplayName(std::string_view name);
//! "es" or "en"; an empty locale becomes "es".
Status NormalizeLocale(std::string_view raw, std::string* out);
//! Staff roles need an area (or kAllAreas); the neighbour role never carries one (its area
//! is cleared).
Status NormalizeGrant(Grant* grant);

//! "j***@example.org"; "+56*******78"; "" stays "". For event payloads and logs.
std::string MaskEmail(std::string_view email);
std::string MaskPhone(std::string_view phone);

}  // namespace centinela::auth
