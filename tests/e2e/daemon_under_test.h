#pragma once

// One reminderd instance against the real broker, with its own topics,
// group and a policy written by the test.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "kafka/child_process.h"
#include "kafka/test_kafka_client.h"

namespace reminder::testing {

// A policy whose window is always open, so e2e results do not depend on the
// hour the test runs: SMS at DPD 1, email at 3, call at 15, hand-off at 90.
inline constexpr const char* kAlwaysOpenPolicy = R"(name: e2e
version: "1"
buckets:
  - name: early
    dpd_min: 1
    dpd_max: 89
    steps:
      - channel: sms
        template: e2e.sms
        at_dpd: [1]
      - channel: email
        template: e2e.email
        at_dpd: [3]
      - channel: call
        template: e2e.call
        at_dpd: [15]
        queue: e2e-queue
  - name: legal
    dpd_min: 90
    handoff:
      template: e2e.handoff
      queue: legal
windows:
  - name: always
    hours:
      daily: "00:00-24:00"
jurisdiction_zones:
  US: [America/New_York, America/Chicago]
)";

struct TopicSet {
  std::string input, sms, email, call, decisions, dead_letter, changelog, group;
  int partitions = 3;
};

inline TopicSet fresh_topics(const std::string& prefix, int partitions = 3) {
  TopicSet t{unique_name(prefix + "-in"),  unique_name(prefix + "-sms"),
             unique_name(prefix + "-email"), unique_name(prefix + "-call"),
             unique_name(prefix + "-decisions"), unique_name(prefix + "-dlq"),
             unique_name(prefix + "-state"), unique_name(prefix + "-group")};
  t.partitions = partitions;
  create_topics({t.input, t.sms, t.email, t.call, t.decisions, t.dead_letter}, partitions);
  return t;
}

struct DaemonOptions {
  std::string delivery_mode = "at_least_once";
  std::string instance_id;  // group.instance.id (static membership), optional
  int session_timeout_ms = 10000;
  // Security and fault tests: another bootstrap (a SASL_SSL listener, a
  // port nobody listens on), more `kafka:` lines ("  key: value\n" each),
  // more top-level YAML (kafka_secrets:, log:), and topics.create_missing.
  std::string bootstrap;
  std::string extra_kafka;
  std::string extra_yaml;
  bool create_missing = true;
};

class DaemonUnderTest {
 public:
  DaemonUnderTest(const TopicSet& topics, const std::string& policy_yaml,
                  const DaemonOptions& options = {}) {
    dir_ = std::filesystem::temp_directory_path() / unique_name("reminderd-e2e");
    std::filesystem::create_directories(dir_);
    write(dir_ / "policy.yaml", policy_yaml);
    write(dir_ / "reminderd.yaml",
          "policy: policy.yaml\n"
          "kafka:\n  bootstrap.servers: " +
              (options.bootstrap.empty() ? bootstrap() : options.bootstrap) + "\n" +
              options.extra_kafka +
              (options.instance_id.empty() ? std::string()
                                           : "  group.instance.id: " + options.instance_id + "\n") +
              "  session.timeout.ms: " + std::to_string(options.session_timeout_ms) + "\n" +
              kafka_debug() +
          "topics:\n  input: " + topics.input + "\n  sms: " + topics.sms + "\n  email: " +
              topics.email + "\n  call: " + topics.call + "\n  decisions: " + topics.decisions +
              "\n  dead_letter: " + topics.dead_letter + "\n  changelog: " + topics.changelog +
              "\n  partitions: " + std::to_string(topics.partitions) + "\n"
          "  create_missing: " + std::string(options.create_missing ? "true" : "false") +
              "\n" + options.extra_yaml +
          "consumer:\n  group_id: " + topics.group + "\n"
          "delivery:\n  mode: " + options.delivery_mode + "\n"
          "http:\n  listen: \"127.0.0.1:0\"\n"
          "shutdown:\n  drain_timeout_ms: 30000\n" + diagnostics());
  }

  void start() {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{reminderd_binary(), "run", "--config",
                                 (dir_ / "reminderd.yaml").string()},
        log_path());
  }
  ChildProcess& process() { return *process_; }
  void write_policy(const std::string& yaml) { write(dir_ / "policy.yaml", yaml); }
  // Waits (bounded) until the log contains `needle`.
  bool wait_for_log(const std::string& needle, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (log().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  std::string log_path() const { return (dir_ / "reminderd.log").string(); }
  std::string log() const { return read_file(log_path()); }
  std::filesystem::path dir() const { return dir_; }

 private:
  // For diagnosing a failing run, not set in CI: REMINDERD_E2E_LOG_LEVEL
  // (e.g. debug) and REMINDERD_E2E_KAFKA_DEBUG (librdkafka `debug`, e.g.
  // cgrp,fetch,eos) go into every daemon's config.
  static std::string diagnostics() {
    std::string out;
    if (const char* level = std::getenv("REMINDERD_E2E_LOG_LEVEL"); level && *level) {
      out += std::string("log:\n  level: ") + level + "\n";
    }
    return out;
  }
  static std::string kafka_debug() {
    const char* debug = std::getenv("REMINDERD_E2E_KAFKA_DEBUG");
    return debug && *debug ? std::string("  debug: ") + debug + "\n" : std::string();
  }
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::FILE* f = std::fopen(p.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace reminder::testing
