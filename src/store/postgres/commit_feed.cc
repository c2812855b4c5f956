#include "store/postgres/commit_feed.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/redact.h"
#include "store/postgres/pg_conn.h"

namespace centinela::store::pg {
namespace {

class PgCommitFeed final : public CommitFeed {
 public:
  //! `own_writer_pid` is the backend pid of this store's writer connection: notifications it
  //! sends are not reported, because the commit listener of this process already saw those
  //! commits (a local commit it cannot publish in order makes the follower read the log).
  static Result<std::unique_ptr<CommitFeed>> Open(const std::string& url,
                                                  std::shared_ptr<std::atomic<int>> own_writer_pid) {
    PGconn* c = Connect(url, "centinela-listen");
    if (!c) return Unavailable("postgresql: out of memory opening a connection");
    std::unique_ptr<PgCommitFeed> feed(new PgCommitFeed(c, std::move(own_writer_pid)));
    if (PQstatus(c) != CONNECTION_OK) {
      return Unavailable("cannot connect to " + RedactUrl(url) + ": " + Trim(PQerrorMessage(c)));
    }
    if (feed->wake_fd_ < 0) return Internal("eventfd failed");
    std::string schema;
    {
      PGresult* res = PQexec(c, kSelectSchema);
      const bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
      Status st = ok ? Status::Ok() : ErrorStatus(c, res);
      if (ok && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) schema = PQgetvalue(res, 0, 0);
      PQclear(res);
      if (!st.ok()) return st;
    }
    const std::string channel = ChannelFor(schema);
    char* quoted = PQescapeIdentifier(c, channel.c_str(), channel.size());
    if (!quoted) return Internal("postgresql: cannot quote the channel name");
    const std::string listen = std::string("LISTEN ") + quoted;
    PQfreemem(quoted);
    PGresult* res = PQexec(c, listen.c_str());
    const bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    Status st = ok ? Status::Ok() : ErrorStatus(c, res);
    PQclear(res);
    if (!st.ok()) return st;
    if (PQsetnonblocking(c, 1) != 0) return Internal("postgresql: cannot set non-blocking mode");
    return std::unique_ptr<CommitFeed>(std::move(feed));
  }

  ~PgCommitFeed() override {
    PQfinish(conn_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Result<int64_t> Wait(int timeout_ms) override {
    int64_t best = Drain();
    if (best > 0) return best;
    if (PQstatus(conn_) != CONNECTION_OK) return Lost();
    pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, std::max(0, timeout_ms));
    if (n < 0 && errno != EINTR) return Unavailable("poll on the LISTEN connection failed");
    if (n > 0 && (fds[1].revents & POLLIN)) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
    }
    if (n > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
      if (PQconsumeInput(conn_) != 1) return Lost();
    }
    best = Drain();
    if (PQstatus(conn_) != CONNECTION_OK) return Lost();
    return best;
  }

  void Wake() override {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof one);
  }

  uint64_t Notifications() const override { return notifications_.load(); }

 private:
  PgCommitFeed(PGconn* c, std::shared_ptr<std::atomic<int>> own_writer_pid)
      : conn_(c),
        wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
        own_writer_pid_(std::move(own_writer_pid)) {
    PQsetNoticeProcessor(c, LogNotice, nullptr);
  }

  //! Highest seq among the notifications libpq has already read (0 if none).
  int64_t Drain() {
    int64_t best = 0;
    while (PGnotify* n = PQnotifies(conn_)) {
      int64_t seq = 0;
      const char* p = n->extra ? n->extra : "";
      std::from_chars(p, p + std::strlen(p), seq);
      if (!own_writer_pid_ || n->be_pid != own_writer_pid_->load()) best = std::max(best, seq);
      notifications_.fetch_add(1);
      PQfreemem(n);
    }
    return best;
  }

  Status Lost() const {
    return Unavailable("postgresql LISTEN connection lost: " + Trim(PQerrorMessage(conn_)));
  }

  PGconn* conn_;
  int wake_fd_;
  std::shared_ptr<std::atomic<int>> own_writer_pid_;
  std::atomic<uint64_t> notifications_{0};
};

}  // namespace

Result<std::unique_ptr<CommitFeed>> OpenCommitFeed(const std::string& url,
                                                   std::shared_ptr<std::atomic<int>> own_writer_pid) {
  return PgCommitFeed::Open(url, std::move(own_writer_pid));
}

}  // namespace centinela::store::pg
