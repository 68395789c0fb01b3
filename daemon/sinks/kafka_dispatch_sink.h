#pragma once

// Sends the Dispatcher's outputs to their Kafka topics, keyed by customer_id
// (so a customer's messages stay in order on one partition), each tagged
// with the commit epoch so input offsets are committed only after the
// outputs they produced are acknowledged.

#include <optional>
#include <string>

#include "kafka/commit_tracker.h"
#include "kafka/kafka_error.h"
#include "kafka/producer.h"
#include "pipeline/dispatch_sink.h"

namespace reminder::sinks {

struct OutputTopics {
  std::string sms;
  std::string email;
  std::string call;
  std::string decisions;
  std::string dead_letter;
};

class KafkaDispatchSink final : public pipeline::DispatchSink {
 public:
  KafkaDispatchSink(kafka::Producer& producer, kafka::CommitTracker& tracker, OutputTopics topics);

  void on_decision(const reminder::v1::Decision& decision) override;
  void on_sms(const reminder::v1::SmsMessage& message) override;
  void on_email(const reminder::v1::EmailMessage& message) override;
  void on_call(const reminder::v1::CallTask& task) override;

  // The first error a produce call returned; the caller stops on it.
  const std::optional<kafka::KafkaError>& error() const { return error_; }
  const OutputTopics& topics() const { return topics_; }

 private:
  void send(const std::string& topic, const std::string& key,
            const google::protobuf::MessageLite& message, std::string_view dispatch_id);

  kafka::Producer& producer_;
  kafka::CommitTracker& tracker_;
  OutputTopics topics_;
  std::string buffer_;  // reused serialisation buffer
  std::optional<kafka::KafkaError> error_;
};

}  // namespace reminder::sinks
