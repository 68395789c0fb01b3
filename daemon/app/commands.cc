#include "app/commands.h"

#include <iostream>
#include <map>
#include <string>
#include <variant>

#include "config/daemon_config.h"
#include "config/policy_loader.h"
#include "config/secrets.h"
#include "logging/log.h"

namespace reminder::app {

int check_config(const std::string& path, std::ostream& out, std::ostream& err) {
  auto config = config::load_daemon_config(path);
  if (auto* e = std::get_if<config::ConfigError>(&config)) {
    err << e->to_string() << "\n";
    return kExitConfig;
  }
  const auto& c = std::get<config::DaemonConfig>(config);
  // Readable now, so a deploy finds out before the restart (values unused).
  auto secrets = config::resolve_secrets(c.kafka_secrets);
  if (auto* e = std::get_if<config::ConfigError>(&secrets)) {
    err << e->to_string() << "\n";
    return kExitConfig;
  }
  auto policy = config::load_policy_file(c.policy_path);
  if (auto* e = std::get_if<config::ConfigError>(&policy)) {
    err << e->to_string() << "\n";
    return kExitConfig;
  }
  const auto& p = *std::get<rules::PolicyPtr>(policy);
  out << path << ": ok\n"
      << c.policy_path << ": ok (policy " << p.name << "@" << p.version << ": " << p.buckets.size()
      << " buckets, " << p.windows.size() << " windows, " << p.caps.size() << " caps)\n";
  return 0;
}

int run_daemon(const RunOptions& options) {
  auto config = config::load_daemon_config(options.config_path);
  if (auto* e = std::get_if<config::ConfigError>(&config)) {
    std::cerr << e->to_string() << "\n";
    return kExitConfig;
  }
  auto& c = std::get<config::DaemonConfig>(config);
  logging::init(config::log_level_name(c.log.level));
  auto secrets = config::resolve_secrets(c.kafka_secrets);
  if (auto* e = std::get_if<config::ConfigError>(&secrets)) {
    logging::error("config.secret_unavailable", {{"error", e->to_string()}});
    std::cerr << e->to_string() << "\n";
    return kExitConfig;
  }
  // Into the librdkafka properties, the only place the values go.
  for (auto& [property, value] : std::get<std::map<std::string, std::string>>(secrets)) {
    c.kafka[property] = std::move(value);
  }
  auto policy = config::load_policy_file(c.policy_path);
  if (auto* e = std::get_if<config::ConfigError>(&policy)) {
    logging::error("policy.invalid", {{"error", e->to_string()}});
    std::cerr << e->to_string() << "\n";
    return kExitConfig;
  }
  App app(std::move(c), std::get<rules::PolicyPtr>(std::move(policy)), options);
  return app.run();
}

}  // namespace reminder::app
