#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/http_client.h"

namespace centinela::testing {
using test::HttpClient;

std::string CentinelaBinary() { return std::string(CENTINELA_BINARY_DIR) + "/centinela"; }

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

namespace {

pid_t Spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::string& log_path) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    for (const std::string& e : env) putenv(strdup(e.c_str()));
    std::vector<char*> argv;
    std::string bin = CentinelaBinary();
    argv.push_back(bin.data());
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int WaitExit(pid_t pid, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1000;  // did not exit in time
}

}  // namespace

CommandResult RunCentinela(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::string dir = MakeTempDir("centinela-cmd");
  std::string log = dir + "/out.log";
  pid_t pid = Spawn(args, env, log);
  CommandResult r;
  r.exit_code = WaitExit(pid, 120000);
  r.output = ReadAll(log);
  std::filesystem::remove_all(dir);
  return r;
}

ServerProcess::ServerProcess(std::string data_dir, std::string db_url, std::vector<std::string> extra_args,
                             std::vector<std::string> env)
    : data_dir_(std::move(data_dir)),
      db_url_(std::move(db_url)),
      extra_args_(std::move(extra_args)),
      env_(std::move(env)) {
  log_path_ = data_dir_ + "/server.log";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

bool ServerProcess::Start(int timeout_ms) {
  std::filesystem::create_directories(data_dir_);
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreePort();
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:" + std::to_string(port_), "--data-dir", data_dir_};
    if (!db_url_.empty()) {
      args.push_back("--db");
      args.push_back(db_url_);
    }
    for (const auto& a : extra_args_) args.push_back(a);
    // Suites register many accounts from 127.0.0.1: no registration limit unless a test
    // sets one (env_ comes after and wins).
    std::vector<std::string> env = {"CENTINELA_LOG_ACCESS=false",
                                    "CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP=0",
                                    "CENTINELA_AUTH_REGISTER_MAX_PER_DAY_PER_IP=0"};
    env.insert(env.end(), env_.begin(), env_.end());
    pid_ = Spawn(args, env, log_path_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;  // exited: maybe the port was taken; retry with another
      }
      try {
        HttpClient client("127.0.0.1", static_cast<uint16_t>(port_));
        if (client.Request("GET", "/healthz").status == 200) return true;
      } catch (...) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      Kill();
      return false;
    }
  }
  return false;
}

int ServerProcess::Stop(int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int code = WaitExit(pid_, timeout_ms);
  pid_ = -1;
  return code;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::output() const { return ReadAll(log_path_); }

}  // namespace centinela::testing
