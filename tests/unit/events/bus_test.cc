#include "events/bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace centinela::events {
namespace {

std::vector<store::Event> Batch(int64_t first, int64_t n) {
  std::vector<store::Event> out;
  for (int64_t i = 0; i < n; ++i) {
    store::Event e;
    e.seq = first + i;
    out.push_back(e);
  }
  return out;
}

TEST(BusTest, DeliversToEverySubscriberInOrder) {
  Bus bus;
  std::vector<int64_t> a, b;
  bus.Subscribe([&](const std::vector<store::Event>& evs) {
    for (const auto& e : evs) a.push_back(e.seq);
  });
  bus.Subscribe([&](const std::vector<store::Event>& evs) {
    for (const auto& e : evs) b.push_back(e.seq);
  });
  bus.Publish(Batch(1, 3));
  bus.Publish(Batch(4, 2));
  EXPECT_EQ(a, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(b, a);
  EXPECT_EQ(bus.SubscriberCount(), 2u);
}

TEST(BusTest, UnsubscribeStopsDelivery) {
  Bus bus;
  int calls = 0;
  auto id = bus.Subscribe([&](const std::vector<store::Event>&) { ++calls; });
  bus.Publish(Batch(1, 1));
  bus.Unsubscribe(id);
  bus.Unsubscribe(id);      // unknown ids are ignored
  bus.Unsubscribe(999999);
  bus.Publish(Batch(2, 1));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(bus.SubscriberCount(), 0u);
}

TEST(BusTest, EmptyBatchIsNotDelivered) {
  Bus bus;
  int calls = 0;
  bus.Subscribe([&](const std::vector<store::Event>&) { ++calls; });
  bus.Publish({});
  EXPECT_EQ(calls, 0);
}

TEST(BusTest, SubscriberMayUnsubscribeItselfDuringDelivery) {
  Bus bus;
  int calls = 0;
  Bus::SubscriptionId id = 0;
  id = bus.Subscribe([&](const std::vector<store::Event>&) {
    ++calls;
    bus.Unsubscribe(id);  // must not deadlock
  });
  bus.Publish(Batch(1, 1));
  bus.Publish(Batch(2, 1));
  EXPECT_EQ(calls, 1);
}

TEST(BusTest, SubscriberRemovedByAnEarlierOneInTheSameDeliveryIsSkipped) {
  Bus bus;
  int second_calls = 0;
  Bus::SubscriptionId second = 0;
  bus.Subscribe([&](const std::vector<store::Event>&) { bus.Unsubscribe(second); });
  second = bus.Subscribe([&](const std::vector<store::Event>&) { ++second_calls; });
  bus.Publish(Batch(1, 1));
  EXPECT_EQ(second_calls, 0);
}

TEST(BusTest, ThrowingSubscriberDoesNotStarveOthersAndErrorSurfaces) {
  Bus bus;
  int calls = 0;
  bus.Subscribe([](const std::vector<store::Event>&) { throw std::runtime_error("bad"); });
  bus.Subscribe([&](const std::vector<store::Event>&) { ++calls; });
  EXPECT_THROW(bus.Publish(Batch(1, 1)), std::runtime_error);
  EXPECT_EQ(calls, 1);
}

TEST(BusTest, UnsubscribeWaitsForRunningDelivery) {
  Bus bus;
  std::atomic<bool> inside{false};
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  auto id = bus.Subscribe([&](const std::vector<store::Event>&) {
    inside = true;
    while (!release) std::this_thread::yield();
    finished = true;
  });
  std::thread publisher([&] { bus.Publish(Batch(1, 1)); });
  while (!inside) std::this_thread::yield();
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release = true;
  });
  bus.Unsubscribe(id);
  EXPECT_TRUE(finished.load()) << "Unsubscribe returned while its subscriber was running";
  publisher.join();
  releaser.join();
}

TEST(BusTest, ConcurrentSubscribeAndPublish) {
  Bus bus;
  std::atomic<int64_t> total{0};
  std::thread publisher([&] {
    for (int i = 0; i < 1000; ++i) bus.Publish(Batch(i + 1, 1));
  });
  std::vector<Bus::SubscriptionId> ids;
  for (int i = 0; i < 50; ++i)
    ids.push_back(bus.Subscribe([&](const std::vector<store::Event>& evs) {
      total += static_cast<int64_t>(evs.size());
    }));
  for (auto id : ids) bus.Unsubscribe(id);
  publisher.join();
  EXPECT_EQ(bus.SubscriberCount(), 0u);
  EXPECT_GE(total.load(), 0);
}

}  // namespace
}  // namespace centinela::events
