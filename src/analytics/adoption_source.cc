#include "analytics/adoption_source.h"

#include <unordered_map>

#include "community/report_rows.h"

namespace centinela::analytics {

Result<std::vector<AdoptionRow>> LoadAdoptionTable(store::Store& store,
                                                   const areas::AreaService& areas,
                                                   community::MembershipService& memberships,
                                                   const AdoptionQuery& q) {
  if (q.from_ms > q.to_ms) return InvalidArgument("'from' must not be after 'to'");
  if (!areas.Get(q.area)) return NotFound("no area '" + q.area + "'");
  auto registered = memberships.ApprovedCounts();
  if (!registered.ok()) return registered.status();
  auto counts = community::ReportCountsByArea(store, q.from_ms, q.to_ms);
  if (!counts.ok()) return counts.status();
  std::unordered_map<std::string, int64_t> reports(counts->begin(), counts->end());

  // The subtree under q.area, breadth first. The area tree has no cycles (AreaService refuses
  // them); the bound only guards the walk.
  constexpr size_t kMaxAreas = 100'000;
  std::vector<AdoptionInput> inputs;
  std::vector<std::string> queue{q.area};
  for (size_t i = 0; i < queue.size() && i < kMaxAreas; ++i) {
    auto a = areas.Get(queue[i]);
    if (!a) continue;
    AdoptionInput in;
    in.code = a->code;
    in.name = a->name;
    in.parent = i == 0 ? std::string() : a->parent_code;
    in.population = a->population;
    if (auto it = registered->find(a->code); it != registered->end()) in.registered = it->second;
    if (auto it = reports.find(a->code); it != reports.end()) in.reports = it->second;
    inputs.push_back(std::move(in));
    for (std::string& child : areas.Children(a->code)) queue.push_back(std::move(child));
  }
  return AdoptionTable(inputs, q.area);
}

}  // namespace centinela::analytics
