// reminderd against Kafka faults, with the real binary and broker:
//  - the broker unreachable at start: retries with backoff, alive but not
//    ready (and says why), ready and processing once the broker answers;
//  - a downstream topic missing (topics.create_missing: false): waits, not
//    ready, reads nothing, and processes the held input once it exists;
//  - a downstream topic the daemon may not write to (an ACL, over SASL_SSL),
//    exactly-once: the transaction aborts and is retried, the input is not
//    committed past the event, and it is delivered once the ACL goes; also
//    when the abort itself turns the producer fatal (every output denied);
//  - a state changelog it cannot read: exit 6 before any event is processed.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e/daemon_under_test.h"
#include "e2e/net_helpers.h"
#include "e2e/security_events.h"

namespace reminder::testing {
namespace {

using namespace std::chrono_literals;

struct RdKafka {
  rd_kafka_t* rk = nullptr;
  explicit RdKafka(rd_kafka_type_t type, const std::map<std::string, std::string>& props) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [k, v] : props) rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err);
    rk = rd_kafka_new(type, conf, err, sizeof err);
    if (rk == nullptr) rd_kafka_conf_destroy(conf);
  }
  ~RdKafka() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

int count_occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Adds (or deletes) one literal-topic ACL for `principal`; empty on success.
std::string change_acl(bool add, const std::string& topic, const std::string& principal,
                       rd_kafka_AclOperation_t op, rd_kafka_AclPermissionType_t permission) {
  RdKafka admin(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap()}});  // anonymous: super user
  if (admin.rk == nullptr) return "no admin client";
  char err[512];
  rd_kafka_queue_t* q = rd_kafka_queue_new(admin.rk);
  std::string failure;
  if (add) {
    rd_kafka_AclBinding_t* b = rd_kafka_AclBinding_new(
        RD_KAFKA_RESOURCE_TOPIC, topic.c_str(), RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        principal.c_str(), "*", op, permission, err, sizeof err);
    if (b == nullptr) return err;
    rd_kafka_CreateAcls(admin.rk, &b, 1, nullptr, q);
    rd_kafka_AclBinding_destroy(b);
  } else {
    rd_kafka_AclBindingFilter_t* f = rd_kafka_AclBindingFilter_new(
        RD_KAFKA_RESOURCE_TOPIC, topic.c_str(), RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        principal.c_str(), "*", op, permission, err, sizeof err);
    if (f == nullptr) return err;
    rd_kafka_DeleteAcls(admin.rk, &f, 1, nullptr, q);
    rd_kafka_AclBinding_destroy(f);
  }
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (ev == nullptr) {
    failure = "ACL change timed out";
  } else if (rd_kafka_event_error(ev)) {
    failure = rd_kafka_event_error_string(ev);
  } else if (add) {
    size_t n = 0;
    const auto** res = rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      if (const rd_kafka_error_t* e = rd_kafka_acl_result_error(res[i])) {
        failure = rd_kafka_error_string(e);
      }
    }
  } else {
    size_t n = 0, matched = 0;
    const auto** res =
        rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      if (const rd_kafka_error_t* e = rd_kafka_DeleteAcls_result_response_error(res[i])) {
        failure = rd_kafka_error_string(e);
      }
      size_t m = 0;
      rd_kafka_DeleteAcls_result_response_matching_acls(res[i], &m);
      matched += m;
    }
    if (failure.empty() && matched == 0) failure = "no ACL matched";
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  return failure;
}

// The group's committed offset per partition of `topic` (-1001 = none).
std::map<int, std::int64_t> committed(const std::string& group, const std::string& topic,
                                      int partitions) {
  RdKafka c(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap()}, {"group.id", group}});
  std::map<int, std::int64_t> out;
  if (c.rk == nullptr) return out;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  if (rd_kafka_committed(c.rk, list, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  return out;
}

// Where the records of `topic` sit now: partition -> end offset.
std::map<int, std::int64_t> end_offsets(const std::string& topic, int partitions) {
  RdKafka c(RD_KAFKA_CONSUMER,
            {{"bootstrap.servers", bootstrap()}, {"group.id", unique_name("w")}});
  std::map<int, std::int64_t> out;
  for (int p = 0; p < partitions && c.rk != nullptr; ++p) {
    std::int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(c.rk, topic.c_str(), p, &lo, &hi, 30000) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      out[p] = hi;
    }
  }
  return out;
}

int readyz_status(DaemonUnderTest& daemon, std::string* body = nullptr) {
  const int port = http_port_in_log(daemon.log());
  if (port == 0) return 0;
  const auto r = http_get(port, "/readyz");
  if (!r) return 0;
  if (body != nullptr) *body = r->body;
  return r->status;
}

TEST(KafkaFaults, BrokerUnreachableAtStartRetriesThenBecomesReady) {
  const auto topics = fresh_topics("fault-down");
  const int port = free_port();
  DaemonOptions o;
  o.bootstrap = "127.0.0.1:" + std::to_string(port);  // nothing listens there yet
  DaemonUnderTest daemon(topics, kAlwaysOpenPolicy, o);
  daemon.start();
  ASSERT_TRUE(daemon.wait_for_log("\"attempt\":\"2\"", 120s)) << daemon.log();
  ASSERT_TRUE(daemon.process().running()) << daemon.log();
  std::string body;
  EXPECT_EQ(readyz_status(daemon, &body), 503);
  EXPECT_NE(body.find("waiting for Kafka"), std::string::npos) << body;
  // Backoff: the retry delay grows.
  EXPECT_NE(daemon.log().find("\"retry_in_ms\":\"1000\""), std::string::npos) << daemon.log();

  // "The broker comes up": the bootstrap address now leads to it.
  const int broker_port = std::stoi(bootstrap().substr(bootstrap().rfind(':') + 1));
  TcpForwarder broker(port, broker_port);
  ASSERT_TRUE(broker.ok());
  ASSERT_TRUE(daemon.wait_for_log("\"event\":\"consumer.assigned\"", 180s)) << daemon.log();
  EXPECT_NE(daemon.log().find("\"event\":\"kafka.available\""), std::string::npos);
  TestProducer producer;
  send_sms_case(producer, topics.input, "DOWN1");
  EXPECT_EQ(read_topic(topics.sms, 1, 90s).size(), 1u);
  EXPECT_EQ(readyz_status(daemon), 200);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait_for_exit(60s), 0);
}

TEST(KafkaFaults, MissingOutputTopicHoldsInputUntilItExists) {
  // Every topic but the SMS one.
  TopicSet topics{unique_name("fault-miss-in"),        unique_name("fault-miss-sms"),
                  unique_name("fault-miss-email"),     unique_name("fault-miss-call"),
                  unique_name("fault-miss-decisions"), unique_name("fault-miss-dlq"),
                  unique_name("fault-miss-state"),     unique_name("fault-miss-group")};
  create_topics({topics.input, topics.email, topics.call, topics.decisions, topics.dead_letter,
                 topics.changelog},
                topics.partitions);
  TestProducer producer;
  send_sms_case(producer, topics.input, "MISS1");  // before the daemon: held input
  DaemonOptions o;
  o.create_missing = false;
  DaemonUnderTest daemon(topics, kAlwaysOpenPolicy, o);
  daemon.start();
  ASSERT_TRUE(daemon.wait_for_log("\"attempt\":\"2\"", 120s)) << daemon.log();
  ASSERT_TRUE(daemon.process().running()) << daemon.log();
  std::string body;
  EXPECT_EQ(readyz_status(daemon, &body), 503);
  EXPECT_NE(body.find("topic '" + topics.sms + "' does not exist"), std::string::npos) << body;
  EXPECT_NE(daemon.log().find("topic '" + topics.sms + "' does not exist"), std::string::npos);
  // Nothing read, so nothing decided or committed.
  EXPECT_EQ(daemon.log().find("consumer.assigned"), std::string::npos);
  EXPECT_TRUE(read_topic(topics.decisions, 1, 3s).empty());

  create_topics({topics.sms}, topics.partitions);
  EXPECT_EQ(read_topic(topics.sms, 1, 180s).size(), 1u) << daemon.log();
  EXPECT_EQ(count_outcome(read_topic(topics.decisions, 2, 60s), reminder::v1::OUTCOME_SENT), 1);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait_for_exit(60s), 0);
}

struct DeniedOutputs {
  std::string tls_dir = std::getenv("KAFKA_TLS_DIR") ? std::getenv("KAFKA_TLS_DIR") : "";
  std::string sasl_bootstrap =
      std::getenv("KAFKA_SASL_SSL_BOOTSTRAP") ? std::getenv("KAFKA_SASL_SSL_BOOTSTRAP") : "";
  std::string user = read_file(tls_dir + "/scram-user");
  std::string principal = "User:" + user;
  TopicSet topics = fresh_topics("fault-acl");
  std::vector<std::string> denied;

  // The daemon's user may see these topics but not write to them.
  void deny(std::vector<std::string> outputs) {
    denied = std::move(outputs);
    for (const auto& topic : denied) {
      ASSERT_EQ(change_acl(true, topic, principal, RD_KAFKA_ACL_OPERATION_DESCRIBE,
                           RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW),
                "");
      ASSERT_EQ(change_acl(true, topic, principal, RD_KAFKA_ACL_OPERATION_WRITE,
                           RD_KAFKA_ACL_PERMISSION_TYPE_DENY),
                "");
    }
  }
  // No ACL left on the topics: open again (allow.everyone.if.no.acl.found).
  void allow() {
    for (const auto& topic : denied) {
      ASSERT_EQ(change_acl(false, topic, principal, RD_KAFKA_ACL_OPERATION_ANY,
                           RD_KAFKA_ACL_PERMISSION_TYPE_ANY),
                "");
    }
    allowed_ = true;
  }
  ~DeniedOutputs() {
    if (allowed_) return;
    for (const auto& topic : denied) {
      change_acl(false, topic, principal, RD_KAFKA_ACL_OPERATION_ANY,
                 RD_KAFKA_ACL_PERMISSION_TYPE_ANY);
    }
  }
  bool allowed_ = false;
  DaemonOptions options(const std::string& mode) const {
    DaemonOptions o;
    o.delivery_mode = mode;
    o.bootstrap = sasl_bootstrap;
    o.create_missing = false;
    o.extra_kafka =
        "  security.protocol: SASL_SSL\n  sasl.mechanism: PLAIN\n  sasl.username: " + user +
        "\n  ssl.ca.location: " + tls_dir + "/ca.pem\n";
    o.extra_yaml = "kafka_secrets:\n  sasl.password: {file: " + tls_dir + "/scram-password}\n";
    return o;
  }
  // Held, not lost: the group's offsets do not pass what is in the input.
  void expect_not_committed_past(const std::map<int, std::int64_t>& input_end) const {
    const auto done = committed(topics.group, topics.input, topics.partitions);
    for (const auto& [p, end] : input_end) {
      if (end == 0) continue;
      const auto it = done.find(p);
      EXPECT_TRUE(it == done.end() || it->second < end) << "partition " << p << " committed past";
    }
  }
};

// Exactly-once: the failed transaction is aborted and retried, the input
// held; once the writes are allowed the same daemon delivers it, once. Also
// expects the log event `also_logged` (if not empty) while held.
void expect_held_until_allowed(DeniedOutputs& t, const std::string& event_id,
                               const std::string& also_logged = "") {
  create_topics({t.topics.changelog}, t.topics.partitions);
  TestProducer producer;
  send_sms_case(producer, t.topics.input, event_id);
  const auto input_end = end_offsets(t.topics.input, t.topics.partitions);

  DaemonUnderTest daemon(t.topics, kAlwaysOpenPolicy, t.options("exactly_once"));
  daemon.start();
  ASSERT_TRUE(daemon.wait_for_log("TOPIC_AUTHORIZATION_FAILED", 180s)) << daemon.log();
  ASSERT_TRUE(daemon.wait_for_log("\"event\":\"transaction.aborting\"", 60s)) << daemon.log();
  // Backing off, not a tight loop: without the backoff this was ~10 aborts a
  // second. A slow machine only makes fewer, so the bound cannot fail by load.
  std::this_thread::sleep_for(10s);
  const auto aborts = count_occurrences(daemon.log(), "\"event\":\"transaction.aborting\"");
  EXPECT_LE(aborts, 10) << daemon.log();
  EXPECT_NE(daemon.log().find("\"event\":\"transaction.retry_held\""), std::string::npos)
      << daemon.log();
  ASSERT_TRUE(daemon.process().running()) << daemon.log();
  if (!also_logged.empty()) {
    EXPECT_NE(daemon.log().find("\"event\":\"" + also_logged + "\""), std::string::npos)
        << daemon.log();
  }
  t.expect_not_committed_past(input_end);
  EXPECT_TRUE(read_topic(t.topics.sms, 1, 3s).empty());

  t.allow();
  EXPECT_EQ(read_topic(t.topics.sms, 1, 180s).size(), 1u) << daemon.log();
  EXPECT_EQ(count_outcome(read_topic(t.topics.decisions, 2, 60s), reminder::v1::OUTCOME_SENT), 1);
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait_for_exit(60s), 0);
  expect_clean_log(daemon.log(), {read_file(t.tls_dir + "/scram-password")});
}

TEST(KafkaFaults, WriteDeniedOnOutputTopicIsHeldUntilAllowed) {
  DeniedOutputs t;
  ASSERT_FALSE(t.sasl_bootstrap.empty()) << "run via ctest";
  t.deny({t.topics.sms});
  expect_held_until_allowed(t, "ACL1");
}

// Every partition of the transaction refused, so none joins it: librdkafka
// 2.0.2 still ends it with EndTxn, the coordinator answers
// INVALID_TXN_STATE and the client turns fatal (librdkafka#4849; with only
// the SMS topic denied this happens when both partitions share one
// AddPartitionsToTxn request, by chance). The daemon replaces the client
// and holds, as for any other abort, rather than exiting.
TEST(KafkaFaults, WriteDeniedOnEveryOutputReplacesTheFatalProducerAndHolds) {
  DeniedOutputs t;
  ASSERT_FALSE(t.sasl_bootstrap.empty()) << "run via ctest";
  t.deny({t.topics.sms, t.topics.decisions});
  expect_held_until_allowed(t, "ACL3", "producer.replacing");
}

// At-least-once: the daemon stops (exit 3) before committing past the event,
// and after the restart the SMS goes out. This used to lose the SMS: the
// customer's changelog record (which lists the event id) was acknowledged
// before the failed SMS, so the replayed event was skipped as a duplicate.
// The changelog now goes out only behind its events' acknowledged outputs
// (kafka::CommitTracker).
TEST(KafkaFaults, WriteDeniedAtLeastOnceStopsAndRedeliversAfterRestart) {
  DeniedOutputs t;
  ASSERT_FALSE(t.sasl_bootstrap.empty()) << "run via ctest";
  t.deny({t.topics.sms});
  create_topics({t.topics.changelog}, t.topics.partitions);
  TestProducer producer;
  send_sms_case(producer, t.topics.input, "ACL2");
  const auto input_end = end_offsets(t.topics.input, t.topics.partitions);
  {
    DaemonUnderTest daemon(t.topics, kAlwaysOpenPolicy, t.options("at_least_once"));
    daemon.start();
    EXPECT_EQ(daemon.process().wait_for_exit(180s), 3) << daemon.log();
    EXPECT_NE(daemon.log().find("TOPIC_AUTHORIZATION_FAILED"), std::string::npos);
  }
  t.expect_not_committed_past(input_end);
  t.allow();
  DaemonUnderTest again(t.topics, kAlwaysOpenPolicy, t.options("at_least_once"));
  again.start();
  EXPECT_EQ(read_topic(t.topics.sms, 1, 120s).size(), 1u) << again.log();
  again.process().signal(SIGTERM);
  EXPECT_EQ(again.process().wait_for_exit(60s), 0);
}

TEST(KafkaFaults, UnreadableChangelogRefusesToProcess) {
  const auto topics = fresh_topics("fault-state");
  create_topics({topics.changelog}, topics.partitions);
  TestProducer producer;
  // A record this build cannot decode, in every partition's reach.
  for (const char* key : {"S1", "S2", "S3", "S4", "S5", "S6"}) {
    producer.send(topics.changelog, key, std::string("not a state record \xff\xff", 21));
  }
  send_sms_case(producer, topics.input, "STATE1");
  DaemonUnderTest daemon(topics, kAlwaysOpenPolicy);
  daemon.start();
  EXPECT_EQ(daemon.process().wait_for_exit(180s), 6) << daemon.log();
  EXPECT_NE(daemon.log().find("\"event\":\"state.restore_failed\""), std::string::npos);
  // Nothing processed without state: no decision, no message, no commit.
  EXPECT_TRUE(read_topic(topics.decisions, 1, 3s).empty());
  EXPECT_TRUE(read_topic(topics.sms, 1, 1s).empty());
  for (const auto& [p, offset] : committed(topics.group, topics.input, topics.partitions)) {
    EXPECT_LT(offset, 0) << "partition " << p << " committed";
  }
}

}  // namespace
}  // namespace reminder::testing
