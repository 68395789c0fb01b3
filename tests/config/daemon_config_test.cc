#include "config/daemon_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <variant>

#include "config/policy_loader.h"

namespace reminder::config {
namespace {

using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string source_dir() {
  const char* dir = std::getenv("REMINDERD_SOURCE_DIR");
  return dir != nullptr ? dir : "";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The config, or a test failure carrying the loader's error.
DaemonConfig expect_config(const Loaded<DaemonConfig>& loaded) {
  if (const auto* error = std::get_if<ConfigError>(&loaded)) {
    ADD_FAILURE() << "unexpected error: " << error->to_string();
    return DaemonConfig{};
  }
  return std::get<DaemonConfig>(loaded);
}

std::string expect_error(const Loaded<DaemonConfig>& loaded) {
  if (const auto* error = std::get_if<ConfigError>(&loaded)) return error->to_string();
  ADD_FAILURE() << "expected an error, the config loaded";
  return "";
}

TEST(DaemonConfig, ShippedDefaultConfigLoads) {
  ASSERT_FALSE(source_dir().empty()) << "REMINDERD_SOURCE_DIR is not set (ctest sets it)";
  const std::string path = source_dir() + "/deploy/reminderd.yaml";
  const DaemonConfig c = expect_config(load_daemon_config(path));

  // `policy` is relative to the config file's directory.
  const std::filesystem::path expected_policy =
      (std::filesystem::path(source_dir()) / "deploy/policies/us-reg-f.yaml").lexically_normal();
  EXPECT_EQ(c.policy_path, expected_policy.string());
  EXPECT_TRUE(std::holds_alternative<rules::PolicyPtr>(load_policy_file(c.policy_path)));

  EXPECT_EQ(c.kafka.at("bootstrap.servers"), "127.0.0.1:9092");
  EXPECT_EQ(c.topics.input, "account-events");
  EXPECT_EQ(c.topics.sms, "reminder-sms");
  EXPECT_EQ(c.topics.email, "reminder-email");
  EXPECT_EQ(c.topics.call, "reminder-call-tasks");
  EXPECT_EQ(c.topics.decisions, "reminder-decisions");
  EXPECT_EQ(c.topics.dead_letter, "account-events-dlq");
  EXPECT_EQ(c.topics.partitions, 12);
  EXPECT_TRUE(c.topics.create_missing);
  EXPECT_EQ(c.consumer.group_id, "reminderd");
  EXPECT_EQ(c.delivery.mode, DeliveryMode::kAtLeastOnce);
  EXPECT_EQ(c.http.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.http.admin_token_env, "REMINDERD_ADMIN_TOKEN");
  EXPECT_EQ(c.log.level, LogLevel::kInfo);
  EXPECT_FALSE(c.embedded_kafka.enabled);
  EXPECT_FALSE(c.demo.enabled);
}

// The shipped file writes out the defaults: parsing it equals parsing `policy:` alone.
TEST(DaemonConfig, ShippedConfigMatchesBuiltInDefaults) {
  ASSERT_FALSE(source_dir().empty());
  const DaemonConfig shipped =
      expect_config(load_daemon_config(source_dir() + "/deploy/reminderd.yaml"));
  const DaemonConfig bare = expect_config(parse_daemon_config("policy: p.yaml\n", "x.yaml"));
  EXPECT_EQ(shipped.topics.input, bare.topics.input);
  EXPECT_EQ(shipped.topics.dead_letter, bare.topics.dead_letter);
  EXPECT_EQ(shipped.topics.partitions, bare.topics.partitions);
  EXPECT_EQ(shipped.consumer.batch_size, bare.consumer.batch_size);
  EXPECT_EQ(shipped.consumer.poll_interval_ms, bare.consumer.poll_interval_ms);
  EXPECT_EQ(shipped.delivery.commit_interval_ms, bare.delivery.commit_interval_ms);
  EXPECT_EQ(shipped.delivery.max_batch_events, bare.delivery.max_batch_events);
  EXPECT_EQ(shipped.delivery.transactional_id_prefix, bare.delivery.transactional_id_prefix);
  EXPECT_EQ(shipped.http.listen, bare.http.listen);
  EXPECT_EQ(shipped.http.admin_token_file, bare.http.admin_token_file);
  EXPECT_EQ(shipped.shutdown.drain_timeout_ms, bare.shutdown.drain_timeout_ms);
  EXPECT_EQ(shipped.embedded_kafka.brokers, bare.embedded_kafka.brokers);
  EXPECT_EQ(shipped.embedded_kafka.partitions, bare.embedded_kafka.partitions);
  EXPECT_EQ(shipped.demo.customers, bare.demo.customers);
  EXPECT_EQ(shipped.demo.events_per_second, bare.demo.events_per_second);
  EXPECT_EQ(shipped.demo.seed, bare.demo.seed);
}

TEST(DaemonConfig, DefaultsAreTheDocumentedOnes) {
  const DaemonConfig c = expect_config(parse_daemon_config("policy: p.yaml\n", "etc/r.yaml"));
  EXPECT_EQ(c.policy_path, "etc/p.yaml");
  EXPECT_THAT(c.kafka, IsEmpty());
  EXPECT_EQ(c.topics.input, "account-events");
  EXPECT_EQ(c.topics.partitions, 12);
  EXPECT_TRUE(c.topics.create_missing);
  EXPECT_EQ(c.consumer.group_id, "reminderd");
  EXPECT_EQ(c.consumer.batch_size, 1000);
  EXPECT_EQ(c.consumer.poll_interval_ms, 5);
  EXPECT_EQ(c.delivery.mode, DeliveryMode::kAtLeastOnce);
  EXPECT_EQ(c.delivery.commit_interval_ms, 100);
  EXPECT_EQ(c.delivery.max_batch_events, 10000);
  EXPECT_EQ(c.delivery.transactional_id_prefix, "reminderd");
  EXPECT_EQ(c.http.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.http.admin_token_file, "");
  EXPECT_EQ(c.http.admin_token_env, "REMINDERD_ADMIN_TOKEN");
  EXPECT_EQ(c.log.level, LogLevel::kInfo);
  EXPECT_EQ(c.shutdown.drain_timeout_ms, 10000);
  EXPECT_FALSE(c.embedded_kafka.enabled);
  EXPECT_EQ(c.embedded_kafka.brokers, 1);
  EXPECT_EQ(c.embedded_kafka.partitions, 12);
  EXPECT_FALSE(c.demo.enabled);
  EXPECT_EQ(c.demo.customers, 2000);
  EXPECT_EQ(c.demo.events_per_second, 200);
  EXPECT_EQ(c.demo.seed, 1u);
}

TEST(DaemonConfig, PolicyPathResolution) {
  EXPECT_EQ(expect_config(parse_daemon_config("policy: p.yaml", "r.yaml")).policy_path, "p.yaml");
  EXPECT_EQ(expect_config(parse_daemon_config("policy: ../pol/p.yaml", "/etc/reminderd/r.yaml"))
                .policy_path,
            "/etc/pol/p.yaml");
  EXPECT_EQ(expect_config(parse_daemon_config("policy: /srv/p.yaml", "/etc/r.yaml")).policy_path,
            "/srv/p.yaml");
}

TEST(DaemonConfig, EverySectionIsRead) {
  const char* yaml = R"(policy: p.yaml
kafka:
  bootstrap.servers: "broker-1:9093,broker-2:9093"
  linger.ms: 5
  enable.idempotence: true
  security.protocol: SASL_SSL
topics: {input: in, sms: s, email: e, call: c, decisions: d, dead_letter: dlq, partitions: 3,
         create_missing: false}
consumer: {group_id: g, batch_size: 50, poll_interval_ms: 0}
delivery: {mode: exactly_once, commit_interval_ms: 250, max_batch_events: 5000,
           transactional_id_prefix: rd-eu}
http: {listen: "[::1]:8080", admin_token_file: /run/secrets/token, admin_token_env: ""}
log: {level: warn}
shutdown: {drain_timeout_ms: 0}
embedded_kafka: {enabled: true, brokers: 3, partitions: 6}
demo: {enabled: true, customers: 10, events_per_second: 1, seed: 42}
)";
  const DaemonConfig c = expect_config(parse_daemon_config(yaml, "r.yaml"));
  // Values of any scalar type are kept as written.
  EXPECT_THAT(c.kafka,
              UnorderedElementsAre(Pair("bootstrap.servers", "broker-1:9093,broker-2:9093"),
                                   Pair("linger.ms", "5"), Pair("enable.idempotence", "true"),
                                   Pair("security.protocol", "SASL_SSL")));
  EXPECT_EQ(c.topics.input, "in");
  EXPECT_EQ(c.topics.dead_letter, "dlq");
  EXPECT_EQ(c.topics.partitions, 3);
  EXPECT_FALSE(c.topics.create_missing);
  EXPECT_EQ(c.consumer.group_id, "g");
  EXPECT_EQ(c.consumer.batch_size, 50);
  EXPECT_EQ(c.consumer.poll_interval_ms, 0);
  EXPECT_EQ(c.delivery.mode, DeliveryMode::kExactlyOnce);
  EXPECT_EQ(c.delivery.commit_interval_ms, 250);
  EXPECT_EQ(c.delivery.max_batch_events, 5000);
  EXPECT_EQ(c.delivery.transactional_id_prefix, "rd-eu");
  EXPECT_EQ(c.http.listen, "[::1]:8080");
  EXPECT_EQ(c.http.admin_token_file, "/run/secrets/token");
  EXPECT_EQ(c.http.admin_token_env, "");
  EXPECT_EQ(c.log.level, LogLevel::kWarn);
  EXPECT_EQ(c.shutdown.drain_timeout_ms, 0);
  EXPECT_TRUE(c.embedded_kafka.enabled);
  EXPECT_EQ(c.embedded_kafka.brokers, 3);
  EXPECT_EQ(c.embedded_kafka.partitions, 6);
  EXPECT_TRUE(c.demo.enabled);
  EXPECT_EQ(c.demo.customers, 10);
  EXPECT_EQ(c.demo.events_per_second, 1);
  EXPECT_EQ(c.demo.seed, 42u);
}

TEST(DaemonConfig, EnumNames) {
  EXPECT_EQ(delivery_mode_name(DeliveryMode::kAtLeastOnce), "at_least_once");
  EXPECT_EQ(delivery_mode_name(DeliveryMode::kExactlyOnce), "exactly_once");
  for (LogLevel level :
       {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    const std::string yaml = "policy: p\nlog: {level: " + std::string(log_level_name(level)) + "}";
    EXPECT_EQ(expect_config(parse_daemon_config(yaml, "r.yaml")).log.level, level);
  }
}

TEST(DaemonConfig, DefaultTopicReusedByAnotherRoleIsReportedAtTheKeyThatWasSet) {
  EXPECT_EQ(expect_error(
                parse_daemon_config("policy: p\ntopics: {dead_letter: reminder-sms}\n", "r.yaml")),
            "r.yaml:2:23: topics.dead_letter: 'reminder-sms' is also topics.sms; each role needs "
            "its own topic");
  EXPECT_EQ(
      expect_error(parse_daemon_config("policy: p\ntopics: {input: reminder-email}\n", "r.yaml")),
      "r.yaml:2:17: topics.input: 'reminder-email' is also topics.email; each role needs "
      "its own topic");
}

TEST(DaemonConfig, MissingFileIsAnErrorWithoutPosition) {
  EXPECT_EQ(expect_error(load_daemon_config("/nonexistent/reminderd.yaml")),
            "/nonexistent/reminderd.yaml: cannot open: No such file or directory");
}

// --- One bad file per mistake, each with its exact message -------------------

struct BadCase {
  const char* file;
  const char* error;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.file; }

const BadCase kBadConfigs[] = {
    {"bad_bool.yaml",
     "bad_bool.yaml:3:12: embedded_kafka.enabled: expected true or false, got 'on'"},
    {"bad_delivery_mode.yaml",
     "bad_delivery_mode.yaml:3:9: delivery.mode: expected one of at_least_once, exactly_once; got "
     "'exactly-once'"},
    {"bad_listen.yaml", "bad_listen.yaml:3:11: http.listen: expected HOST:PORT, got '9464'"},
    {"bad_log_level.yaml",
     "bad_log_level.yaml:3:10: log.level: expected one of trace, debug, info, warn, error; got "
     "'verbose'"},
    {"bad_topic_name.yaml",
     "bad_topic_name.yaml:3:14: topics.decisions: 'reminder decisions' is not a valid Kafka topic "
     "name (letters, digits, . _ -)"},
    {"kafka_group_id.yaml",
     "kafka_group_id.yaml:5:3: kafka: 'group.id' is set by the daemon; use consumer.group_id "
     "instead"},
    {"kafka_nested_value.yaml",
     "kafka_nested_value.yaml:6:5: kafka.ssl: expected a scalar value, got a map"},
    {"missing_policy.yaml", "missing_policy.yaml:2:1: missing required key 'policy'"},
    {"not_a_map.yaml", "not_a_map.yaml:2:1: expected a map at the top level, got 'policy'"},
    {"quoted_integer.yaml",
     "quoted_integer.yaml:3:15: consumer.batch_size: expected an integer, got the string "
     "\"1000\""},
    {"same_topic_twice.yaml",
     "same_topic_twice.yaml:5:8: topics.sms: 'account-events' is also topics.input; each role "
     "needs its own topic"},
    {"unknown_key.yaml",
     "unknown_key.yaml:3:1: unknown key 'topic' (expected one of: policy, kafka, kafka_secrets, topics, consumer, "
     "delivery, http, log, shutdown, embedded_kafka, demo)"},
    {"yaml_syntax_error.yaml",
     "yaml_syntax_error.yaml:3:1: YAML syntax error: end of map flow not found"},
    {"zero_partitions.yaml",
     "zero_partitions.yaml:3:15: topics.partitions: must be at least 1, got 0"},
};

std::string bad_dir() { return source_dir() + "/tests/config/bad_daemon"; }

class BadDaemonConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadDaemonConfigTest, FailsWithExactMessage) {
  ASSERT_FALSE(source_dir().empty()) << "REMINDERD_SOURCE_DIR is not set (ctest sets it)";
  const BadCase& c = GetParam();
  const std::string path = bad_dir() + "/" + c.file;
  ASSERT_TRUE(std::filesystem::is_regular_file(path)) << path;
  EXPECT_EQ(expect_error(parse_daemon_config(read_text(path), c.file)), c.error);
}

INSTANTIATE_TEST_SUITE_P(Files, BadDaemonConfigTest, ::testing::ValuesIn(kBadConfigs),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           std::string name = std::filesystem::path(info.param.file).stem();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(BadDaemonConfigFiles, EveryFileHasAnExpectedMessage) {
  ASSERT_FALSE(source_dir().empty());
  std::set<std::string> listed;
  for (const BadCase& c : kBadConfigs) listed.insert(c.file);
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(bad_dir())) {
    on_disk.insert(entry.path().filename().string());
  }
  EXPECT_EQ(on_disk, listed);
}

}  // namespace
}  // namespace reminder::config
