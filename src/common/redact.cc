#include "common/redact.h"

#include <algorithm>
#include <string>

namespace centinela {

namespace {

// Replaces the value that starts at `pos` of a key=value conninfo string.
size_t RedactConninfoValue(std::string& s, size_t pos) {
  size_t end = pos;
  if (end < s.size() && s[end] == '\'') {
    ++end;
    while (end < s.size() && s[end] != '\'') end += (s[end] == '\\') ? 2 : 1;
    end = std::min(end + 1, s.size());
  } else {
    while (end < s.size() && s[end] != ' ' && s[end] != '\t' && s[end] != '\n') ++end;
  }
  s.replace(pos, end - pos, "***");
  return pos + 3;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string s(url);
  const size_t scheme = s.find("://");
  if (scheme != std::string::npos) {
    const size_t auth_begin = scheme + 3;
    size_t auth_end = s.find_first_of("/?", auth_begin);
    if (auth_end == std::string::npos) auth_end = s.size();
    const size_t at = s.rfind('@', auth_end - 1);
    if (at != std::string::npos && at >= auth_begin) {
      const size_t colon = s.find(':', auth_begin);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
    // password=... among the query parameters.
    size_t q = s.find('?');
    while (q != std::string::npos && q < s.size()) {
      const size_t key = q + 1;
      size_t amp = s.find('&', key);
      if (amp == std::string::npos) amp = s.size();
      if (s.compare(key, 9, "password=") == 0) {
        s.replace(key + 9, amp - key - 9, "***");
        amp = key + 12;
      }
      q = amp < s.size() ? amp : std::string::npos;
    }
    return s;
  }
  // key = value form.
  size_t pos = 0;
  while ((pos = s.find("password", pos)) != std::string::npos) {
    const bool at_word = pos == 0 || s[pos - 1] == ' ' || s[pos - 1] == '\t';
    size_t eq = pos + 8;
    while (eq < s.size() && (s[eq] == ' ' || s[eq] == '\t')) ++eq;
    if (!at_word || eq >= s.size() || s[eq] != '=') {
      pos += 8;
      continue;
    }
    size_t value = eq + 1;
    while (value < s.size() && (s[value] == ' ' || s[value] == '\t')) ++value;
    pos = RedactConninfoValue(s, value);
  }
  return s;
}

}  // namespace centinela
