#pragma once

// Small helpers shared by the bench harness tools (header-only): a strict
// `--key value` command line, clocks, librdkafka configuration and topic
// admin, and a stop flag for SIGINT/SIGTERM. Nothing here is used by the
// daemon.

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace bench {

// ------------------------------------------------------------------ clocks

inline std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CPU seconds (user + system) this process has used so far.
inline double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ------------------------------------------------------------- stop signal

inline std::atomic<bool>& stop_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

inline void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { stop_flag().store(true); };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// ------------------------------------------------------------ command line

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "error: %s\n", what.c_str());
  std::exit(2);
}

// `--name value` options, `--flag` switches and repeatable `-X key=value`
// librdkafka properties. Unknown options are errors.
class Args {
 public:
  Args(int argc, char** argv, std::set<std::string> options, std::set<std::string> flags,
       std::string usage)
      : usage_(std::move(usage)) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "-h" || a == "--help") {
        std::fprintf(stdout, "%s\n", usage_.c_str());
        std::exit(0);
      }
      if (a == "-X") {
        if (i + 1 >= argc) fail("-X needs key=value");
        std::string kv = argv[++i];
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) fail("-X needs key=value, got '" + kv + "'");
        props_[kv.substr(0, eq)] = kv.substr(eq + 1);
        continue;
      }
      if (a.rfind("--", 0) != 0) fail("unexpected argument '" + a + "'");
      std::string name = a.substr(2);
      if (flags.count(name)) {
        flags_.insert(name);
      } else if (options.count(name)) {
        if (i + 1 >= argc) fail("--" + name + " needs a value");
        values_[name] = argv[++i];
      } else {
        fail("unknown option '" + a + "'");
      }
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::fprintf(stderr, "error: %s\n%s\n", what.c_str(), usage_.c_str());
    std::exit(2);
  }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  std::string str(const std::string& name, const std::string& def = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? def : it->second;
  }
  std::string need(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) fail("--" + name + " is required");
    return it->second;
  }
  std::int64_t num(const std::string& name, std::int64_t def) const {
    auto it = values_.find(name);
    if (it == values_.end()) return def;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (errno != 0 || end == it->second.c_str() || *end != '\0') {
      fail("--" + name + ": not an integer: '" + it->second + "'");
    }
    return v;
  }
  double real(const std::string& name, double def) const {
    auto it = values_.find(name);
    if (it == values_.end()) return def;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0') fail("--" + name + ": not a number");
    return v;
  }
  const std::map<std::string, std::string>& props() const { return props_; }

 private:
  std::string usage_;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::map<std::string, std::string> props_;
};

// ------------------------------------------------------------- librdkafka

using Props = std::map<std::string, std::string>;

// Builds a conf from `base`, then `extra` (later wins). Throws on a bad key.
inline rd_kafka_conf_t* make_conf(const Props& base, const Props& extra = {}) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const Props* ps : {&base, &extra}) {
    for (const auto& [k, v] : *ps) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error("kafka property '" + k + "': " + err);
      }
    }
  }
  return conf;
}

// Quiet librdkafka logging: warnings and errors only, to stderr.
inline void quiet_logs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* fac, const char* buf) {
    if (level <= 4) std::fprintf(stderr, "librdkafka %d %s: %s\n", level, fac, buf);
  });
}

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const {
    if (rk) rd_kafka_destroy(rk);
  }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

inline KafkaHandle make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("rd_kafka_new: ") + err);
  }
  return KafkaHandle(rk);
}

// The producer settings of the daemon (daemon/kafka/producer.cc).
inline Props daemon_producer_defaults() {
  return {{"enable.idempotence", "true"},
          {"partitioner", "murmur2_random"},
          {"linger.ms", "5"},
          {"compression.type", "lz4"}};
}

// The consumer settings of the daemon (daemon/kafka/consumer.cc).
inline Props daemon_consumer_defaults() {
  return {{"enable.auto.commit", "false"},
          {"enable.auto.offset.store", "false"},
          {"auto.offset.reset", "earliest"},
          {"partition.assignment.strategy", "range,roundrobin"},
          {"isolation.level", "read_committed"},
          {"fetch.wait.max.ms", "50"}};
}

// Partition count of `topic`, or -1 if it does not exist (yet).
inline int partition_count(rd_kafka_t* rk, const std::string& topic, int timeout_ms = 5000) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = -1;
  if (rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR && md) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      n = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return n;
}

// Creates the topics that do not exist; waits until their metadata shows
// every partition. Throws on failure.
inline void ensure_topics(rd_kafka_t* rk, const std::vector<std::string>& topics, int partitions,
                          bool compact = false, int timeout_ms = 30000) {
  std::vector<rd_kafka_NewTopic_t*> news;
  char err[512];
  for (const auto& t : topics) {
    if (partition_count(rk, t) > 0) continue;
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.c_str(), partitions, 1, err, sizeof err);
    if (!nt) throw std::runtime_error("NewTopic " + t + ": " + err);
    if (compact) rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    news.push_back(nt);
  }
  if (!news.empty()) {
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof err);
    rd_kafka_CreateTopics(rk, news.data(), news.size(), opts, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
    std::string failure;
    if (!ev) {
      failure = "CreateTopics timed out";
    } else {
      const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
      size_t n = 0;
      const rd_kafka_topic_result_t** results = res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
      if (!res) failure = std::string("CreateTopics: ") + rd_kafka_event_error_string(ev);
      for (size_t i = 0; i < n; ++i) {
        const auto e = rd_kafka_topic_result_error(results[i]);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          failure += std::string(rd_kafka_topic_result_name(results[i])) + ": " +
                     rd_kafka_err2str(e) + "; ";
        }
      }
      rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy_array(news.data(), news.size());
    rd_kafka_queue_destroy(q);
    if (!failure.empty()) throw std::runtime_error(failure);
  }
  const auto deadline = mono_ns() + static_cast<std::int64_t>(timeout_ms) * 1'000'000;
  for (const auto& t : topics) {
    while (partition_count(rk, t) != partitions) {
      if (mono_ns() > deadline) throw std::runtime_error("topic " + t + " not ready");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

inline void delete_topics(rd_kafka_t* rk, const std::vector<std::string>& topics,
                          int timeout_ms = 30000) {
  if (topics.empty()) return;
  // Each name once: the broker refuses a request naming a topic twice.
  const std::set<std::string> unique(topics.begin(), topics.end());
  std::vector<rd_kafka_DeleteTopic_t*> dels;
  for (const auto& t : unique) dels.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  char err[512];
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof err);
  rd_kafka_DeleteTopics(rk, dels.data(), dels.size(), opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 5000);
  if (ev) {
    const auto* res = rd_kafka_event_DeleteTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = res ? rd_kafka_DeleteTopics_result_topics(res, &n) : nullptr;
    for (size_t i = 0; i < n; ++i) {
      const auto e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        std::fprintf(stderr, "delete %s: %s\n", rd_kafka_topic_result_name(results[i]), rd_kafka_err2str(e));
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_DeleteTopic_destroy_array(dels.data(), dels.size());
  rd_kafka_queue_destroy(q);
}

// ------------------------------------------------------------------ misc

// Writes `text` to `path` atomically (temp file + rename).
inline void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    std::rename(tmp.c_str(), path.c_str());
  }
}

}  // namespace bench
