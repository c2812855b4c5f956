// The shared blocking client (http/client.h) against a scripted peer on a loopback socket:
// how it frames a request, keep-alive reuse, the one retry when a kept-alive connection was
// closed before answering, and transport errors as values.
#include "http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace centinela::http {
namespace {

// Accepts connections one after another; on each, answers `answers_per_connection`
// requests with `response` and then closes it. Records every request it read.
class ScriptedPeer {
 public:
  ScriptedPeer(std::string response, int answers_per_connection)
      : response_(std::move(response)), per_connection_(answers_per_connection) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedPeer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string buf;
      for (int i = 0; i < per_connection_; ++i) {
        size_t end;
        while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
          char chunk[4096];
          const ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
          if (n <= 0) break;
          buf.append(chunk, static_cast<size_t>(n));
        }
        if (end == std::string::npos) break;
        size_t length = 0;
        if (size_t at = buf.find("Content-Length: "); at != std::string::npos && at < end)
          length = std::stoul(buf.substr(at + 16));
        while (buf.size() < end + 4 + length) {
          char chunk[4096];
          const ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
          if (n <= 0) break;
          buf.append(chunk, static_cast<size_t>(n));
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(buf.substr(0, end + 4 + length));
        }
        buf.erase(0, end + 4 + length);
        ::send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      }
      ::close(c);
    }
  }

  std::string response_;
  int per_connection_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Thing: yes\r\n\r\nok";

TEST(Client, FramesTheRequest) {
  ScriptedPeer peer(kOk, 1);
  Client c("127.0.0.1", peer.port());
  ClientResult r = c.Request("POST", "/api/v1/reports", R"({"a":1})", {{"Idempotency-Key", "k"}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.Header("x-THING"), "yes");
  ASSERT_EQ(peer.requests().size(), 1u);
  const std::string sent = peer.requests()[0];
  EXPECT_EQ(sent.rfind("POST /api/v1/reports HTTP/1.1\r\n", 0), 0u) << sent;
  for (const char* line : {"Idempotency-Key: k\r\n", "Host: 127.0.0.1\r\n",
                           "Content-Type: application/json\r\n", "Content-Length: 7\r\n"})
    EXPECT_NE(sent.find(line), std::string::npos) << line << " in " << sent;
}

TEST(Client, ReusesTheConnection) {
  ScriptedPeer peer(kOk, 3);
  Client c("127.0.0.1", peer.port());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.Request("GET", "/readyz").status, 200);
  EXPECT_EQ(c.connects(), 1);
  // No body on a GET: no Content-Length either.
  EXPECT_EQ(peer.requests()[0].find("Content-Length"), std::string::npos);
}

TEST(Client, RetriesOnceWhenTheKeptConnectionWasClosed) {
  ScriptedPeer peer(kOk, 1);  // closes each connection after one answer
  Client c("127.0.0.1", peer.port());
  ASSERT_EQ(c.Request("GET", "/a").status, 200);
  // Give the peer time to close, so the next write meets a closed connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ClientResult r = c.Request("GET", "/b");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(c.connects(), 2);
  EXPECT_EQ(peer.requests().size(), 2u);
}

TEST(Client, TransportErrorsAreValues) {
  uint16_t closed_port = 0;
  {
    ScriptedPeer gone(kOk, 1);
    closed_port = gone.port();
  }
  Client c("127.0.0.1", closed_port, std::chrono::milliseconds(500));
  ClientResult r = c.Request("GET", "/");
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.rfind("connect:", 0), 0u) << r.error;
  EXPECT_FALSE(c.connected());
}

}  // namespace
}  // namespace centinela::http
