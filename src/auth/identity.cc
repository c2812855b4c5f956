#include "auth/identity.h"

#include <cctype>

namespace centinela::auth {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Removes thousands separators from a run of digits: either no dots at all, or dots that
// split it into groups of exactly three after a leading group of one to three
// ("12.345.678"). Returns false for anything else ("1234.567", "12..345", ".123").
bool StripThousandsDots(std::string_view s, std::string* digits) {
  digits->clear();
  if (s.find('.') == std::string_view::npos) {
    for (char c : s)
      if (!IsDigit(c)) return false;
    digits->assign(s);
    return !digits->empty();
  }
  size_t group = 0;   // digits in the current group
  bool first = true;  // in the leading group
  for (char c : s) {
    if (c == '.') {
      if (first ? (group == 0 || group > 3) : group != 3) return false;
      first = false;
      group = 0;
    } else if (IsDigit(c)) {
      digits->push_back(c);
      ++group;
    } else {
      return false;
    }
  }
  return group == 3;
}

}  // namespace

std::string_view IdTypeName(IdType type) {
  switch (type) {
    case IdType::kChileRut:
      return "rut";
    case IdType::kArgentinaDni:
      return "dni";
    case IdType::kOther:
      return "other";
  }
  return "other";
}

std::optional<IdType> ParseIdType(std::string_view name) {
  std::string lower;
  for (char c : name)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "rut") return IdType::kChileRut;
  if (lower == "dni") return IdType::kArgentinaDni;
  if (lower == "other") return IdType::kOther;
  return std::nullopt;
}

char RutCheckDigit(std::string_view digits) {
  if (digits.empty()) return '\0';
  int sum = 0;
  int weight = 2;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!IsDigit(*it)) return '\0';
    sum += (*it - '0') * weight;
    weight = weight == 7 ? 2 : weight + 1;
  }
  const int r = 11 - sum % 11;
  if (r == 11) return '0';
  if (r == 10) return 'K';
  return static_cast<char>('0' + r);
}

Result<std::string> NormalizeRut(std::string_view raw) {
  std::string_view s = Trim(raw);
  if (s.size() < 2 || s.size() > 12)
    return Unprocessable("a RUT looks like 12.345.678-5 (6 to 8 digits and a check digit)");
  const char given = static_cast<char>(std::toupper(static_cast<unsigned char>(s.back())));
  if (!IsDigit(given) && given != 'K') return Unprocessable("the RUT check digit must be 0-9 or K");
  s.remove_suffix(1);
  if (!s.empty() && s.back() == '-') s.remove_suffix(1);
  std::string body;
  if (!StripThousandsDots(s, &body))
    return Unprocessable(
        "a RUT looks like 12.345.678-5 (digits, optional dots, a hyphen, a check digit)");
  if (body.size() < 6 || body.size() > 8 || body.front() == '0')
    return Unprocessable("a RUT has 6 to 8 digits before its check digit, without a leading zero");
  const char want = RutCheckDigit(body);
  if (want != given) return Unprocessable("the RUT check digit does not match (wrong number?)");
  return body + "-" + given;
}

Result<std::string> NormalizeDni(std::string_view raw) {
  std::string_view s = Trim(raw);
  std::string digits;
  if (s.size() > 10 || !StripThousandsDots(s, &digits))
    return Unprocessable("a DNI has 7 or 8 digits, optionally with dots (30.123.456)");
  if (digits.size() < 7 || digits.size() > 8 || digits.front() == '0')
    return Unprocessable("a DNI has 7 or 8 digits, without a leading zero");
  return digits;
}

Result<std::string> NormalizeOtherId(std::string_view raw) {
  std::string_view s = Trim(raw);
  if (s.size() < 5 || s.size() > 20)
    return Unprocessable("an identity document number has 5 to 20 letters and digits");
  std::string out;
  for (char c : s) {
    if (!IsAlnum(c))
      return Unprocessable("an identity document number has only letters and digits");
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Result<std::string> NormalizeNationalId(IdType type, std::string_view raw) {
  switch (type) {
    case IdType::kChileRut:
      return NormalizeRut(raw);
    case IdType::kArgentinaDni:
      return NormalizeDni(raw);
    case IdType::kOther:
      return NormalizeOtherId(raw);
  }
  return Unprocessable("unknown identity document type");
}

}  // namespace centinela::auth
