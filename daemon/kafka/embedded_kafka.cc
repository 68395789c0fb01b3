#include "kafka/embedded_kafka.h"

#include <stdexcept>

namespace reminder::kafka {

EmbeddedKafka::EmbeddedKafka(int brokers) {
  ConfHandle conf(rd_kafka_conf_new());
  char err[512];
  // The host handle never connects anywhere itself.
  rd_kafka_conf_set(conf.get(), "bootstrap.servers", "", err, sizeof err);
  rd_kafka_conf_set(conf.get(), "log_level", "3", err, sizeof err);  // no "no bootstrap" warning
  host_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!host_) throw std::runtime_error(std::string("cannot start embedded Kafka: ") + err);
  conf.release();
  cluster_ = rd_kafka_mock_cluster_new(host_.get(), brokers);
  if (cluster_ == nullptr) throw std::runtime_error("cannot start embedded Kafka mock cluster");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

EmbeddedKafka::~EmbeddedKafka() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
}

void EmbeddedKafka::create_topic(const std::string& name, int partitions) {
  if (auto e = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1)) {
    throw std::runtime_error("embedded Kafka: cannot create topic '" + name +
                             "': " + rd_kafka_err2str(e));
  }
}

}  // namespace reminder::kafka
