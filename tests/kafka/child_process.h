#pragma once

// Runs the reminderd binary as a child process for e2e tests: stderr and
// stdout to a log file, signals, bounded waits, killed if still running
// when the test ends.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace reminder::testing {

class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void signal(int sig);
  // The exit code (or 128 + signal) if it exited within `timeout`.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

std::string read_file(const std::string& path);
// $REMINDERD_BINARY (set by ctest).
std::string reminderd_binary();
// $REMINDERD_SOURCE_DIR (set by ctest).
std::string source_dir();

}  // namespace reminder::testing
