#pragma once
// The security headers every HTTP answer carries: Content-Security-Policy,
// X-Frame-Options, Referrer-Policy, Permissions-Policy and X-Content-Type-Options. The
// server sets them in one place (ToBeast in server.cc, after the handler's own headers, so
// no route can weaken them); the values are built here, Beast-free, so they are
// unit-tested. Why each directive is what it is: docs/operations.md, "Security headers".

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace centinela::http {

//! The Content-Security-Policy value. The web app is same-origin only: no inline script or
//! style, no eval, workers from the app and from blob: URLs (MapLibre builds its worker
//! from one; the PWA's service worker is /sw.js), no frames, no plugins, and nobody may
//! frame it. Each of `extra_origins` ("https://tiles.example", see OriginOf) is added to
//! img-src and connect-src, for a basemap tile server on another host.
std::string ContentSecurityPolicy(const std::vector<std::string>& extra_origins = {});

//! The Permissions-Policy value: geolocation, camera and microphone for the app itself
//! (the neighbour app sends its position and attaches photos and video), autoplay for the
//! app itself (the console's P1 alarm sound), every other powerful feature off.
std::string PermissionsPolicy();

//! Every security header with its value, in a fixed order; `extra_origins` as for
//! ContentSecurityPolicy.
std::vector<std::pair<std::string, std::string>> SecurityHeaders(
    const std::vector<std::string>& extra_origins = {});

//! "scheme://host[:port]" (scheme and host lower-cased) of an absolute http(s) URL or URL
//! template such as "https://Tiles.Example/{z}/{x}/{y}.png". Empty when the URL is
//! relative (same origin: nothing to allow), not http(s), or its host is not a plain host
//! name, IPv4 or bracketed IPv6 address with an optional numeric port (a templated host
//! "{s}.tiles.example" included), so nothing but an origin ever reaches the policy text.
std::string OriginOf(std::string_view url);

}  // namespace centinela::http
