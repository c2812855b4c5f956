#pragma once
// The client's address behind a reverse proxy. X-Forwarded-For is believed only when the
// connecting peer is a trusted proxy (a CIDR list in configuration, empty by default): any
// client can write the header, so without that check one forged header would pick the
// address the login throttle and rate limits see. Pure; no Beast.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace centinela::http {

//! One network, IPv4 or IPv6 (IPv4 kept as ::ffff:a.b.c.d so both compare as 16 bytes).
struct Cidr {
  std::array<uint8_t, 16> address{};
  int prefix_bits = 128;  //!< over the 16-byte form (an IPv4 /24 is 96 + 24)
};

//! Parses "10.0.0.0/8, 127.0.0.1, ::1/128" (comma or space separated; a bare address is a
//! host). Empty text is an empty list. A bad entry is kInvalidArgument naming it.
Result<std::vector<Cidr>> ParseCidrList(std::string_view text);
//! Whether `ip` (dotted IPv4, IPv6, or IPv4-mapped IPv6) lies in one of `networks`.
bool InNetworks(const std::vector<Cidr>& networks, std::string_view ip);
//! The address to treat as the client's: the peer itself unless it is trusted; then the
//! right-most X-Forwarded-For entry that is not itself a trusted proxy (entries further
//! left were written by the client and may be forged). A malformed entry stops the walk
//! at the last trusted hop's view: the peer is kept.
std::string ClientAddress(const std::vector<Cidr>& trusted, const std::string& peer,
                          std::string_view forwarded_for);

}  // namespace centinela::http
