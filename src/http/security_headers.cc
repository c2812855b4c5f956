#include "http/security_headers.h"

#include <cctype>

namespace centinela::http {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

bool IsIpv6Char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

// ":<1-5 digits>" or empty.
bool IsPortSuffix(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() != ':' || s.size() < 2 || s.size() > 6) return false;
  for (char c : s.substr(1))
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::string ContentSecurityPolicy(const std::vector<std::string>& extra_origins) {
  std::string extra;
  for (const std::string& o : extra_origins) extra += " " + o;
  // 'self' in connect-src also matches ws:// and wss:// on the same host and port (CSP
  // Level 3), which is how the live stream connects; a bare ws:/wss: would allow any host.
  // blob: images are photos picked or fetched with the bearer token (an <img src> cannot
  // send it); data: images are MapLibre's control icons in its stylesheet.
  return "default-src 'self'; "
         "script-src 'self'; "
         "style-src 'self'; "
         "img-src 'self' data: blob:" +
         extra +
         "; "
         "media-src 'self' blob:; "
         "font-src 'self'; "
         "connect-src 'self'" +
         extra +
         "; "
         "worker-src 'self' blob:; "
         "child-src 'self' blob:; "
         "frame-src 'none'; "
         "manifest-src 'self'; "
         "object-src 'none'; "
         "base-uri 'none'; "
         "form-action 'self'; "
         "frame-ancestors 'none'";
}

std::string PermissionsPolicy() {
  return "geolocation=(self), camera=(self), microphone=(self), autoplay=(self), "
         "accelerometer=(), browsing-topics=(), display-capture=(), encrypted-media=(), "
         "fullscreen=(), gyroscope=(), hid=(), magnetometer=(), midi=(), payment=(), "
         "picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), "
         "serial=(), usb=(), xr-spatial-tracking=()";
}

std::vector<std::pair<std::string, std::string>> SecurityHeaders(
    const std::vector<std::string>& extra_origins) {
  return {
      {"Content-Security-Policy", ContentSecurityPolicy(extra_origins)},
      // For browsers that predate frame-ancestors.
      {"X-Frame-Options", "DENY"},
      // App paths name reports (/mine/<id>) and the basemap may be another host: send no
      // Referer at all; the server never reads one.
      {"Referrer-Policy", "no-referrer"},
      {"Permissions-Policy", PermissionsPolicy()},
      {"X-Content-Type-Options", "nosniff"},
  };
}

std::string OriginOf(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  const std::string scheme = Lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return {};
  std::string_view authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 2) return {};
    for (char c : authority.substr(1, close - 1))
      if (!IsIpv6Char(c)) return {};
    host = authority.substr(0, close + 1);
    port = authority.substr(close + 1);
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
    if (host.empty()) return {};
    for (char c : host)
      if (!IsHostChar(c)) return {};  // userinfo, a {s} template, spaces, ';'
  }
  if (!IsPortSuffix(port)) return {};
  return scheme + "://" + Lower(host) + std::string(port);
}

}  // namespace centinela::http
