#pragma once

// The daemon's own configuration (deploy/reminderd.yaml): where Kafka is, the
// topic names, delivery mode, HTTP, logging, drain, and the path of the policy
// file. Every key is optional except `policy`; the defaults below are the
// documented ones (deploy/policies/README.md). Parsing is as strict as the
// policy's: unknown keys and wrong types are errors with a line and column.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "config/config_error.h"

namespace reminder::config {

enum class DeliveryMode : std::uint8_t {
  kAtLeastOnce,  // idempotent producer, offsets committed after delivery
  kExactlyOnce,  // Kafka transactions: state + outputs + offsets together
};

enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError };

std::string_view delivery_mode_name(DeliveryMode mode);  // "at_least_once", "exactly_once"
std::string_view log_level_name(LogLevel level);         // "trace" ... "error"

struct TopicsConfig {
  std::string input = "account-events";
  std::string sms = "reminder-sms";
  std::string email = "reminder-email";
  std::string call = "reminder-call-tasks";
  std::string decisions = "reminder-decisions";
  std::string dead_letter = "account-events-dlq";
  // Compacted, co-partitioned with `input`: per-customer state, restored
  // when a partition is assigned.
  std::string changelog = "reminder-state-changelog";
  int partitions = 12;  // used when creating missing topics
  bool create_missing = true;
};

struct ConsumerConfig {
  std::string group_id = "reminderd";
  int batch_size = 1000;  // max messages taken per poll
  int poll_interval_ms = 5;
};

struct DeliveryConfig {
  DeliveryMode mode = DeliveryMode::kAtLeastOnce;
  int commit_interval_ms = 100;  // transaction / offset commit cadence
  int max_batch_events = 10000;  // events per transaction at most
  std::string transactional_id_prefix = "reminderd";
};

struct HttpConfig {
  std::string listen = "127.0.0.1:9464";  // HOST:PORT for /metrics, /healthz, /readyz, admin
  std::string admin_token_file;           // bearer token for admin endpoints, read from a file...
  std::string admin_token_env = "REMINDERD_ADMIN_TOKEN";  // ...or from this environment variable
};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
};

struct ShutdownConfig {
  int drain_timeout_ms = 10000;
};

struct EmbeddedKafkaConfig {
  bool enabled = false;  // librdkafka's mock cluster in-process
  int brokers = 1;
  int partitions = 12;
};

struct DemoConfig {
  bool enabled = false;  // built-in synthetic event generator
  int customers = 2000;
  int events_per_second = 200;
  std::uint64_t seed = 1;
};

// Where a secret comes from: never the secret itself, which stays out of the
// config file (and so out of backups, diffs, tickets and `check-config`
// output). Read at start by config::resolve_secrets (config/secrets.h).
enum class SecretSource : std::uint8_t {
  kFile,  // the file's bytes, one trailing newline dropped
  kEnv,   // an environment variable
};

struct SecretRef {
  SecretSource source = SecretSource::kFile;
  std::string location;  // absolute path (resolved against the config's directory) or variable name
};

// librdkafka properties that hold a secret. In `kafka:` they are an error;
// `kafka_secrets:` accepts these and nothing else.
bool is_secret_kafka_property(std::string_view name);

struct DaemonConfig {
  // The `policy` key resolved against the config file's directory (an
  // absolute `policy` is kept as is).
  std::string policy_path;
  // librdkafka properties passed through verbatim (like `kcat -X`), sorted.
  std::map<std::string, std::string> kafka;
  // Secret librdkafka properties by source (`kafka_secrets:`), sorted.
  std::map<std::string, SecretRef> kafka_secrets;
  TopicsConfig topics;
  ConsumerConfig consumer;
  DeliveryConfig delivery;
  HttpConfig http;
  LogConfig log;
  ShutdownConfig shutdown;
  EmbeddedKafkaConfig embedded_kafka;
  DemoConfig demo;
};

// Parses daemon config YAML. `source_name` labels errors and is the path
// against which a relative `policy` is resolved.
Loaded<DaemonConfig> parse_daemon_config(std::string_view yaml_text, std::string_view source_name);

// Reads and parses the file at `path`.
Loaded<DaemonConfig> load_daemon_config(const std::string& path);

}  // namespace reminder::config
