#include "events/bus.h"

#include <exception>

namespace centinela::events {

Bus::SubscriptionId Bus::Subscribe(Subscriber fn) {
  auto entry = std::make_shared<const Subscriber>(std::move(fn));
  MutexLock lock(mu_);
  // Copy-on-write: a Publish in progress keeps delivering to the list it took.
  auto next = std::make_shared<List>(*subscribers_);
  const SubscriptionId id = next_id_++;
  next->emplace_back(id, std::move(entry));
  subscribers_ = std::move(next);
  return id;
}

void Bus::Unsubscribe(SubscriptionId id) {
  {
    MutexLock lock(mu_);
    auto next = std::make_shared<List>();
    next->reserve(subscribers_->size());
    for (const Entry& e : *subscribers_)
      if (e.first != id) next->push_back(e);
    subscribers_ = std::move(next);
  }
  // Wait for a delivery already holding the old list, unless that delivery is ours.
  if (publishing_.load() != std::this_thread::get_id()) {
    MutexLock wait(publish_mu_);
  }
}

void Bus::Publish(const std::vector<store::Event>& events) {
  if (events.empty()) return;
  MutexLock publish(publish_mu_);
  publishing_ = std::this_thread::get_id();
  std::exception_ptr first_error;
  std::shared_ptr<const List> list;
  {
    MutexLock lock(mu_);
    list = subscribers_;
  }
  for (const Entry& e : *list) {
    {
      // Skip a subscriber removed by an earlier subscriber of this same delivery.
      MutexLock lock(mu_);
      if (subscribers_ != list) {
        bool present = false;
        for (const Entry& cur : *subscribers_) present = present || cur.first == e.first;
        if (!present) continue;
      }
    }
    try {
      (*e.second)(events);
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  publishing_ = std::thread::id{};
  if (first_error) std::rethrow_exception(first_error);
}

void Bus::Attach(store::Store& store) {
  store.SetCommitListener([this](const std::vector<store::Event>& events) { Publish(events); });
}

void Bus::Detach(store::Store& store) { store.SetCommitListener({}); }

size_t Bus::SubscriberCount() const {
  MutexLock lock(mu_);
  return subscribers_->size();
}

}  // namespace centinela::events
