#pragma once
// In-process event bus: fans the store's committed events out to subscribers in this process
// (the realtime router, caches). Cross-node delivery (LISTEN/NOTIFY) is a separate layer.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "store/event.h"
#include "store/store.h"

namespace centinela::events {

//! Delivers every committed event batch to every subscriber, in seq order. Thread-safe.
//!
//! Publish runs the subscribers synchronously on the caller's thread, which for an attached
//! store is the store's single writer thread: a subscriber must return quickly and must never
//! block (no I/O, no waiting on locks held across I/O, no Store::WriteSync). Post real work
//! to another executor. A subscriber that throws does not stop delivery to the others; the
//! first exception is rethrown from Publish once every subscriber has run (the store logs it).
class Bus {
 public:
  using Subscriber = std::function<void(const std::vector<store::Event>&)>;
  using SubscriptionId = uint64_t;

  Bus() = default;
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  //! Adds a subscriber; it sees every batch published after Subscribe returns.
  SubscriptionId Subscribe(Subscriber fn);
  //! Removes a subscriber. Once this returns the subscriber is not running and will not be
  //! called again (unless Unsubscribe is called from inside a delivery, in which case the
  //! current call finishes and no later one starts). Unknown ids are ignored.
  void Unsubscribe(SubscriptionId id);
  //! Delivers `events` (already in seq order) to every current subscriber, in subscription
  //! order. Publishes are serialised: one batch is fully delivered before the next starts.
  void Publish(const std::vector<store::Event>& events);

  //! Makes this bus the store's commit listener. The bus must outlive the store's writes, or
  //! be detached first.
  void Attach(store::Store& store);
  //! Removes the store's commit listener.
  static void Detach(store::Store& store);

  //! Number of current subscribers (for tests and metrics).
  size_t SubscriberCount() const;

 private:
  using Entry = std::pair<SubscriptionId, std::shared_ptr<const Subscriber>>;
  using List = std::vector<Entry>;

  mutable Mutex mu_;
  std::shared_ptr<const List> subscribers_ GUARDED_BY(mu_) = std::make_shared<const List>();
  SubscriptionId next_id_ GUARDED_BY(mu_) = 1;

  Mutex publish_mu_;                       // held for the whole of one Publish
  std::atomic<std::thread::id> publishing_{};  // thread inside Publish, if any
};

}  // namespace centinela::events
