#pragma once

// Time is a parameter: the engine never reads a clock. The daemon injects
// SystemClock; tests and replay inject a clock they move themselves.

#include <absl/time/clock.h>
#include <absl/time/time.h>

namespace reminder::clock {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time now() const override { return absl::Now(); }
};

// A clock that only moves when told to: replay's simulated time, and tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}
  absl::Time now() const override { return now_; }
  void set(absl::Time t) { now_ = t; }
  void advance(absl::Duration d) { now_ += d; }

 private:
  absl::Time now_;
};

}  // namespace reminder::clock
