#include "sinks/dead_letter_writer.h"

namespace reminder::sinks {

DeadLetterWriter::DeadLetterWriter(kafka::Producer& producer, kafka::CommitTracker& tracker,
                                   std::string topic)
    : producer_(producer), tracker_(tracker), topic_(std::move(topic)) {}

kafka::KafkaError DeadLetterWriter::write(const rd_kafka_message_t& m,
                                          const std::string& source_topic,
                                          const ingest::Rejection& rejection) {
  const std::string partition = std::to_string(m.partition);
  const std::string offset = std::to_string(m.offset);
  const kafka::Header headers[] = {
      {"reminderd-reason", ingest::reject_code(rejection.reason)},
      {"reminderd-detail", rejection.detail},
      {"reminderd-source-topic", source_topic},
      {"reminderd-source-partition", partition},
      {"reminderd-source-offset", offset},
  };
  const std::string_view key(static_cast<const char*>(m.key), m.key ? m.key_len : 0);
  const std::string_view value(static_cast<const char*>(m.payload), m.payload ? m.len : 0);
  const auto epoch = tracker_.on_produced();
  auto err = producer_.produce(topic_, key, value, headers, epoch);
  if (err) tracker_.on_acknowledged(epoch);
  return err;
}

}  // namespace reminder::sinks
