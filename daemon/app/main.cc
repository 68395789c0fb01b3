// reminderd: overdue-payment reminder dispatcher.
//   reminderd run --config FILE [--bootstrap-servers HOST:PORT] [--embedded-kafka] [--demo]
//   reminderd check-config --config FILE
//   reminderd replay --config FILE --events IN.jsonl --decisions OUT.jsonl [--until RFC3339]

#include <CLI/CLI.hpp>

#include <iostream>

#include "app/app.h"
#include "app/commands.h"
#include "config/daemon_config.h"
#include "config/policy_loader.h"
#include "logging/log.h"

int main(int argc, char** argv) {
  using namespace reminder;
  CLI::App cli{"reminderd: overdue-payment reminders, compliant by construction"};
  cli.require_subcommand(1);

  app::RunOptions run;
  auto* run_cmd = cli.add_subcommand("run", "run the daemon");
  run_cmd->add_option("--config", run.config_path, "daemon config (YAML)")->capture_default_str();
  run_cmd->add_option("--bootstrap-servers", run.bootstrap_servers,
                      "overrides kafka.bootstrap.servers");
  run_cmd->add_flag("--embedded-kafka", run.embedded_kafka,
                    "start librdkafka's mock cluster in-process (no broker needed)");
  run_cmd->add_flag("--demo", run.demo, "feed built-in synthetic events");
  run_cmd->add_option("--http-listen", run.http_listen, "HOST:PORT for metrics/health/admin, or off");

  std::string check_path = "deploy/reminderd.yaml";
  auto* check_cmd = cli.add_subcommand("check-config", "validate a daemon config and its policy");
  check_cmd->add_option("--config", check_path, "daemon config (YAML)")->capture_default_str();

  app::ReplayArgs replay;
  auto* replay_cmd = cli.add_subcommand(
      "replay", "run events through the engine offline, with a simulated clock");
  replay_cmd->add_option("--config", replay.config_path, "daemon config or policy file")->required();
  replay_cmd->add_option("--events", replay.events_path, "AccountEvents, JSON lines")->required();
  replay_cmd->add_option("--decisions", replay.decisions_path, "Decisions out, JSON lines")->required();
  replay_cmd->add_option("--messages", replay.messages_path, "channel messages out, JSON lines");
  replay_cmd->add_option("--until", replay.until, "run the clock on to this RFC 3339 instant");

  cli.add_subcommand("version", "print the version");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  if (cli.got_subcommand("version")) {
    std::cout << "reminderd " << REMINDERD_VERSION << " (" << REMINDERD_GIT_SHA << ")\n";
    return 0;
  }
  if (cli.got_subcommand("check-config")) return app::check_config(check_path, std::cout, std::cerr);
  if (cli.got_subcommand("replay")) return app::replay(replay, std::cout, std::cerr);
  return app::run_daemon(run);
}
