#include "http/router.h"

#include <algorithm>
#include <map>

namespace centinela::http {

namespace {
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

bool IsParam(const std::string& seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }
bool IsRest(const std::string& seg) { return IsParam(seg) && seg.size() > 5 && seg.compare(seg.size() - 4, 4, "...}") == 0; }

// Score: how many literal segments matched (more literals = more specific); -1 = no match.
int MatchScore(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
               std::map<std::string, std::string>* params) {
  int literals = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& seg = pattern[i];
    if (IsRest(seg)) {
      if (i >= path.size()) return -1;
      std::string rest;
      for (size_t k = i; k < path.size(); ++k) rest += (k > i ? "/" : "") + path[k];
      if (params) (*params)[seg.substr(1, seg.size() - 5)] = rest;
      return literals;
    }
    if (i >= path.size()) return -1;
    if (IsParam(seg)) {
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = path[i];
    } else if (seg == path[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  return pattern.size() == path.size() ? literals : -1;
}
}  // namespace

void Router::Add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back(Route{method, pattern, Split(pattern), std::move(handler)});
}

Router::Match Router::Resolve(Request& req) const {
  const std::vector<std::string> path = Split(req.path);
  Match best;
  int best_score = -1;
  int best_any_score = -1;
  for (const Route& r : routes_) {
    int score = MatchScore(r.segments, path, nullptr);
    if (score < 0) continue;
    if (std::find(best.allowed.begin(), best.allowed.end(), r.method) == best.allowed.end() &&
        score >= best_any_score) {
      if (score > best_any_score) best.allowed.clear();
      best_any_score = score;
      best.allowed.push_back(r.method);
    }
    if (r.method != req.method && !(req.method == "HEAD" && r.method == "GET")) continue;
    if (score > best_score) {
      best_score = score;
      best.handler = &r.handler;
      best.pattern = r.pattern;
    }
  }
  if (best.handler) {
    best.outcome = Outcome::kFound;
    req.path_params.clear();
    for (const Route& r : routes_) {
      if (&r.handler == best.handler) {
        MatchScore(r.segments, path, &req.path_params);
        break;
      }
    }
    req.route = best.pattern;
    return best;
  }
  if (!best.allowed.empty()) {
    best.outcome = Outcome::kMethodNotAllowed;
    return best;
  }
  best.outcome = Outcome::kNotFound;
  return best;
}

}  // namespace centinela::http
