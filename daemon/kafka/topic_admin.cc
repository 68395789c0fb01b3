#include "kafka/topic_admin.h"

#include <stdexcept>

#include "kafka/handles.h"
#include "logging/log.h"

namespace reminder::kafka {

void ensure_topics(const Properties& props, const std::vector<TopicSpec>& topics,
                   std::chrono::milliseconds timeout) {
  ConfHandle conf = make_conf(props, {});
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

}  // namespace reminder::kafka
