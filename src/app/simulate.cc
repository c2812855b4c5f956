#include "app/simulate.h"

#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "app/simulator.h"
#include "common/hash.h"

// The command line of `centinela simulate`: its options, the server URL, the logger and the
// signal handlers; the simulator itself is app/simulator.cc.

namespace centinela::app {

namespace {

// The signal that asked the simulator to stop (0: none yet).
std::atomic<int> g_signal{0};

extern "C" void OnStopSignal(int sig) { g_signal = sig; }

}  // namespace

void AddSimulateOptions(CLI::App* cmd, SimulateFlags& f) {
  cmd->add_option("--server", f.server, "Base URL of the Centinela server (http only)")
      ->capture_default_str();
  cmd->add_option("--units-from", f.units_from,
                  "Units file written by `serve --demo` (DATA_DIR/demo-units.json): unit ids, "
                  "crews and device keys")
      ->capture_default_str();
  cmd->add_option("--precinct", f.precinct, "Area whose child areas the units patrol and reports fall in")
      ->capture_default_str();
  cmd->add_option("--rate", f.rate, "Neighbour reports per minute (Poisson; 2.4 = one every 25 s on average)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_option("--calls-per-hour", f.calls_per_hour, "911 calls the operator logs per hour")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--escalate-share", f.escalate_share,
                  "Share of P3/P4 reports turned into incidents (P1/P2: 80%)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--fix-interval", f.fix_interval_s, "Seconds between two fixes of a unit")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 300.0));
  cmd->add_option("--scene-min", f.scene_min_s, "Shortest time on scene, seconds")->capture_default_str();
  cmd->add_option("--scene-max", f.scene_max_s, "Longest time on scene, seconds")->capture_default_str();
  cmd->add_option("--neighbours", f.neighbours,
                  "Demo neighbour accounts (vecinoNN@centinela.demo) that take turns reporting")
      ->capture_default_str()
      ->check(CLI::Range(1, 500));
  cmd->add_option("--seed", f.seed, "Random seed (0 = from the clock); a seed replays the same paths")
      ->capture_default_str();
  cmd->add_option("--duration", f.duration_s, "Stop after this many seconds (0 = until Ctrl-C)")
      ->capture_default_str();
  cmd->add_option("--wait", f.wait_s, "Seconds to wait for the server's /readyz at start")
      ->capture_default_str();
  cmd->add_option("--give-up", f.give_up_s, "Stop when the server has not answered for this many seconds")
      ->capture_default_str();
  cmd->add_option("--operator", f.operator_login, "Operator account that escalates, logs calls and dispatches")
      ->capture_default_str();
  cmd->add_option("--operator-password", f.operator_password, "Its password")->capture_default_str();
  cmd->add_option("--log-level", f.log_level, "debug, info, warn or error")->capture_default_str();
  cmd->footer(
      "Example (beside `centinela serve --demo --data-dir ./data`):\n"
      "  centinela simulate --server http://127.0.0.1:8080 --units-from ./data/demo-units.json\n"
      "Logs one line per report, incident, dispatch and status move, and a summary each minute.");
}

int RunSimulate(const SimulateFlags& flags) {
  auto logger = std::make_shared<spdlog::logger>(
      "simulate", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%SZ simulate %^%l%$: %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(flags.log_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  InitCrypto();

  std::string rest = flags.server;
  if (rest.rfind("http://", 0) != 0) {
    std::cerr << "centinela: --server must be an http:// URL, got '" << flags.server << "'\n";
    return 2;
  }
  rest = rest.substr(7);
  if (size_t slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  std::string host = rest, port = "80";
  if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  uint16_t port_number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (host.empty() || ec != std::errc() || end != port.data() + port.size() || port_number == 0) {
    std::cerr << "centinela: bad --server '" << flags.server << "'\n";
    return 2;
  }
  if (flags.scene_min_s < 0 || flags.scene_max_s < flags.scene_min_s) {
    std::cerr << "centinela: --scene-min must be >= 0 and <= --scene-max\n";
    return 2;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  return sim::RunSimulator(flags, host, port_number, g_signal);
}

}  // namespace centinela::app
