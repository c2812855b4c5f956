#pragma once
// Route table with path parameters ("/api/v1/areas/{code}"). Beast-free and pure: the
// server asks it to resolve (method, path) and gets a handler, a 405 with the allowed
// methods, or a 404. Routes are added before serving starts; Resolve is then thread-safe.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace centinela::http {

class Upgrader;  // http/upgrade.h (Beast types; only src/http and src/realtime include it)

//! Per-route settings that the server applies before it reads the request body.
struct RouteOptions {
  //! Largest body this route accepts (413 beyond); 0 = the server's max_body_bytes.
  size_t max_body_bytes = 0;
  //! When set, the route takes over the connection once its request is read (WebSocket
  //! upgrade, Server-Sent Events) instead of calling the handler. Not owned; must outlive
  //! the server. The server calls its Drain() when it stops.
  Upgrader* upgrader = nullptr;
  //! Runs once the request header is read, before any body byte is read (and before a
  //! 100 Continue): a non-ok Status is answered at once with its envelope (401 adds
  //! WWW-Authenticate: Bearer) and the connection is closed without reading the body. Sees
  //! method, target, path, query and headers; `body` is empty. For routes that take large
  //! bodies (media upload): authenticate before accepting megabytes. Empty = no check.
  std::function<Status(const Request&)> check_header = nullptr;
};

class Router {
 public:
  //! Adds a route. `pattern` segments are literals or {name}; a final {name...} matches
  //! the rest of the path. Literal segments win over parameters at the same depth.
  void Add(const std::string& method, const std::string& pattern, Handler handler,
           RouteOptions options = {});

  enum class Outcome { kFound, kMethodNotAllowed, kNotFound };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;
    std::string pattern;               //!< the matched pattern (kFound, kMethodNotAllowed)
    std::vector<std::string> allowed;  //!< methods allowed on the path (405)
    RouteOptions options;              //!< the found route's options (kFound)
  };
  //! Sets the handler for GET and HEAD requests that match no route (the web app's files
  //! and its client-side routes); other methods still get kNotFound. Its pattern is "*".
  void SetFallback(Handler handler);

  //! Resolves a request; on kFound fills req.path_params and req.route.
  Match Resolve(Request& req) const;
  //! The largest RouteOptions::max_body_bytes of any route (0 when none sets one): the
  //! server lets a header announce up to this much before it knows the route.
  size_t MaxRouteBodyBytes() const;
  //! Every distinct RouteOptions::upgrader of the table.
  std::vector<Upgrader*> Upgraders() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
  };
  std::vector<Route> routes_;
  Handler fallback_;  // empty = none
};

}  // namespace centinela::http
