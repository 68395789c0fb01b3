#include "app/watchdog.h"

#include <cstdlib>

#include "logging/log.h"

namespace reminder::app {
namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

BlockingCallWatchdog::BlockingCallWatchdog(std::chrono::seconds limit, int exit_code)
    : limit_(limit), exit_code_(exit_code), thread_([this] { run(); }) {}

BlockingCallWatchdog::~BlockingCallWatchdog() {
  stop_ = true;
  thread_.join();
}

BlockingCallWatchdog::Guard::Guard(BlockingCallWatchdog& w, const char* what) : w_(w) {
  w_.what_ = what;
  w_.blocked_since_ms_ = now_ms();
}

BlockingCallWatchdog::Guard::~Guard() { w_.blocked_since_ms_ = 0; }

void BlockingCallWatchdog::run() {
  while (!stop_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto since = blocked_since_ms_.load();
    if (since != 0 && now_ms() - since > limit_.count() * 1000) {
      logging::error("watchdog.blocked_call", {{"call", what_.load()},
                                               {"limit_s", static_cast<std::int64_t>(limit_.count())},
                                               {"action", "exit; input is re-read from the last commit"}});
      std::_Exit(exit_code_);
    }
  }
}

}  // namespace reminder::app
