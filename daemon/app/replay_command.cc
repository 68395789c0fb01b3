#include <absl/time/time.h>

#include <variant>

#include "app/commands.h"
#include "config/daemon_config.h"
#include "replay/replay.h"

namespace reminder::app {

int replay(const ReplayArgs& args, std::ostream& out, std::ostream& err) {
  replay::ReplayOptions options;
  // --config takes a daemon config (its policy is used) or a policy file.
  auto daemon = config::load_daemon_config(args.config_path);
  if (auto* c = std::get_if<config::DaemonConfig>(&daemon)) {
    options.policy_path = c->policy_path;
  } else {
    options.policy_path = args.config_path;
  }
  options.events_path = args.events_path;
  options.decisions_path = args.decisions_path;
  options.messages_path = args.messages_path;
  if (args.until) {
    absl::Time t;
    std::string parse_error;
    if (!absl::ParseTime(absl::RFC3339_full, *args.until, &t, &parse_error)) {
      err << "--until: not an RFC 3339 instant: " << *args.until << " (" << parse_error << ")\n";
      return kExitConfig;
    }
    options.until = t;
  }
  // With decisions on stdout, the summary goes to stderr so the two don't mix.
  return replay::run_replay(options, options.decisions_path == "-" ? err : out, err);
}

}  // namespace reminder::app
