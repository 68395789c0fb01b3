#pragma once

#include <algorithm>
#include <chrono>

namespace reminder::app {

// Doubling delay between attempts at something that keeps failing (Kafka
// unreachable at start, a transaction aborted again and again because an
// output is not writable), so a persistent fault costs a few retries a
// minute instead of a tight loop of requests and log lines. Pure: the caller
// waits; reset() once the thing works again.
class RetryBackoff {
 public:
  RetryBackoff(std::chrono::milliseconds first, std::chrono::milliseconds max)
      : first_(first), max_(std::max(first, max)), next_(first) {}

  // The delay before the next attempt; each call doubles the one after, up to max.
  std::chrono::milliseconds next() {
    const auto delay = next_;
    next_ = std::min(next_ * 2, max_);
    ++failures_;
    return delay;
  }
  void reset() {
    next_ = first_;
    failures_ = 0;
  }
  // Failures since the last reset (the number of next() calls).
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
  int failures_ = 0;
};

}  // namespace reminder::app
