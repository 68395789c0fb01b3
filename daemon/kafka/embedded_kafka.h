#pragma once

// librdkafka's in-process mock cluster, for the out-of-the-box run and fast
// tests. It speaks the Kafka protocol on loopback (kcat can talk to it), but
// in librdkafka 2.0.2 it neither stores transactional offsets nor writes
// commit markers: never use it to assert exactly-once.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <string>

#include "kafka/handles.h"

namespace reminder::kafka {

class EmbeddedKafka {
 public:
  explicit EmbeddedKafka(int brokers);
  ~EmbeddedKafka();
  EmbeddedKafka(const EmbeddedKafka&) = delete;
  EmbeddedKafka& operator=(const EmbeddedKafka&) = delete;

  const std::string& bootstrap_servers() const { return bootstrap_; }
  void create_topic(const std::string& name, int partitions);
  rd_kafka_mock_cluster_t* cluster() const { return cluster_; }

 private:
  KafkaHandle host_;  // the mock cluster lives inside a client handle
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace reminder::kafka
