#include "kafka/test_kafka_client.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace reminder::testing {
namespace {

rd_kafka_conf_t* conf_for(const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(k + ": " + err);
    }
  }
  return conf;
}

}  // namespace

std::string bootstrap() {
  const char* env = std::getenv("KAFKA_BOOTSTRAP");
  return env && *env ? env : "127.0.0.1:39092";
}

std::string unique_name(std::string_view prefix) {
  static std::atomic<int> counter{0};
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(now) + "-" +
         std::to_string(counter++);
}

void create_topics(const std::vector<std::string>& topics, int partitions) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf_for({{"bootstrap.servers", bootstrap()}}),
                                err, sizeof err);
  if (!rk) throw std::runtime_error(err);
  std::vector<rd_kafka_NewTopic_t*> specs;
  for (const auto& t : topics) specs.push_back(rd_kafka_NewTopic_new(t.c_str(), partitions, 1, err, sizeof err));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, specs.data(), specs.size(), nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  std::string failure;
  if (!ev) {
    failure = "create topics timed out";
  } else {
    size_t n = 0;
    const auto** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      auto code = rd_kafka_topic_result_error(res[i]);
      if (code && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) failure = rd_kafka_err2str(code);
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_NewTopic_destroy_array(specs.data(), specs.size());
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  if (!failure.empty()) throw std::runtime_error("create_topics: " + failure);
}

namespace {

// Key, value, where it is, and its headers (if any).
Record record_of(const rd_kafka_message_t& m) {
  Record r;
  if (m.key) r.key.assign(static_cast<const char*>(m.key), m.key_len);
  if (m.payload) r.value.assign(static_cast<const char*>(m.payload), m.len);
  r.partition = m.partition;
  r.offset = m.offset;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(&m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (size_t i = 0;; ++i) {
      const char* name;
      const void* val;
      size_t size;
      if (rd_kafka_header_get_all(hdrs, i, &name, &val, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
      r.headers[name] = std::string(static_cast<const char*>(val), size);
    }
  }
  return r;
}

}  // namespace

void TestProducer::on_delivery(void*, const void* message, void* opaque) {
  auto* self = static_cast<TestProducer*>(opaque);
  const auto* m = static_cast<const rd_kafka_message_t*>(message);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++self->delivered_;
    if (self->keep_acknowledged_) self->acknowledged_.push_back(record_of(*m));
    return;
  }
  if (self->failed_++ == 0) {
    self->first_error_ = std::string(rd_kafka_err2name(m->err)) + ": " + rd_kafka_err2str(m->err) +
                         " (partition " + std::to_string(m->partition) + ")";
  }
}

TestProducer::TestProducer() {
  char err[512];
  rd_kafka_conf_t* conf = conf_for({{"bootstrap.servers", bootstrap()},
                                    {"enable.idempotence", "true"},
                                    {"partitioner", "murmur2_random"},
                                    {"linger.ms", "5"}});
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    on_delivery(rk, m, opaque);
  });
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(err);
  }
}

TestProducer::~TestProducer() {
  auto* rk = static_cast<rd_kafka_t*>(rk_);
  rd_kafka_flush(rk, 60000);
  rd_kafka_destroy(rk);
}

void TestProducer::send(const std::string& topic, std::string_view key, std::string_view value) {
  auto* rk = static_cast<rd_kafka_t*>(rk_);
  // Up to ~3 minutes of a full queue (a broker restart on a loaded machine).
  for (int i = 0; i < 18000; ++i) {
    auto err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                                 RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                                 RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw std::runtime_error(rd_kafka_err2str(err));
    rd_kafka_poll(rk, 10);
  }
  throw std::runtime_error("producer queue stayed full");
}

void TestProducer::flush(std::chrono::milliseconds timeout) {
  auto* rk = static_cast<rd_kafka_t*>(rk_);
  if (rd_kafka_flush(rk, static_cast<int>(timeout.count())) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("flush timed out");
  }
  char reason[512];
  if (auto fatal = rd_kafka_fatal_error(rk, reason, sizeof reason)) {
    throw std::runtime_error(std::string("test producer fatal error ") + rd_kafka_err2name(fatal) +
                             ": " + reason);
  }
  if (failed_ > 0) {
    throw std::runtime_error("test producer: " + std::to_string(failed_) + " of " +
                             std::to_string(failed_ + delivered_) +
                             " records not delivered, first: " + first_error_);
  }
}

std::vector<Record> read_topic(const std::string& topic, std::size_t at_least,
                               std::chrono::milliseconds timeout, std::chrono::milliseconds quiet) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER,
                                conf_for({{"bootstrap.servers", bootstrap()},
                                          {"group.id", unique_name("reader")},
                                          {"isolation.level", "read_committed"},
                                          {"enable.auto.commit", "false"},
                                          {"enable.partition.eof", "false"}}),
                                err, sizeof err);
  if (!rk) throw std::runtime_error(err);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1) {
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    throw std::runtime_error("no metadata for " + topic);
  }
  auto* parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), md->topics[0].partitions[i].id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);

  std::vector<Record> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto last_new = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    if (out.size() >= at_least && std::chrono::steady_clock::now() - last_new >= quiet) break;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    if (!m->err) {
      out.push_back(record_of(*m));
      last_new = std::chrono::steady_clock::now();
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace reminder::testing
