#include "store/group_commit.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

namespace centinela::store {
namespace {

constexpr size_t kCodeCount = static_cast<size_t>(Code::kUnavailable) + 1;

//! The Tx handed to one WriteFn of a batch: statements go to the session, events extend the
//! batch's chain head.
class BatchTx final : public Tx {
 public:
  BatchTx(WriterSession& session, ChainHead& head, int64_t now_ms, std::vector<Event>& events)
      : session_(session), head_(head), now_ms_(now_ms), events_(events) {}

  Result<Rows> Exec(std::string_view sql, const Params& params) override {
    return session_.Exec(sql, params);
  }

  Result<Event> Append(const EventDraft& draft) override {
    Event e;
    e.seq = head_.seq + 1;
    e.time_ms = now_ms_;
    e.type = draft.type;
    e.actor = draft.actor;
    e.subject = draft.subject;
    e.scope = draft.scope;
    e.payload = draft.payload;
    e.prev_hash = head_.hash;
    e.hash = ComputeEventHash(e);
    if (Status s = session_.InsertEvent(e); !s.ok()) return s;
    head_.seq = e.seq;
    head_.hash = e.hash;
    events_.push_back(e);
    return e;
  }

  int64_t NowMs() const override { return now_ms_; }

 private:
  WriterSession& session_;
  ChainHead& head_;
  const int64_t now_ms_;
  std::vector<Event>& events_;
};

Status RunWriteFn(const WriteFn& fn, Tx& tx) {
  if (!fn) return InvalidArgument("empty WriteFn");
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    return Internal(std::string("write threw: ") + e.what());
  } catch (...) {
    return Internal("write threw a non-standard exception");
  }
}

}  // namespace

GroupCommitter::GroupCommitter(std::unique_ptr<WriterSession> session, GroupCommitOptions options)
    : session_(std::move(session)),
      options_(std::move(options)),
      backend_labels_{{"backend", options_.backend}} {
  options_.max_batch = std::max(1, options_.max_batch);
  options_.max_queue = std::max(1, options_.max_queue);
  result_labels_.resize(kCodeCount);
  for (size_t i = 0; i < kCodeCount; ++i) {
    result_labels_[i] = {{"backend", options_.backend},
                         {"result", std::string(CodeName(static_cast<Code>(i)))}};
  }
  if (Metrics* m = options_.metrics) {
    m->Describe("centinela_store_commit_seconds", "histogram",
                "Time of one group commit, BEGIN to durable COMMIT.", Metrics::LatencyBuckets());
    m->Describe("centinela_store_batch_size", "histogram",
                "Writes group-committed per transaction.", {1, 2, 4, 8, 16, 32, 64, 128, 256});
    m->Describe("centinela_store_writes_total", "counter", "Writes completed, by result.");
  }
}

GroupCommitter::~GroupCommitter() {
  Close();
  MutexLock lock(close_mu_);
  // Destroyed on the writer thread itself (from a completion): it cannot join itself.
  if (writer_.joinable()) writer_.detach();
}

void GroupCommitter::Start() {
  MutexLock lock(close_mu_);
  writer_ = std::thread([this] { WriterLoop(); });
  writer_id_ = writer_.get_id();
}

void GroupCommitter::Write(WriteFn fn, WriteDone done) {
  Status refused;
  {
    MutexLock lock(mu_);
    if (!closing_ && queue_.size() < static_cast<size_t>(options_.max_queue)) {
      Pending& p = queue_.emplace_back();
      p.fn = std::move(fn);
      p.done = std::move(done);
      const bool wake = writer_idle_;
      lock.Unlock();
      if (wake) cv_.notify_one();
      return;
    }
    refused = Unavailable(closing_ ? "store is closed" : "write queue is full");
  }
  if (options_.metrics)
    options_.metrics->Inc("centinela_store_writes_total", ResultLabels(refused.code()));
  if (done) done(std::move(refused), {});
}

bool GroupCommitter::RunOnWriter(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (closing_) return false;
    Pending& p = queue_.emplace_back();
    p.task = std::move(task);
  }
  cv_.notify_one();
  return true;
}

void GroupCommitter::SetCommitListener(CommitListener listener) {
  auto shared = listener ? std::make_shared<const CommitListener>(std::move(listener)) : nullptr;
  MutexLock lock(listener_mu_);
  listener_ = std::move(shared);
}

bool GroupCommitter::closing() const {
  MutexLock lock(mu_);
  return closing_;
}

void GroupCommitter::Close() {
  {
    MutexLock lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (std::this_thread::get_id() == writer_id_) return;
  MutexLock close_lock(close_mu_);
  if (writer_.joinable()) writer_.join();
}

const Labels& GroupCommitter::ResultLabels(Code code) const {
  return result_labels_[static_cast<size_t>(code)];
}

// ----- writer thread -----

void GroupCommitter::WriterLoop() {
  std::vector<Pending> batch;
  batch.reserve(static_cast<size_t>(options_.max_batch));
  for (;;) {
    {
      MutexLock lock(mu_);
      writer_idle_ = true;
      cv_.wait(lock.Native(), [this] {
        mu_.AssertHeld();
        return closing_ || !queue_.empty();
      });
      writer_idle_ = false;
      if (queue_.empty()) break;  // closing and drained
      if (queue_.front().task) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } else {
        while (!queue_.empty() && !queue_.front().task &&
               batch.size() < static_cast<size_t>(options_.max_batch)) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    if (batch.front().task) {
      batch.front().task();
    } else {
      RunBatch(batch);
    }
    batch.clear();
  }
  session_->Close();
  spdlog::info("{} store: writer stopped", options_.backend);
}

Status GroupCommitter::RunTransaction(std::vector<Pending>& batch) {
  Result<ChainHead> begun = session_->Begin();
  if (!begun.ok()) return begun.status();
  ChainHead head = std::move(begun).value();
  const int64_t start_seq = head.seq;
  const int64_t now_ms = options_.clock->NowMs();
  for (size_t i = 0; i < batch.size(); ++i) {
    Pending& p = batch[i];
    if (Status s = session_->Savepoint(i); !s.ok()) return s;
    const ChainHead before = head;
    BatchTx tx(*session_, head, now_ms, p.events);
    p.status = RunWriteFn(p.fn, tx);
    if (p.status.ok()) p.status = session_->WriteError();
    if (Status s = session_->BatchError(p.status); !s.ok()) return s;
    if (!p.status.ok()) {
      head = before;
      p.events.clear();
    }
    if (Status s = session_->EndSavepoint(i, p.status.ok()); !s.ok()) return s;
  }
  return session_->Commit(head.seq != start_seq ? &head : nullptr);
}

void GroupCommitter::RunBatch(std::vector<Pending>& batch) {
  const auto start = std::chrono::steady_clock::now();
  Status batch_status = RunTransaction(batch);
  if (!batch_status.ok()) {
    session_->Rollback();
    spdlog::warn("{} store: group commit of {} writes failed: {}", options_.backend,
                 batch.size(), batch_status.ToString());
    for (Pending& p : batch) {
      p.status = batch_status;
      p.events.clear();
    }
  }
  Observe(batch, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (batch_status.ok()) Publish(batch);
  for (Pending& p : batch) {
    if (!p.done) continue;
    try {
      p.done(std::move(p.status), std::move(p.events));
    } catch (const std::exception& e) {
      spdlog::error("{} store: write completion threw: {}", options_.backend, e.what());
    } catch (...) {
      spdlog::error("{} store: write completion threw a non-standard exception",
                    options_.backend);
    }
  }
}

void GroupCommitter::Observe(const std::vector<Pending>& batch, double seconds) {
  Metrics* m = options_.metrics;
  if (!m) return;
  m->Observe("centinela_store_commit_seconds", backend_labels_, seconds);
  m->Observe("centinela_store_batch_size", backend_labels_, static_cast<double>(batch.size()));
  std::vector<int> counts(kCodeCount, 0);
  for (const Pending& p : batch) counts[static_cast<size_t>(p.status.code())]++;
  for (size_t i = 0; i < kCodeCount; ++i)
    if (counts[i]) m->Inc("centinela_store_writes_total", result_labels_[i], counts[i]);
}

void GroupCommitter::Publish(const std::vector<Pending>& batch) {
  std::shared_ptr<const CommitListener> listener;
  {
    MutexLock lock(listener_mu_);
    listener = listener_;
  }
  if (!listener) return;
  commit_events_.clear();
  for (const Pending& p : batch)
    commit_events_.insert(commit_events_.end(), p.events.begin(), p.events.end());
  if (commit_events_.empty()) return;
  try {
    (*listener)(commit_events_);
  } catch (const std::exception& e) {
    spdlog::error("{} store: commit listener threw: {}", options_.backend, e.what());
  } catch (...) {
    spdlog::error("{} store: commit listener threw a non-standard exception", options_.backend);
  }
}

}  // namespace centinela::store
