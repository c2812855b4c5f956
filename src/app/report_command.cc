#include "app/report_command.h"

#include "analytics/adoption_format.h"
#include "analytics/adoption_source.h"
#include "analytics/period.h"

#include <cstdio>

namespace centinela::app {

Result<std::string> RenderAdoptionReport(store::Store& store, const areas::AreaService& areas,
                                         community::MembershipService& memberships,
                                         const AdoptionReportFlags& flags) {
  if (flags.format != "table" && flags.format != "csv" && flags.format != "json")
    return InvalidArgument("--format must be table, csv or json");
  analytics::AdoptionQuery q;
  q.area = flags.area;
  std::optional<int64_t> to;
  if (!flags.from.empty()) {
    auto v = analytics::ParseTimeBound(flags.from, "--from");
    if (!v.ok()) return v.status();
    q.from_ms = *v;
  }
  if (!flags.to.empty()) {
    auto v = analytics::ParseTimeBound(flags.to, "--to");
    if (!v.ok()) return v.status();
    q.to_ms = *v;
    to = *v;
  }
  auto rows = analytics::LoadAdoptionTable(store, areas, memberships, q);
  if (!rows.ok()) return rows.status();
  if (flags.format == "csv") return analytics::AdoptionCsv(*rows);
  if (flags.format == "json") return analytics::AdoptionJson(*rows, q.area, q.from_ms, to) + "\n";
  return analytics::AdoptionText(*rows);
}

int RunMonthlyReport(store::Store& store, const areas::AreaService& areas,
                     community::MembershipService& memberships, const MonthlyReportFlags& flags) {
  auto files = WriteMonthlyReport(store, areas, memberships, flags, [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  });
  if (!files.ok()) {
    std::fprintf(stderr, "centinela: %s\n", files.status().message().c_str());
    const Code c = files.status().code();
    return c == Code::kInvalidArgument || c == Code::kNotFound ? 2 : 1;
  }
  std::printf("%s\n", files->html.c_str());
  if (!files->pdf.empty()) std::printf("%s\n", files->pdf.c_str());
  return 0;
}

}  // namespace centinela::app
