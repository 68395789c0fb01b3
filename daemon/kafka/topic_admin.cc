#include "kafka/topic_admin.h"

#include <stdexcept>
#include <thread>

#include "kafka/handles.h"
#include "logging/log.h"

namespace reminder::kafka {

void ensure_topics(const Properties& props, const std::vector<TopicSpec>& topics,
                   std::chrono::milliseconds timeout) {
  ConfHandle conf = make_conf(without_consumer_properties(props), {});
  route_logs(conf.get());
  char err[512];
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk) throw std::runtime_error(std::string("cannot create Kafka admin client: ") + err);
  conf.release();

  std::vector<rd_kafka_NewTopic_t*> specs;
  for (const auto& t : topics) {
    auto* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, -1, err, sizeof err);
    if (nt == nullptr) throw std::runtime_error("topic '" + t.name + "': " + err);
    if (t.compacted) rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    specs.push_back(nt);
  }
  QueueHandle queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout.count()), err, sizeof err);
  rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), err, sizeof err);
  rd_kafka_CreateTopics(rk.get(), specs.data(), specs.size(), options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(specs.data(), specs.size());

  EventHandle ev(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 5000));
  if (!ev) throw std::runtime_error("creating topics timed out (is the broker reachable?)");
  if (rd_kafka_event_error(ev.get())) {
    throw std::runtime_error(std::string("creating topics failed: ") +
                             rd_kafka_event_error_string(ev.get()));
  }
  const auto* result = rd_kafka_event_CreateTopics_result(ev.get());
  size_t n = 0;
  const auto** results = rd_kafka_CreateTopics_result_topics(result, &n);
  for (size_t i = 0; i < n; ++i) {
    const auto code = rd_kafka_topic_result_error(results[i]);
    const char* name = rd_kafka_topic_result_name(results[i]);
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
      logging::info("topic.created", {{"topic", name}});
    } else if (code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      throw std::runtime_error(std::string("cannot create topic '") + name + "': " +
                               (msg ? msg : rd_kafka_err2str(code)));
    }
  }
}

namespace {
int partition_count_once(const Properties& props, const std::string& topic,
                         std::chrono::milliseconds timeout) {
  ConfHandle conf = make_conf(without_consumer_properties(props), {});
  route_logs(conf.get());
  char err[512];
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk) throw std::runtime_error(std::string("cannot create Kafka client: ") + err);
  conf.release();
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const auto e = rd_kafka_metadata(rk.get(), 0, rkt, &md, static_cast<int>(timeout.count()));
  rd_kafka_topic_destroy(rkt);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("metadata for topic '" + topic + "': " + rd_kafka_err2str(e));
  }
  int n = 0;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (md->topic_cnt == 1) {
    n = md->topics[0].partition_cnt;
    topic_err = md->topics[0].err;
  }
  rd_kafka_metadata_destroy(md);
  if (topic_err || n == 0) {
    throw std::runtime_error("topic '" + topic + "' does not exist or has no partitions");
  }
  return n;
}
}  // namespace

int partition_count(const Properties& props, const std::string& topic,
                    std::chrono::milliseconds timeout) {
  // Metadata of a topic created a moment ago may not have reached every
  // broker yet: retry within the timeout.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      return partition_count_once(props, topic, timeout);
    } catch (const std::runtime_error&) {
      if (std::chrono::steady_clock::now() + std::chrono::seconds(1) >= deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

}  // namespace reminder::kafka
