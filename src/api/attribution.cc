#include "api/attribution.h"

#include <algorithm>
#include <memory>

namespace centinela::api {

using community::Naming;
using community::VisibleReport;

void Attribution::Record(const std::string& report_id) {
  if (std::find(deanonymised_.begin(), deanonymised_.end(), report_id) == deanonymised_.end())
    deanonymised_.push_back(report_id);
}

Naming Attribution::Name(const std::string& person_id, const VisibleReport& about) {
  Naming n = community::NamePerson(person_id, community::FactsOf(about.report), about.view);
  if (n == Naming::kShownLogged) Record(about.report.id);
  return n;
}

Naming Attribution::Name(const std::string& person_id, const std::vector<VisibleReport>& about) {
  Naming strictest = Naming::kShown;
  for (const VisibleReport& r : about)
    strictest =
        std::max(strictest, community::NamePerson(person_id, community::FactsOf(r.report), r.view));
  if (strictest == Naming::kShownLogged)
    for (const VisibleReport& r : about) Name(person_id, r);
  return strictest;
}

json::value Attribution::Person(const std::string& id, const std::string& display_name,
                                const VisibleReport& about) {
  if (id.empty() || Name(id, about) == Naming::kHidden) return nullptr;
  return json::object{{"id", id}, {"display_name", display_name}};
}

json::value Attribution::PersonId(const std::string& id, const VisibleReport& about) {
  if (id.empty() || Name(id, about) == Naming::kHidden) return nullptr;
  return json::value(id);
}

json::value Attribution::PersonId(const std::string& id, const std::vector<VisibleReport>& about) {
  if (id.empty() || Name(id, about) == Naming::kHidden) return nullptr;
  return json::value(id);
}

void AnswerLogged(ApiContext& ctx, const std::string& reader, const Attribution& who,
                  http::Response ok, Respond respond) {
  if (who.deanonymised().empty()) return respond(std::move(ok));
  auto shared = std::make_shared<http::Response>(std::move(ok));
  ctx.reports->LogDeanonymisedReads(reader, who.deanonymised(), [shared, respond](Status s) {
    if (!s.ok()) return respond(s);
    respond(std::move(*shared));
  });
}

}  // namespace centinela::api
