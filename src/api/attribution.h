#pragma once
// Every field of an answer that names a person — a report's reporter, a comment's author,
// the actor of a timeline step, who escalated, hid a comment or resolved a flag — is written
// through one Attribution, which asks community::NamePerson (the one naming rule) against
// the report(s) the field is about, and remembers the reads that a deanonymise grant
// allowed so AnswerLogged can log them (report.deanonymised_read) before the answer leaves.
// Not thread-safe: one per answer.

#include <string>
#include <vector>

#include "api/context.h"
#include "api/json.h"
#include "api/route.h"
#include "community/reports.h"
#include "community/visibility.h"

namespace centinela::api {

class Attribution {
 public:
  //! How a field about `about` may name `person_id` (a read through a deanonymise grant is
  //! recorded for logging).
  community::Naming Name(const std::string& person_id, const community::VisibleReport& about);
  //! The same for a field about several reports (an incident's): the most restrictive of
  //! them; reads are recorded only when the person is named.
  community::Naming Name(const std::string& person_id,
                         const std::vector<community::VisibleReport>& about);

  //! {id, display_name} when the person may be named, else null (the report's convention
  //! for a hidden reporter).
  json::value Person(const std::string& id, const std::string& display_name,
                     const community::VisibleReport& about);
  //! The id when it is set and may be named, else null.
  json::value PersonId(const std::string& id, const community::VisibleReport& about);
  json::value PersonId(const std::string& id, const std::vector<community::VisibleReport>& about);

  //! Ids of the reports whose anonymous reporter this answer names through a deanonymise
  //! grant, each once.
  const std::vector<std::string>& deanonymised() const { return deanonymised_; }

 private:
  void Record(const std::string& report_id);
  std::vector<std::string> deanonymised_;
};

//! Replies `ok` once every deanonymised read `who` recorded is durably in the event log
//! (report.deanonymised_read, scope "admin", one per report), or the error envelope when
//! that write fails: nobody learns an anonymous reporter without the log saying so.
void AnswerLogged(ApiContext& ctx, const std::string& reader, const Attribution& who,
                  http::Response ok, Respond respond);

}  // namespace centinela::api
