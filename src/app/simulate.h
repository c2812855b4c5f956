#pragma once
// `centinela simulate`: keeps a demo server alive through its HTTP API only. The units of
// `serve --demo` (read from the units file it writes) patrol their comunas and post a fix
// every few seconds with their device keys; demo neighbours raise reports at a realistic
// rate (Poisson arrivals, places weighted by comuna population, a plausible category mix);
// the demo operator escalates some of them and takes 911 calls, dispatches the recommended
// unit, and the unit's crew accepts, drives there (en route), works on scene and clears, so
// incident timelines move like a control room's. Stops on SIGINT/SIGTERM, after --duration,
// or when the server has been unreachable for --give-up seconds.

#include <cstdint>
#include <string>

namespace CLI {  // NOLINT(readability-identifier-naming): CLI11's own name
class App;
}

namespace centinela::app {

struct SimulateFlags {
  std::string server = "http://127.0.0.1:8080";
  std::string units_from = "data/demo-units.json";
  std::string precinct = "SUR";
  double rate = 2.4;           //!< neighbour reports per minute (mean gap 25 s)
  double calls_per_hour = 20;  //!< 911 calls the operator types in
  double escalate_share = 0.3; //!< share of P3/P4 reports the operator turns into incidents
  double fix_interval_s = 5;
  double scene_min_s = 60, scene_max_s = 240;
  int neighbours = 40;
  uint64_t seed = 0;           //!< 0: from the clock
  double duration_s = 0;       //!< 0: until a signal
  double wait_s = 120;         //!< for /readyz at start
  double give_up_s = 15;       //!< server unreachable this long: stop
  std::string operator_login = "operador@centinela.demo";
  std::string operator_password = "demo-operador-2026";
  std::string log_level = "info";
};

//! Adds the options of the `simulate` subcommand.
void AddSimulateOptions(CLI::App* cmd, SimulateFlags& flags);

//! Runs the simulator; exit code (0 after a signal, --duration or the server going away).
int RunSimulate(const SimulateFlags& flags);

}  // namespace centinela::app
