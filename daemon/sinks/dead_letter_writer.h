#pragma once

// Dead letters: the original bytes and key, untouched, plus headers saying
// why and where from, so an operator can fix and replay them. Nothing is
// lost: the input offset is committed only after the dead letter is
// acknowledged, like any other output.

#include <librdkafka/rdkafka.h>

#include <string>

#include "ingest/rejection.h"
#include "kafka/commit_tracker.h"
#include "kafka/producer.h"

namespace reminder::sinks {

class DeadLetterWriter {
 public:
  DeadLetterWriter(kafka::Producer& producer, kafka::CommitTracker& tracker, std::string topic);
  kafka::KafkaError write(const rd_kafka_message_t& original, const std::string& source_topic,
                          const ingest::Rejection& rejection);

 private:
  kafka::Producer& producer_;
  kafka::CommitTracker& tracker_;
  std::string topic_;
};

}  // namespace reminder::sinks
