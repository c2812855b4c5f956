#include "store/postgres/pg_conn.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "common/redact.h"

namespace centinela::store::pg {
namespace {

//! Prepared statements kept per connection; past this, new SQL runs unprepared.
constexpr size_t kMaxPreparedStatements = 1000;

const char* Field(const PGresult* res, int code) {
  const char* f = PQresultErrorField(res, code);
  return f ? f : "";
}

bool IsDml(const char* tag) {
  return std::strncmp(tag, "INSERT", 6) == 0 || std::strncmp(tag, "UPDATE", 6) == 0 ||
         std::strncmp(tag, "DELETE", 6) == 0 || std::strncmp(tag, "MERGE", 5) == 0;
}

Rows ToRows(const PGresult* res) {
  Rows out;
  const int nf = PQnfields(res);
  const int nt = PQntuples(res);
  out.columns.reserve(static_cast<size_t>(nf));
  std::vector<Oid> types(static_cast<size_t>(nf));
  for (int c = 0; c < nf; ++c) {
    out.columns.emplace_back(PQfname(res, c));
    types[static_cast<size_t>(c)] = PQftype(res, c);
  }
  out.rows.resize(static_cast<size_t>(nt));
  for (int r = 0; r < nt; ++r) {
    auto& row = out.rows[static_cast<size_t>(r)];
    row.resize(static_cast<size_t>(nf));
    for (int c = 0; c < nf; ++c) {
      if (PQgetisnull(res, r, c)) continue;
      const char* v = PQgetvalue(res, r, c);
      const int len = PQgetlength(res, r, c);
      auto& cell = row[static_cast<size_t>(c)];
      switch (types[static_cast<size_t>(c)]) {
        case kOidInt2:
        case kOidInt4:
        case kOidInt8: {
          int64_t i = 0;
          std::from_chars(v, v + len, i);
          cell = i;
          break;
        }
        case kOidFloat4:
        case kOidFloat8:
        case kOidNumeric:
          cell = std::strtod(v, nullptr);
          break;
        case kOidBool:
          cell = int64_t{v[0] == 't' ? 1 : 0};
          break;
        default:
          cell = std::string(v, static_cast<size_t>(len));
      }
    }
  }
  const char* tag = PQcmdStatus(const_cast<PGresult*>(res));
  if (tag && IsDml(tag)) {
    const char* n = PQcmdTuples(const_cast<PGresult*>(res));
    if (n && *n) out.affected = std::strtoll(n, nullptr, 10);
  }
  return out;
}

}  // namespace

std::string ChannelFor(const std::string& schema) {
  std::string channel = "centinela_events." + (schema.empty() ? std::string("public") : schema);
  if (channel.size() > 63) {
    const size_t h = std::hash<std::string>{}(channel);
    char tail[17];
    std::snprintf(tail, sizeof tail, "%016zx", h);
    channel = channel.substr(0, 46) + tail;
  }
  return channel;
}


std::string Trim(std::string_view in) {
  std::string s;
  s.reserve(in.size());
  for (char c : in) {
    const bool space = c == '\n' || c == '\t' || c == '\r' || c == ' ';
    if (!space) {
      s.push_back(c);
    } else if (!s.empty() && s.back() != ' ') {
      s.push_back(' ');
    }
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}


Status ErrorStatus(PGconn* conn, const PGresult* res) {
  const std::string state = Field(res, PG_DIAG_SQLSTATE);
  std::string primary = Field(res, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = Trim(res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  if (PQstatus(conn) != CONNECTION_OK || state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0) {
    return Unavailable("postgresql connection lost: " + primary);
  }
  if (state.rfind("23", 0) == 0) {
    std::string what;
    if (state == "23505") {
      what = "unique constraint";
    } else if (state == "23503") {
      what = "foreign key constraint";
    } else if (state == "23502") {
      what = "not-null constraint";
    } else if (state == "23514") {
      what = "check constraint";
    } else if (state == "23P01") {
      what = "exclusion constraint";
    } else {
      what = "integrity constraint";
    }
    std::string name = Field(res, PG_DIAG_CONSTRAINT_NAME);
    if (name.empty()) {
      const std::string table = Field(res, PG_DIAG_TABLE_NAME);
      const std::string column = Field(res, PG_DIAG_COLUMN_NAME);
      name = table.empty() ? column : column.empty() ? table : table + "." + column;
    }
    return Conflict(what + (name.empty() ? "" : " " + name) + " violated (SQLSTATE " + state + ")");
  }
  if (state.rfind("40", 0) == 0) {  // serialization failure, deadlock: worth a retry
    return Unavailable("postgresql: " + primary + " (SQLSTATE " + state + ")");
  }
  if (state.rfind("22", 0) == 0) {  // data exceptions may quote the offending value
    const size_t colon = primary.find(':');
    if (colon != std::string::npos) primary.resize(colon);
  }
  return Internal("postgresql: " + primary + (state.empty() ? "" : " (SQLSTATE " + state + ")"));
}


void LogNotice(void*, const char* message) {
  spdlog::debug("postgresql notice: {}", Trim(message));
}


PGconn* Connect(const std::string& url, const char* app_name) {
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", app_name, url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c) PQsetNoticeProcessor(c, LogNotice, nullptr);
  return c;
}


Result<std::unique_ptr<PgConn>> PgConn::Open(const std::string& url, const char* app_name,
                                              const char* setup) {
  PGconn* c = Connect(url, app_name);
  if (!c) return Unavailable("postgresql: out of memory opening a connection");
  std::unique_ptr<PgConn> conn(new PgConn(c));
  if (PQstatus(c) != CONNECTION_OK) {
    return Unavailable("cannot connect to " + RedactUrl(url) + ": " + Trim(PQerrorMessage(c)));
  }
  PGresult* res = PQexec(c, setup);
  const bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
  Status st = ok ? Status::Ok() : ErrorStatus(c, res);
  PQclear(res);
  if (!st.ok()) return st;
  if (PQenterPipelineMode(c) != 1) {
    return Internal("postgresql: cannot enter pipeline mode: " + Trim(PQerrorMessage(c)));
  }
  return conn;
}

void PgConn::Send(std::string_view sql, const Params& params, Callback done, std::string* tag) {
  Cmd cmd;
  cmd.done = std::move(done);
  cmd.tag = tag;
  if (broken_) {
    queue_.push_back(std::move(cmd));
    return;
  }
  const size_t n = params.size();
  std::vector<Oid> types(n);
  std::vector<std::string> texts(n);
  std::vector<const char*> values(n, nullptr);
  std::string key;
  key.reserve(sql.size() + n + 1);
  for (size_t i = 0; i < n; ++i) {
    const Value& v = params[i];
    if (const auto* iv = std::get_if<int64_t>(&v)) {
      types[i] = kOidInt8;
      texts[i] = std::to_string(*iv);
      values[i] = texts[i].c_str();
      key.push_back('i');
    } else if (const auto* dv = std::get_if<double>(&v)) {
      types[i] = kOidFloat8;
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, *dv);
      texts[i].assign(buf, r.ptr);
      values[i] = texts[i].c_str();
      key.push_back('d');
    } else if (const auto* sv = std::get_if<std::string>(&v)) {
      if (sv->find('\0') != std::string::npos) {
        cmd.preset =
            InvalidArgument("text parameter $" + std::to_string(i + 1) + " contains a NUL byte");
        queue_.push_back(std::move(cmd));
        return;
      }
      types[i] = kOidText;
      values[i] = sv->c_str();
      key.push_back('t');
    } else {
      types[i] = 0;  // NULL: let the server infer the type
      key.push_back('n');
    }
  }
  key.push_back('\x1f');
  key.append(sql);
  const std::string sql_text(sql);
  const int nparams = static_cast<int>(n);

  int sent = 0;
  auto it = statements_.find(key);
  if (it == statements_.end() && statements_.size() < kMaxPreparedStatements) {
    std::string name = "c" + std::to_string(++statement_counter_);
    if (PQsendPrepare(conn_, name.c_str(), sql_text.c_str(), nparams, types.data()) != 1) {
      MarkBroken();
      queue_.push_back(std::move(cmd));
      return;
    }
    Cmd prep;
    prep.prepare_key = key;
    queue_.push_back(std::move(prep));
    it = statements_.emplace(key, std::move(name)).first;
  }
  if (it != statements_.end()) {
    cmd.prepared_key = key;
    sent = PQsendQueryPrepared(conn_, it->second.c_str(), nparams, values.data(), nullptr,
                               nullptr, 0);
  } else {
    sent = PQsendQueryParams(conn_, sql_text.c_str(), nparams, types.data(), values.data(),
                             nullptr, nullptr, 0);
  }
  if (sent != 1) MarkBroken();
  queue_.push_back(std::move(cmd));
}

Status PgConn::Sync() {
  if (queue_.empty()) return Status::Ok();
  if (!broken_ && PQpipelineSync(conn_) != 1) MarkBroken();
  Status prepare_error;  // error of a PREPARE, handed to the execution that follows it
  while (!queue_.empty()) {
    Cmd cmd = std::move(queue_.front());
    queue_.pop_front();
    if (!cmd.preset.ok()) {
      Deliver(cmd, cmd.preset, false);
      continue;
    }
    if (broken_) {
      Deliver(cmd, ConnectionLost(), false);
      continue;
    }
    PGresult* res = PQgetResult(conn_);
    if (!res) {
      MarkBroken();
      Deliver(cmd, ConnectionLost(), false);
      continue;
    }
    // Each statement's results end with a null.
    for (int extra = 0; extra < 64; ++extra) {
      PGresult* more = PQgetResult(conn_);
      if (!more) break;
      PQclear(more);
    }
    const ExecStatusType st = PQresultStatus(res);
    if (!cmd.prepare_key.empty()) {
      if (st != PGRES_COMMAND_OK) {
        statements_.erase(cmd.prepare_key);
        if (st != PGRES_PIPELINE_ABORTED) prepare_error = ErrorStatus(conn_, res);
      }
      PQclear(res);
      continue;
    }
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      if (cmd.tag) *cmd.tag = PQcmdStatus(res);
      Deliver(cmd, ToRows(res), false);
    } else if (st == PGRES_PIPELINE_ABORTED) {
      if (!prepare_error.ok()) {
        Deliver(cmd, std::exchange(prepare_error, Status::Ok()), false);
      } else {
        Deliver(cmd, Internal("postgresql: statement skipped after an earlier error"), true);
      }
    } else {
      const std::string state = Field(res, PG_DIAG_SQLSTATE);
      // A prepared statement the server no longer has, or whose plan changed shape.
      if (!cmd.prepared_key.empty() && (state == "26000" || state == "0A000")) {
        statements_.erase(cmd.prepared_key);
        stale_ = true;
      }
      Deliver(cmd, ErrorStatus(conn_, res), false);
    }
    PQclear(res);
  }
  if (!broken_) {
    PGresult* res = PQgetResult(conn_);
    if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC) MarkBroken();
    PQclear(res);
  }
  if (PQstatus(conn_) != CONNECTION_OK) broken_ = true;
  return broken_ ? ConnectionLost() : Status::Ok();
}

Result<Rows> PgConn::Exec(std::string_view sql, const Params& params) {
  for (int attempt = 0;; ++attempt) {
    Result<Rows> out = Internal("postgresql: no result");
    stale_ = false;
    Send(sql, params, [&out](Result<Rows> r, bool) { out = std::move(r); });
    Status s = Sync();
    if (!s.ok()) return s;
    if (out.ok() || !stale_ || attempt > 0) return out;
  }
}

void PgConn::MarkBroken() {
  if (!broken_) lost_message_ = Trim(PQerrorMessage(conn_));
  broken_ = true;
}

Status PgConn::ConnectionLost() const {
  return Unavailable("postgresql connection lost" +
                     (lost_message_.empty() ? std::string() : ": " + lost_message_));
}

void PgConn::Deliver(Cmd& cmd, Result<Rows> r, bool aborted) {
  if (cmd.done) cmd.done(std::move(r), aborted);
}

Result<std::unique_ptr<PgConn>> ReaderPool::Acquire() {
  MutexLock lock(mu_);
  cv_.wait(lock.Native(), [this] {
    mu_.AssertHeld();
    return closed_ || !idle_.empty() || open_ < size_;
  });
  if (closed_) return Unavailable("store is closed");
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  ++open_;
  lock.Unlock();
  auto c = PgConn::Open(url_, "centinela-reader", kReaderSetup);
  if (!c.ok()) {
    lock.Lock();
    --open_;
    cv_.notify_one();
    spdlog::warn("postgresql reader: {}", c.status().message());
  }
  return c;
}

void ReaderPool::Release(std::unique_ptr<PgConn> c) {
  std::vector<std::unique_ptr<PgConn>> drop;
  {
    MutexLock lock(mu_);
    if (c->Broken() || closed_) {
      drop.push_back(std::move(c));
      if (!closed_) {
        for (auto& idle : idle_) drop.push_back(std::move(idle));
      }
      open_ -= static_cast<int>(drop.size());
      if (!closed_) idle_.clear();
    } else {
      idle_.push_back(std::move(c));
    }
  }
  cv_.notify_all();
}

void ReaderPool::Close() {
  std::vector<std::unique_ptr<PgConn>> drop;
  {
    MutexLock lock(mu_);
    closed_ = true;
    drop.swap(idle_);
    open_ -= static_cast<int>(drop.size());
  }
  cv_.notify_all();
}

}  // namespace centinela::store::pg
