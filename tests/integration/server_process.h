#pragma once
// Runs the real `centinela` binary for integration tests: serve on a free 127.0.0.1 port
// with its own data directory, wait until /healthz answers, stop with SIGTERM or SIGKILL.

#include <sys/types.h>

#include <string>
#include <vector>

namespace centinela::testing {

//! Path of the built binary (CENTINELA_BINARY_DIR/centinela).
std::string CentinelaBinary();
//! A fresh temporary directory, removed by the caller when wanted.
std::string MakeTempDir(const std::string& prefix);
//! A port that was free a moment ago on 127.0.0.1.
int FreePort();

//! Result of running a CLI command to completion.
struct CommandResult {
  int exit_code = -1;
  std::string output;  //!< stdout and stderr together
};
//! Runs `centinela <args...>` and waits for it (with `env` added to the environment).
CommandResult RunCentinela(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

class ServerProcess {
 public:
  //! `db_url` empty = SQLite under data_dir. extra_args are appended to `serve`.
  ServerProcess(std::string data_dir, std::string db_url, std::vector<std::string> extra_args = {},
                std::vector<std::string> env = {});
  ~ServerProcess();

  //! Starts and waits up to `timeout_ms` for /healthz; false (with log in output()) if not.
  bool Start(int timeout_ms = 20000);
  //! SIGTERM and wait; returns the exit code (or -signal).
  int Stop(int timeout_ms = 15000);
  //! SIGKILL and wait (no chance to flush anything).
  void Kill();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  //! What the process printed so far.
  std::string output() const;

 private:
  std::string data_dir_, db_url_, log_path_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> env_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace centinela::testing
