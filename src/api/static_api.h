#pragma once
// The web app (the neighbour PWA and the operator console, built by Vite into web/dist)
// served by the same server as the API: files with their Content-Type, validators
// (ETag, Last-Modified) and caching rules, and the single-page-app fallback to index.html
// for client-side routes. Installed as the router's fallback, so API routes always win.

#include <string>

#include "api/context.h"
#include "http/message.h"
#include "http/router.h"

namespace centinela::api {

//! What the server tells the web client before anyone signs in.
struct WebOptions {
  std::string dir;               //!< the built app: index.html, assets/, sw.js, manifest
  std::string tile_url;          //!< basemap raster tile template ({z}/{x}/{y}); empty = none
  std::string tile_attribution;  //!< shown on the map when tile_url is set
};

//! Serves files below one directory. Immutable after construction; Serve is thread-safe.
//!  - "/api" and "/api/..." paths that reached it are unknown API routes: 404 envelope.
//!  - A path with a "." or ".." segment, a backslash, or a hidden (dot) segment: 404; a
//!    file whose real path (symlinks resolved) leaves the directory: 404.
//!  - An existing regular file is sent with its type; files under assets/ (names carry a
//!    content hash) get `Cache-Control: public, max-age=31536000, immutable`, everything
//!    else (index.html, sw.js, manifest.webmanifest, icons) `no-cache`.
//!  - ETag (size and modification time) and Last-Modified; If-None-Match, else
//!    If-Modified-Since, answer 304.
//!  - A missing path whose last segment has no dot is a client-side route: index.html.
//!    A missing path that names a file (has an extension): 404.
class WebFiles {
 public:
  explicit WebFiles(std::string dir);
  //! The answer to a GET or HEAD request for req.path.
  http::Response Serve(const http::Request& req) const;
  //! The directory as resolved at construction (empty when it does not exist).
  const std::string& root() const { return root_; }

 private:
  http::Response File(const std::string& full, const std::string& relative,
                      const http::Request& req) const;
  std::string root_;
};

//! The web directory to use: `configured` when not empty; else ./web/dist when it has an
//! index.html; else <source tree>/web/dist (`source_dir`).
std::string ResolveWebDir(const std::string& configured, const std::string& source_dir);

//! The body of GET /api/v1/config/client (public: the basemap and languages the client
//! needs on its first screen), for ApiContext::client_config.
std::string ClientConfigBody(const WebOptions& options, const std::string& version);
//! The web app as the router's fallback.
void AddWebRoutes(http::Router& r, const WebOptions& options);

}  // namespace centinela::api
