#include "common/text.h"

namespace centinela {

std::optional<size_t> Utf8CodePoints(std::string_view s) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80           ? 1
                       : (c >> 5) == 0x6  ? 2
                       : (c >> 4) == 0xE  ? 3
                       : (c >> 3) == 0x1E ? 4
                                          : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return std::nullopt;
    if (len == 1 && c == 0) return std::nullopt;
    ++chars;
    i += len;
  }
  return chars;
}

}  // namespace centinela
