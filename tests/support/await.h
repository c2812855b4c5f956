#pragma once
// A callback API used synchronously in a test: Await calls start(done) with a completion
// that keeps its result and returns that result once the completion has run (on whatever
// thread the service completes on).

#include <future>
#include <utility>

namespace centinela::test {

template <class R, class Start>
R Await(Start&& start) {
  std::promise<R> p;
  std::forward<Start>(start)([&p](R r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

}  // namespace centinela::test
