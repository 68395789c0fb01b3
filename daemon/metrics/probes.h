#pragma once

// Probes: the only way the rest of the daemon touches metrics. Rules and
// pipeline code call `probe.on_x(...)`; only metrics/ knows prometheus-cpp.
// All probes are called from the single io_context thread.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "ingest/rejection.h"
#include "reminder/v1/decision.pb.h"
#include "rules/channel.h"

namespace reminder::metrics {

// Event kinds, as the `kind` label of reminderd_events_consumed_total.
enum class EventKind : std::uint8_t {
  kDelinquency, kPayment, kPromise, kContactOutcome, kFlag, kProfile, kInvalid
};

class PipelineProbe {
 public:
  virtual ~PipelineProbe() = default;
  virtual void on_event_consumed(EventKind kind) = 0;
  virtual void on_decision(rules::Channel channel, reminder::v1::Outcome outcome,
                           reminder::v1::Reason reason) = 0;
  // A decision that concerns no channel (e.g. a profile update).
  virtual void on_decision_without_channel(reminder::v1::Outcome outcome,
                                           reminder::v1::Reason reason) = 0;
  virtual void on_dispatch(rules::Channel channel) = 0;
  virtual void on_dead_letter(ingest::RejectReason reason) = 0;
  virtual void on_duplicate_event() = 0;
  // Event time (occurred_at) to the moment the dispatch was handed to Kafka.
  virtual void observe_event_to_dispatch(std::chrono::duration<double> d) = 0;
  // Record consumed to its outputs handed to the producer.
  virtual void observe_consume_to_produce(std::chrono::duration<double> d) = 0;
};

class KafkaProbe {
 public:
  virtual ~KafkaProbe() = default;
  virtual void on_rebalance(std::string_view kind /* "assign" | "revoke" | "lost" */) = 0;
  virtual void set_assigned_partitions(int n) = 0;
  virtual void set_consumer_lag(int partition, std::int64_t lag) = 0;
  virtual void on_produce_error(std::string_view topic) = 0;
  virtual void on_commit(bool ok, std::chrono::duration<double> took) = 0;
  // result: "committed" | "aborted" | "producer_replaced"
  virtual void on_transaction(std::string_view result, std::chrono::duration<double> took) = 0;
  virtual void set_producer_healthy(bool healthy) = 0;
};

class StateProbe {
 public:
  virtual ~StateProbe() = default;
  virtual void set_customers(std::int64_t n) = 0;
  virtual void set_state_bytes(std::int64_t bytes) = 0;
  virtual void set_deferred(rules::Channel channel, std::int64_t n) = 0;
  // Age of the oldest deferred contact that is due but not yet emitted.
  virtual void set_oldest_overdue_seconds(double s) = 0;
  // A due contact deferred again, with the reason (window expired while
  // queued, quiet hours, a cap, a gap...).
  virtual void on_redeferred(rules::Channel channel, reminder::v1::Reason reason) = 0;
  virtual void set_channel_paused(rules::Channel channel, bool paused) = 0;
  // Contacts due and waiting for channel capacity or a paused channel.
  virtual void set_backlog(rules::Channel channel, std::int64_t n) = 0;
  // Due instant to emission of a deferred contact: the wait for capacity.
  virtual void observe_pacing_delay(rules::Channel channel, std::chrono::duration<double> d) = 0;
};

// Does nothing; for tests and tools (replay) that want no metrics.
class NullProbes final : public PipelineProbe, public KafkaProbe, public StateProbe {
 public:
  void on_event_consumed(EventKind) override {}
  void on_decision(rules::Channel, reminder::v1::Outcome, reminder::v1::Reason) override {}
  void on_decision_without_channel(reminder::v1::Outcome, reminder::v1::Reason) override {}
  void on_dispatch(rules::Channel) override {}
  void on_dead_letter(ingest::RejectReason) override {}
  void on_duplicate_event() override {}
  void observe_event_to_dispatch(std::chrono::duration<double>) override {}
  void observe_consume_to_produce(std::chrono::duration<double>) override {}
  void on_rebalance(std::string_view) override {}
  void set_assigned_partitions(int) override {}
  void set_consumer_lag(int, std::int64_t) override {}
  void on_produce_error(std::string_view) override {}
  void on_commit(bool, std::chrono::duration<double>) override {}
  void on_transaction(std::string_view, std::chrono::duration<double>) override {}
  void set_producer_healthy(bool) override {}
  void set_customers(std::int64_t) override {}
  void set_state_bytes(std::int64_t) override {}
  void set_deferred(rules::Channel, std::int64_t) override {}
  void set_oldest_overdue_seconds(double) override {}
  void on_redeferred(rules::Channel, reminder::v1::Reason) override {}
  void set_channel_paused(rules::Channel, bool) override {}
  void set_backlog(rules::Channel, std::int64_t) override {}
  void observe_pacing_delay(rules::Channel, std::chrono::duration<double>) override {}
};

}  // namespace reminder::metrics
