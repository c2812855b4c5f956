#pragma once
// Demo data for `serve --demo`: the South Precinct of Santiago and its seven comunas with
// their real boundaries and populations, plus one account per role. Idempotent.

#include <ostream>
#include <string>
#include <vector>

#include "areas/areas.h"
#include "auth/accounts.h"
#include "common/status.h"
#include "dispatch/units.h"
#include "store/store.h"
#include "tracking/positions.h"

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

//! One demo unit: its callsign, agency, kind, capabilities, home comuna (CUT code) and the
//! login of its crew account (one of DemoLogins()).
struct DemoUnit {
  std::string callsign;
  std::string agency;
  std::string kind;
  std::vector<std::string> capabilities;
  std::string home_area;
  std::string crew_login;
};

//! The demo fleet of the South Precinct: Carabineros patrol cars and motorbikes, SAMU
//! ambulances, Bomberos engines and municipal crews spread over the seven comunas.
const std::vector<DemoUnit>& DemoUnits();

//! Registers the demo fleet (after LoadDemo, with the units and positions loaded): creates
//! the units that do not exist yet (crew: their DemoLogins account), gives every unit a
//! device, and writes `units_file` (JSON, mode 0600) with each unit's id, callsign, kind,
//! agency, home area, crew login and device key, which `centinela simulate --units-from`
//! reads. Idempotent: units are found by callsign, and a device key in an existing file
//! that still belongs to its unit is kept; only units without a valid key get a new device.
Status LoadDemoUnits(store::Store& store, dispatch::UnitService& units,
                     tracking::PositionService& positions, const std::string& units_file);

//! Prints the demo fleet (callsign, kind, comuna, crew) under the demo logins.
void PrintDemoUnits(std::ostream& out, const std::string& units_file);

//! Directory holding the demo files: $CENTINELA_DEMO_DIR, else ./demo, else the source tree's.
std::string FindDemoDir();

}  // namespace centinela::app
