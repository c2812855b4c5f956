#include "http/router.h"

#include <algorithm>
#include <map>

namespace centinela::http {

namespace {

// Splits a path on '/', dropping empty segments ("/a//b/" -> {"a", "b"}).
std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}
bool IsRest(const std::string& seg) {
  return IsParam(seg) && seg.size() > 5 && seg.compare(seg.size() - 4, 4, "...}") == 0;
}

// How specifically each pattern segment matched: a literal beats a {param}, which beats a
// {rest...}. Compared lexicographically, so the first differing depth decides
// ("/a/b/{x}" beats "/a/{y}/c" for "/a/b/c").
enum Rank : char { kRestRank = 1, kParamRank = 2, kLiteralRank = 3 };

// Returns false when the pattern does not match; otherwise fills `ranks` and, when
// given, `params`.
bool MatchPattern(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                  std::string* ranks, std::map<std::string, std::string>* params) {
  ranks->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& seg = pattern[i];
    if (IsRest(seg)) {
      if (i >= path.size()) return false;  // {rest...} needs at least one segment
      if (params) {
        std::string rest;
        for (size_t k = i; k < path.size(); ++k) {
          if (k > i) rest += '/';
          rest += path[k];
        }
        (*params)[seg.substr(1, seg.size() - 5)] = std::move(rest);
      }
      ranks->push_back(kRestRank);
      return true;
    }
    if (i >= path.size()) return false;
    if (IsParam(seg)) {
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = path[i];
      ranks->push_back(kParamRank);
    } else if (seg == path[i]) {
      ranks->push_back(kLiteralRank);
    } else {
      return false;
    }
  }
  return pattern.size() == path.size();
}

}  // namespace

void Router::Add(const std::string& method, const std::string& pattern, Handler handler,
                 RouteOptions options) {
  routes_.push_back(Route{method, pattern, Split(pattern), std::move(handler), options});
}

void Router::SetFallback(Handler handler) { fallback_ = std::move(handler); }

size_t Router::MaxRouteBodyBytes() const {
  size_t most = 0;
  for (const Route& r : routes_) most = std::max(most, r.options.max_body_bytes);
  return most;
}

std::vector<Upgrader*> Router::Upgraders() const {
  std::vector<Upgrader*> out;
  for (const Route& r : routes_)
    if (r.options.upgrader != nullptr &&
        std::find(out.begin(), out.end(), r.options.upgrader) == out.end())
      out.push_back(r.options.upgrader);
  return out;
}

Router::Match Router::Resolve(Request& req) const {
  const std::vector<std::string> path = Split(req.path);
  const bool head = req.method == "HEAD";
  Match best;
  const Route* best_route = nullptr;
  std::string best_ranks;
  bool best_exact_method = false;
  bool any_match = false;
  std::string any_ranks;  // the most specific pattern for any method (names the 405)
  std::string ranks;
  for (const Route& r : routes_) {
    if (!MatchPattern(r.segments, path, &ranks, nullptr)) continue;
    if (!any_match || ranks > any_ranks) {
      any_match = true;
      best.pattern = r.pattern;
      any_ranks = ranks;
    }
    if (std::find(best.allowed.begin(), best.allowed.end(), r.method) == best.allowed.end())
      best.allowed.push_back(r.method);
    const bool exact_method = r.method == req.method;
    if (!exact_method && !(head && r.method == "GET")) continue;
    // More specific pattern first; on equal patterns an explicit HEAD route beats GET.
    if (best_route == nullptr || ranks > best_ranks ||
        (ranks == best_ranks && exact_method && !best_exact_method)) {
      best_route = &r;
      best_ranks = ranks;
      best_exact_method = exact_method;
    }
  }
  if (best_route != nullptr) {
    best.outcome = Outcome::kFound;
    best.handler = &best_route->handler;
    best.options = best_route->options;
    best.pattern = best_route->pattern;
    req.path_params.clear();
    MatchPattern(best_route->segments, path, &ranks, &req.path_params);
    req.route = best.pattern;
    return best;
  }
  if (!best.allowed.empty()) {
    // A GET route also serves HEAD, so advertise it.
    if (std::find(best.allowed.begin(), best.allowed.end(), "GET") != best.allowed.end() &&
        std::find(best.allowed.begin(), best.allowed.end(), "HEAD") == best.allowed.end())
      best.allowed.push_back("HEAD");
    best.outcome = Outcome::kMethodNotAllowed;
    return best;
  }
  if (fallback_ && (req.method == "GET" || head)) {
    best.outcome = Outcome::kFound;
    best.handler = &fallback_;
    // One character built in place: assigning the literal trips GCC 12's -Wrestrict.
    best.pattern = std::string(1, '*');
    req.path_params.clear();
    req.route = best.pattern;
    return best;
  }
  best.outcome = Outcome::kNotFound;
  return best;
}

}  // namespace centinela::http
