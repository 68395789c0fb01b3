#include "sinks/kafka_dispatch_sink.h"

namespace reminder::sinks {

KafkaDispatchSink::KafkaDispatchSink(kafka::Producer& producer, kafka::CommitTracker& tracker,
                                     OutputTopics topics)
    : producer_(producer), tracker_(tracker), topics_(std::move(topics)) {}

void KafkaDispatchSink::send(const std::string& topic, const std::string& key,
                             const google::protobuf::MessageLite& message,
                             std::string_view dispatch_id) {
  buffer_.clear();
  message.SerializeToString(&buffer_);
  // A channel message's dispatch id travels as a header too, so a delivery
  // service can deduplicate without decoding the payload. Decision records
  // (the audit log, ~1.2 per event) carry it only in the body: a header list
  // is two allocations per record, made and freed on the hot path.
  const kafka::Header headers[] = {{"reminderd-dispatch-id", dispatch_id}};
  const std::span<const kafka::Header> hs =
      dispatch_id.empty() ? std::span<const kafka::Header>() : std::span(headers);
  const auto epoch = tracker_.on_produced();
  if (auto err = producer_.produce(topic, key, buffer_, hs, epoch)) {
    tracker_.on_acknowledged(epoch);  // never queued: nothing will report it
    if (!error_) error_ = err;
  }
}

void KafkaDispatchSink::on_decision(const reminder::v1::Decision& d) {
  send(topics_.decisions, d.customer_id(), d, {});
}
void KafkaDispatchSink::on_sms(const reminder::v1::SmsMessage& m) {
  send(topics_.sms, m.customer_id(), m, m.dispatch_id());
}
void KafkaDispatchSink::on_email(const reminder::v1::EmailMessage& m) {
  send(topics_.email, m.customer_id(), m, m.dispatch_id());
}
void KafkaDispatchSink::on_call(const reminder::v1::CallTask& t) {
  send(topics_.call, t.customer_id(), t, t.dispatch_id());
}

}  // namespace reminder::sinks
