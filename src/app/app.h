#pragma once
// The server as an object: App::Start opens the store, loads and wires every service, the
// route table, the live stream and the OsmAnd listener from a Config, and starts serving;
// Stop drains and closes in reverse order. `centinela serve` is App plus logging, the demo
// banner and waiting for a signal; tests start it in-process (tests/unit/app/app_test.cc).

#include <cstdint>
#include <memory>
#include <string>

#include "app/config.h"
#include "auth/accounts.h"
#include "common/env.h"
#include "common/metrics.h"
#include "common/status.h"
#include "http/server.h"
#include "store/store.h"

namespace centinela::app {

//! The store of `c` (sqlite: creates data_dir), migrated to the current schema.
Result<std::unique_ptr<store::Store>> OpenConfiguredStore(const Config& c, Metrics* metrics,
                                                          Env* env = nullptr);
auth::AccountsOptions AccountsOptionsFrom(const Config& c);
//! server.* (and the CSP origin of web.tile_url) as server options; bad values are errors
//! naming the key.
Result<http::ServerOptions> ServerOptionsFrom(const Config& c);

struct AppOptions {
  bool demo = false;  //!< load the demo areas, accounts and units (serve --demo)
  //! Where the store's (SQLite) and the media's fsyncs go; null = the real disk. Tests pass
  //! an Env that fails chosen syncs (common/env.h).
  Env* env = nullptr;
};

class App {
 public:
  //! Everything up and serving, or the first error (nothing left running then).
  static Result<std::unique_ptr<App>> Start(const Config& config, AppOptions options = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  //! Drains requests, stops the stream and the follower, saves grant uses, closes the
  //! store. Idempotent; the destructor calls it.
  void Stop();
  //! Blocks until SIGINT or SIGTERM (then call Stop()).
  void WaitForSignal();

  uint16_t port() const;
  //! The OsmAnd listener's port; 0 when it is off or did not start.
  uint16_t osmand_port() const;
  const std::string& host() const;
  std::string backend() const;
  //! data_dir/demo-units.json (the simulator's fleet; written with --demo).
  const std::string& demo_units_file() const;

 private:
  struct Parts;
  explicit App(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace centinela::app
