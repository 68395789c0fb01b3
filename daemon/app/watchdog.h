#pragma once

// Some librdkafka calls block and, in 2.0.2, may ignore their own timeout
// (send_offsets_to_transaction while the group coordinator is down). The
// watchdog ends the process with a clear log line if one stays blocked past
// a limit, so the supervisor restarts it instead of it hanging forever.
// The input is re-read from the last committed offsets: nothing is lost.

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace reminder::app {

class BlockingCallWatchdog {
 public:
  BlockingCallWatchdog(std::chrono::seconds limit, int exit_code);
  ~BlockingCallWatchdog();
  BlockingCallWatchdog(const BlockingCallWatchdog&) = delete;
  BlockingCallWatchdog& operator=(const BlockingCallWatchdog&) = delete;

  // RAII marker around one blocking call. `what` must outlive the guard.
  class Guard {
   public:
    Guard(BlockingCallWatchdog& w, const char* what);
    ~Guard();

   private:
    BlockingCallWatchdog& w_;
  };

 private:
  void run();
  std::chrono::seconds limit_;
  int exit_code_;
  std::atomic<std::int64_t> blocked_since_ms_{0};
  std::atomic<const char*> what_{""};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace reminder::app
