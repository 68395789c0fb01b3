#pragma once

// The subcommands' bodies, kept out of main() so tests can call them.

#include <optional>
#include <ostream>
#include <string>

#include "app/app.h"

namespace reminder::app {

// Validates the daemon config and the policy it names. 0 if both are valid;
// otherwise prints "FILE:LINE:COL: message" and returns kExitConfig.
int check_config(const std::string& path, std::ostream& out, std::ostream& err);

int run_daemon(const RunOptions& options);

struct ReplayArgs {
  std::string config_path;  // a daemon config (its policy is used) or a policy file
  std::string events_path;
  std::string decisions_path;
  std::string messages_path;
  std::optional<std::string> until;
};
int replay(const ReplayArgs& args, std::ostream& out, std::ostream& err);

}  // namespace reminder::app
