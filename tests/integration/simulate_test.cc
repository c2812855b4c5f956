// The living demo: `serve --demo` seeds the fleet and writes its device keys, `simulate`
// drives it through the HTTP API. Checked from outside through the API: every unit reports a
// position inside the precinct and most have moved, neighbours' reports appear, the simulator
// stops cleanly on SIGTERM and when the server goes away, and a restart keeps the fleet and
// its keys (idempotent seed).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "api_client.h"
#include "server_process.h"

namespace centinela::testing {
namespace {

// `centinela simulate ...` in the background, output to a file.
class Background {
 public:
  Background(const std::vector<std::string>& args, const std::string& log_path) : log_(log_path) {
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_path.c_str(), "w");
      if (f) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
      std::vector<std::string> all{CentinelaBinary()};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void Signal(int sig) { kill(pid_, sig); }
  //! Exit code, or -1 if still running after `timeout_ms`.
  int Wait(int timeout_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  std::string Output() const { return ReadFile(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

json::array Units(const Api& api, const std::string& token) {
  Reply r = api.Call("GET", "/api/v1/units", "", token);
  EXPECT_EQ(r.status, 200) << r.body;
  json::value v = r.Json();
  return v.is_object() ? v.at("units").as_array() : json::array();
}

TEST(SimulateTest, DemoFleetMovesReportsAppearAndItStopsCleanly) {
  const std::string dir = MakeTempDir("centinela-simulate");
  const std::string units_file = dir + "/demo-units.json";
  // Minimum-cost password hashes: the simulator registers and signs in several accounts and
  // the machine running the tests may be busy.
  const std::vector<std::string> env = {"CENTINELA_AUTH_BENCH_FAST_PASSWORD_HASH=true"};
  ServerProcess server(dir, "", {"--demo"}, env);
  ASSERT_TRUE(server.Start()) << server.output();
  Api api(server.port());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());

  // The seed: the fleet is in the banner and in the units file, each unit with a key.
  EXPECT_NE(server.output().find("RP-SM1"), std::string::npos) << server.output();
  EXPECT_NE(server.output().find("cuadrante@centinela.demo"), std::string::npos);
  json::value file = json::parse(ReadFile(units_file));
  const json::array& listed = file.at("units").as_array();
  ASSERT_EQ(listed.size(), 17u);
  EXPECT_EQ(std::filesystem::status(units_file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  std::set<std::string> agencies, kinds;
  for (const json::value& u : listed) {
    agencies.insert(std::string(u.at("agency").as_string()));
    kinds.insert(std::string(u.at("kind").as_string()));
    EXPECT_GE(u.at("device_key").as_string().size(), 20u);
  }
  EXPECT_EQ(agencies, (std::set<std::string>{"fire", "medical", "municipal", "police"}));
  EXPECT_EQ(kinds.size(), 5u);

  const std::string op = api.Login("operador@centinela.demo", "demo-operador-2026");
  ASSERT_FALSE(op.empty());
  for (const json::value& u : Units(api, op)) EXPECT_TRUE(u.at("position").is_null());

  // --help answers.
  CommandResult help = RunCentinela({"simulate", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--units-from"), std::string::npos) << help.output;

  // Six seconds of a busy demo: a fix per unit per second, a report every ~0.5 s.
  CommandResult run = RunCentinela({"simulate", "--server", url, "--units-from", units_file,
                                    "--duration", "6", "--fix-interval", "1", "--rate", "120",
                                    "--neighbours", "4", "--seed", "7"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("simulating 17 units in 7 comunas"), std::string::npos) << run.output;

  int moved = 0;
  for (const json::value& u : Units(api, op)) {
    ASSERT_TRUE(u.at("position").is_object()) << json::serialize(u);
    const double lat = u.at("position").at("lat").to_number<double>();
    const double lon = u.at("position").at("lon").to_number<double>();
    // Inside the precinct: the areas at that point include the unit's home comuna's parent.
    Reply at = api.Call("GET", "/api/v1/areas/at?lat=" + std::to_string(lat) +
                                   "&lon=" + std::to_string(lon), "", op);
    EXPECT_NE(at.body.find("\"SUR\""), std::string::npos) << at.body;
    Reply trail = api.Call("GET", "/api/v1/units/" + std::string(u.at("id").as_string()) + "/trail",
                           "", op);
    ASSERT_EQ(trail.status, 200) << trail.body;
    std::set<std::string> points;
    const json::value line = trail.Json();
    for (const json::value& p : line.at("geometry").at("coordinates").as_array())
      points.insert(json::serialize(p));
    moved += points.size() >= 2;
  }
  EXPECT_GE(moved, 12) << "most units should have moved in 6 s";

  Reply reports = api.Call("GET", "/api/v1/reports?area=SUR&limit=100", "", op);
  ASSERT_EQ(reports.status, 200) << reports.body;
  EXPECT_GE(reports.Json().at("reports").as_array().size(), 3u) << run.output;

  // SIGTERM: a clean stop with a summary line.
  {
    Background sim({"simulate", "--server", url, "--units-from", units_file, "--fix-interval", "1"},
                   dir + "/sim-term.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    sim.Signal(SIGTERM);
    EXPECT_EQ(sim.Wait(5000), 0) << sim.Output();
    EXPECT_NE(sim.Output().find("signal 15 received: stopping"), std::string::npos) << sim.Output();
  }

  // The server goes away: the simulator notices and stops by itself.
  {
    Background sim({"simulate", "--server", url, "--units-from", units_file, "--fix-interval", "1",
                    "--give-up", "2"},
                   dir + "/sim-gone.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    EXPECT_EQ(server.Stop(), 0);
    EXPECT_EQ(sim.Wait(8000), 0) << sim.Output();
    EXPECT_NE(sim.Output().find("has not answered"), std::string::npos) << sim.Output();
  }

  // Restart on the same data: the same 17 units, the same keys.
  ServerProcess again(dir, "", {"--demo"}, env);
  ASSERT_TRUE(again.Start()) << again.output();
  Api api2(again.port());
  const std::string op2 = api2.Login("operador@centinela.demo", "demo-operador-2026");
  EXPECT_EQ(Units(api2, op2).size(), 17u);
  json::value file2 = json::parse(ReadFile(units_file));
  EXPECT_EQ(json::serialize(file2.at("units")), json::serialize(file.at("units")));
  again.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace centinela::testing
