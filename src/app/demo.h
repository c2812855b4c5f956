#pragma once
// Demo data for `serve --demo`: the South Precinct of Santiago and its seven comunas with
// their real boundaries and populations, plus one account per role. Idempotent.

#include <string>
#include <vector>

#include "areas/areas.h"
#include "auth/accounts.h"
#include "common/status.h"

namespace centinela::app {

struct DemoLogin {
  std::string role;
  std::string login;
  std::string password;
  std::string scope;
};

//! The demo accounts (fixed, printed at start so a person can sign in).
const std::vector<DemoLogin>& DemoLogins();

//! Loads demo/ (GeoJSON + CSV) from `demo_dir` into an empty-or-demo database: areas that
//! exist already and accounts already registered are left as they are.
Status LoadDemo(const std::string& demo_dir, areas::AreaService& areas, auth::Accounts& accounts);

//! Directory holding the demo files: $CENTINELA_DEMO_DIR, else ./demo, else the source tree's.
std::string FindDemoDir();

}  // namespace centinela::app
