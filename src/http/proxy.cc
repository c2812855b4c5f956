#include "http/proxy.h"

#include <arpa/inet.h>

#include <cstring>
#include <optional>

namespace centinela::http {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 16-byte form of an IPv4 or IPv6 address; IPv4 (and IPv4-mapped IPv6) become ::ffff:a.b.c.d.
std::optional<std::array<uint8_t, 16>> ParseAddress(std::string_view text, bool* v4) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  if (text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::array<uint8_t, 16> out{};
  in_addr a4;
  if (inet_pton(AF_INET, buf, &a4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &a4, 4);
    if (v4) *v4 = true;
    return out;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) == 1) {
    std::memcpy(out.data(), &a6, 16);
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (v4) *v4 = std::memcmp(out.data(), kMapped, 12) == 0;
    return out;
  }
  return std::nullopt;
}

bool Contains(const Cidr& net, const std::array<uint8_t, 16>& a) {
  int bits = net.prefix_bits;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((net.address[i] & mask) != (a[i] & mask)) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<Cidr>> ParseCidrList(std::string_view text) {
  std::vector<Cidr> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find_first_of(", \t", i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view entry = Trim(text.substr(i, end - i));
    i = end + 1;
    if (entry.empty()) continue;
    std::string_view addr = entry, bits;
    if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
      addr = entry.substr(0, slash);
      bits = entry.substr(slash + 1);
    }
    bool v4 = false;
    auto parsed = ParseAddress(addr, &v4);
    if (!parsed) return InvalidArgument("not an IP address or network: '" + std::string(entry) + "'");
    const bool written_v4 = addr.find(':') == std::string_view::npos;
    const int max_bits = written_v4 ? 32 : 128;
    int prefix = max_bits;
    if (!bits.empty() || entry.find('/') != std::string_view::npos) {
      if (bits.empty() || bits.size() > 3 ||
          bits.find_first_not_of("0123456789") != std::string_view::npos)
        return InvalidArgument("bad prefix length in '" + std::string(entry) + "'");
      prefix = std::stoi(std::string(bits));
      if (prefix > max_bits)
        return InvalidArgument("prefix length over " + std::to_string(max_bits) + " in '" +
                               std::string(entry) + "'");
    }
    Cidr c;
    c.address = *parsed;
    c.prefix_bits = written_v4 ? 96 + prefix : prefix;
    out.push_back(c);
  }
  return out;
}

bool InNetworks(const std::vector<Cidr>& networks, std::string_view ip) {
  if (networks.empty()) return false;
  auto a = ParseAddress(Trim(ip), nullptr);
  if (!a) return false;
  for (const Cidr& n : networks)
    if (Contains(n, *a)) return true;
  return false;
}

std::string ClientAddress(const std::vector<Cidr>& trusted, const std::string& peer,
                          std::string_view forwarded_for) {
  if (trusted.empty() || forwarded_for.empty() || !InNetworks(trusted, peer)) return peer;
  std::string client = peer;
  // Walk from the right: each hop appended the address it saw.
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    size_t comma = rest.rfind(',');
    std::string_view entry =
        Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    auto parsed = ParseAddress(entry, nullptr);
    if (!parsed) return client;  // garbage: keep what the last trusted hop vouched for
    if (entry.size() > 1 && entry.front() == '[') entry = entry.substr(1, entry.size() - 2);
    client = std::string(entry);
    if (!InNetworks(trusted, entry)) return client;
  }
  return client;
}

}  // namespace centinela::http
