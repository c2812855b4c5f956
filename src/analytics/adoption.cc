#include "analytics/adoption.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace centinela::analytics {

int64_t AdoptionTarget(int64_t population) {
  return population <= 0 ? 0 : (population + 9) / 10;
}

int64_t MissingToTarget(int64_t target, int64_t registered) {
  return std::max<int64_t>(0, target - registered);
}

std::optional<int64_t> ComplianceTenths(int64_t registered, int64_t target) {
  if (target <= 0) return std::nullopt;
  // round half up of 1000 r / t  ==  floor((2000 r + t) / (2 t)) for r, t >= 0.
  return (2000 * registered + target) / (2 * target);
}

std::string FormatTenths(std::optional<int64_t> tenths) {
  if (!tenths) return "";
  const int64_t v = *tenths;
  return std::to_string(v / 10) + "." + std::to_string(v % 10);
}

Result<std::vector<AdoptionRow>> AdoptionTable(const std::vector<AdoptionInput>& areas,
                                               const std::string& root) {
  std::unordered_map<std::string, const AdoptionInput*> by_code;
  std::unordered_map<std::string, std::vector<const AdoptionInput*>> children;
  for (const AdoptionInput& a : areas) {
    if (a.population < 0 || a.registered < 0 || a.reports < 0)
      return InvalidArgument("negative figure for area '" + a.code + "'");
    if (!by_code.emplace(a.code, &a).second)
      return InvalidArgument("area '" + a.code + "' appears twice");
  }
  for (const AdoptionInput& a : areas)
    if (!a.parent.empty() && by_code.count(a.parent)) children[a.parent].push_back(&a);
  if (!by_code.count(root)) return NotFound("no area '" + root + "'");

  // Post-order: a subtree's rows, its root's row first, with the root's sums filled in.
  constexpr int kMaxDepth = 64;  // the area tree has no cycles; this only bounds the walk
  std::function<Result<std::vector<AdoptionRow>>(const AdoptionInput&, int)> build =
      [&](const AdoptionInput& a, int depth) -> Result<std::vector<AdoptionRow>> {
    if (depth > kMaxDepth) return InvalidArgument("the area tree is deeper than 64 levels (a cycle?)");
    AdoptionRow row;
    row.code = a.code;
    row.name = a.name;
    row.parent = a.parent;
    row.depth = depth;
    std::vector<std::vector<AdoptionRow>> subtrees;
    auto kids = children.find(a.code);
    if (kids == children.end() || kids->second.empty()) {
      row.population = a.population;
      row.registered = a.registered;
      row.reports = a.reports;
      row.target = AdoptionTarget(a.population);
      row.missing = MissingToTarget(row.target, row.registered);
    } else {
      row.leaf = false;
      for (const AdoptionInput* c : kids->second) {
        auto sub = build(*c, depth + 1);
        if (!sub.ok()) return sub.status();
        const AdoptionRow& top = sub->front();
        row.population += top.population;
        row.registered += top.registered;
        row.target += top.target;
        row.missing += top.missing;
        row.reports += top.reports;
        subtrees.push_back(std::move(*sub));
      }
      std::sort(subtrees.begin(), subtrees.end(), [](const auto& x, const auto& y) {
        const int64_t cx = x.front().compliance_tenths.value_or(-1);
        const int64_t cy = y.front().compliance_tenths.value_or(-1);
        if (cx != cy) return cx > cy;
        return x.front().code < y.front().code;
      });
    }
    row.compliance_tenths = ComplianceTenths(row.registered, row.target);
    std::vector<AdoptionRow> out{std::move(row)};
    for (auto& s : subtrees)
      for (auto& r : s) out.push_back(std::move(r));
    return out;
  };
  return build(*by_code.at(root), 0);
}

}  // namespace centinela::analytics
