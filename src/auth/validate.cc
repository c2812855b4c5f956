#include "auth/validate.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace centinela::auth {

namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ValidLocalPart(std::string_view local) {
  if (local.empty() || local.size() > 64) return false;
  if (local.front() == '.' || local.back() == '.') return false;
  if (local.find("..") != std::string_view::npos) return false;
  constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~.-";
  return std::all_of(local.begin(), local.end(), [&](char c) {
    return IsAsciiAlnum(c) || kSpecials.find(c) != std::string_view::npos;
  });
}

bool ValidDomain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  size_t labels = 0;
  std::string_view last;
  while (true) {
    const size_t dot = domain.find('.');
    std::string_view label = domain.substr(0, dot);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return IsAsciiAlnum(c) || c == '-'; }))
      return false;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  // A top-level domain of at least two letters: rejects "a@b" and "a@1.2.3.4".
  return labels >= 2 && last.size() >= 2 &&
         std::all_of(last.begin(), last.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

long Utf8Length(std::string_view s) {
  long n = 0;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return -1;
    }
    if (i + len > s.size()) return -1;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len]) return -1;             // overlong
    if (cp > 0x10FFFF) return -1;                        // beyond Unicode
    if (cp >= 0xD800 && cp <= 0xDFFF) return -1;         // UTF-16 surrogate
    i += len;
    ++n;
  }
  return n;
}

Status NormalizeEmail(std::string_view raw, std::string* out) {
  std::string email = Lower(Trim(raw));
  if (email.size() > kMaxEmailBytes) return Unprocessable("email address is too long");
  const size_t at = email.find('@');
  if (at == std::string::npos || email.find('@', at + 1) != std::string::npos ||
      !ValidLocalPart(std::string_view(email).substr(0, at)) ||
      !ValidDomain(std::string_view(email).substr(at + 1))) {
    return Unprocessable("email address is not valid");
  }
  *out = std::move(email);
  return Status::Ok();
}

Status NormalizePhone(std::string_view raw, std::string* out) {
  std::string phone;
  for (char c : Trim(raw)) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
    phone.push_back(c);
  }
  const bool ok = phone.size() >= 9 && phone.size() <= 16 && phone[0] == '+' &&
                  std::all_of(phone.begin() + 1, phone.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
  if (!ok) return Unprocessable("phone number must be '+' and 8 to 15 digits (E.164)");
  *out = std::move(phone);
  return Status::Ok();
}

std::string NormalizeLogin(std::string_view login) {
  std::string out;
  if (login.find('@') != std::string_view::npos) {
    if (NormalizeEmail(login, &out).ok()) return out;
  } else if (NormalizePhone(login, &out).ok()) {
    return out;
  }
  return Lower(Trim(login));
}

Status CheckPassword(std::string_view password, size_t min_length) {
  if (password.size() > kMaxPasswordBytes)
    return Unprocessable("password is longer than " + std::to_string(kMaxPasswordBytes) + " bytes");
  // Count characters, not bytes, so a non-ASCII password is held to the same length.
  const long chars = Utf8Length(password);
  const size_t length = chars >= 0 ? static_cast<size_t>(chars) : password.size();
  if (length < min_length)
    return Unprocessable("password must be at least " + std::to_string(min_length) + " characters");
  return Status::Ok();
}

Status CheckDisplayName(std::string_view name) {
  const long chars = Utf8Length(name);
  if (chars < 0) return Unprocessable("display_name is not valid UTF-8");
  if (static_cast<size_t>(chars) > kMaxDisplayNameChars)
    return Unprocessable("display_name is longer than " + std::to_string(kMaxDisplayNameChars) +
                         " characters");
  if (std::any_of(name.begin(), name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
    return Unprocessable("display_name must not contain control characters");
  return Status::Ok();
}

Status NormalizeLocale(std::string_view raw, std::string* out) {
  if (raw.empty() || raw == "es") {
    *out = "es";
  } else if (raw == "en") {
    *out = "en";
  } else {
    return Unprocessable("locale must be 'es' or 'en'");
  }
  return Status::Ok();
}

Status NormalizeGrant(Grant* grant) {
  if (RoleName(grant->role) == "unknown") return Unprocessable("unknown role");
  if (!IsAreaScopedRole(grant->role)) {
    grant->area_code.clear();
    return Status::Ok();
  }
  if (grant->area_code.empty())
    return Unprocessable("role '" + std::string(RoleName(grant->role)) + "' needs an area");
  if (grant->area_code.size() > kMaxAreaCodeBytes) return Unprocessable("area code is too long");
  if (std::any_of(grant->area_code.begin(), grant->area_code.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; }))
    return Unprocessable("area code must not contain spaces or control characters");
  return Status::Ok();
}

std::string MaskEmail(std::string_view email) {
  if (email.empty()) return {};
  const size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0) return "***";
  std::string out(email.substr(0, 1));
  out += "***";
  out += email.substr(at);
  return out;
}

std::string MaskPhone(std::string_view phone) {
  if (phone.empty()) return {};
  if (phone.size() <= 5) return std::string(phone.size(), '*');
  std::string out(phone.substr(0, 3));
  out.append(phone.size() - 5, '*');
  out += phone.substr(phone.size() - 2);
  return out;
}

}  // namespace centinela::auth
