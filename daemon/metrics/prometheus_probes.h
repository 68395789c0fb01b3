#pragma once

// The probes backed by prometheus-cpp. One instance per process; the HTTP
// /metrics handler calls render().
//
// Threading: like every probe, the on_x/set_x methods are called from the
// single io_context thread; the lazily filled label caches below are not
// synchronised. render() may run on any thread (prometheus-cpp's registry
// and metric values are thread-safe).
//
// Hot path: no call does a string-keyed lookup. Label children are resolved
// once into arrays indexed by enum value; decisions (channel x outcome x
// reason) are created on first use into a fixed array of pointers.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/rejection.h"
#include "metrics/probes.h"
#include "reminder/v1/decision.pb.h"
#include "rules/channel.h"

namespace reminder::metrics {

class PrometheusProbes final : public PipelineProbe, public KafkaProbe, public StateProbe {
 public:
  PrometheusProbes(std::string_view version, std::string_view git_sha);
  PrometheusProbes(const PrometheusProbes&) = delete;
  PrometheusProbes& operator=(const PrometheusProbes&) = delete;
  ~PrometheusProbes() override;

  // The Prometheus text exposition format (version 0.0.4).
  std::string render() const;

  // reminderd_ready: partitions assigned and restored, producer healthy.
  void set_ready(bool ready);

  // PipelineProbe
  void on_event_consumed(EventKind kind) override;
  void on_decision(rules::Channel channel, reminder::v1::Outcome outcome,
                   reminder::v1::Reason reason) override;
  void on_decision_without_channel(reminder::v1::Outcome outcome,
                                   reminder::v1::Reason reason) override;
  void on_dispatch(rules::Channel channel) override;
  void on_dead_letter(ingest::RejectReason reason) override;
  void on_duplicate_event() override;
  void observe_event_to_dispatch(std::chrono::duration<double> d) override;
  void observe_consume_to_produce(std::chrono::duration<double> d) override;

  // KafkaProbe
  void on_rebalance(std::string_view kind) override;
  void set_assigned_partitions(int n) override;
  void set_consumer_lag(int partition, std::int64_t lag) override;
  void on_produce_error(std::string_view topic) override;
  void on_commit(bool ok, std::chrono::duration<double> took) override;
  void on_transaction(std::string_view result, std::chrono::duration<double> took) override;
  void set_producer_healthy(bool healthy) override;

  // StateProbe
  void set_customers(std::int64_t n) override;
  void set_state_bytes(std::int64_t bytes) override;
  void set_deferred(rules::Channel channel, std::int64_t n) override;
  void set_oldest_overdue_seconds(double s) override;
  void on_redeferred(rules::Channel channel, reminder::v1::Reason reason) override;
  void set_channel_paused(rules::Channel channel, bool paused) override;
  void set_backlog(rules::Channel channel, std::int64_t n) override;
  void observe_pacing_delay(rules::Channel channel, std::chrono::duration<double> d) override;

 private:
  static constexpr std::size_t kChannels = rules::kAllChannels.size();
  static constexpr std::size_t kEventKinds = static_cast<std::size_t>(EventKind::kInvalid) + 1;
  static constexpr std::size_t kRejectReasons = std::size(ingest::kAllRejectReasons);
  // Slot 0 is "none" (channel-less decisions), 1..3 are the channels.
  static constexpr std::size_t kDecisionChannels = kChannels + 1;
  // One extra slot each for values outside the proto enum (label "unknown").
  static constexpr std::size_t kOutcomes = reminder::v1::Outcome_ARRAYSIZE + 1;
  static constexpr std::size_t kReasons = reminder::v1::Reason_ARRAYSIZE + 1;

  prometheus::Counter& decision_counter(std::size_t channel_slot, reminder::v1::Outcome outcome,
                                        reminder::v1::Reason reason);
  prometheus::Counter& labelled(prometheus::Family<prometheus::Counter>& family,
                                std::vector<std::pair<std::string, prometheus::Counter*>>& cache,
                                const char* label, std::string_view value);

  // Declared first: every family below lives in it.
  prometheus::Registry registry_;

  prometheus::Family<prometheus::Counter>& events_consumed_;
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Counter>& dispatches_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  prometheus::Family<prometheus::Counter>& rebalances_;
  prometheus::Family<prometheus::Gauge>& consumer_lag_;
  prometheus::Family<prometheus::Counter>& produce_errors_;
  prometheus::Family<prometheus::Counter>& offset_commits_;
  prometheus::Family<prometheus::Counter>& transactions_;
  prometheus::Family<prometheus::Gauge>& deferred_;
  prometheus::Family<prometheus::Counter>& redeferrals_;
  prometheus::Family<prometheus::Gauge>& channel_paused_;
  prometheus::Family<prometheus::Gauge>& backlog_;
  prometheus::Family<prometheus::Histogram>& pacing_delay_;

  std::array<prometheus::Counter*, kEventKinds> events_consumed_by_kind_{};
  std::array<prometheus::Counter*, kChannels> dispatches_by_channel_{};
  std::array<prometheus::Counter*, kRejectReasons> dead_letters_by_reason_{};
  std::array<prometheus::Gauge*, kChannels> deferred_by_channel_{};
  // By channel and reason, filled on first use.
  std::array<std::array<prometheus::Counter*, kReasons>, kChannels> redeferrals_by_key_{};
  std::array<prometheus::Gauge*, kChannels> paused_by_channel_{};
  std::array<prometheus::Gauge*, kChannels> backlog_by_channel_{};
  std::array<prometheus::Histogram*, kChannels> pacing_delay_by_channel_{};
  // 4 x 6 x 52 pointers (~10 KiB), filled on first use of each combination.
  std::array<std::array<std::array<prometheus::Counter*, kReasons>, kOutcomes>, kDecisionChannels>
      decisions_by_key_{};
  // Indexed by partition number; null where never reported.
  std::vector<prometheus::Gauge*> lag_by_partition_;

  prometheus::Counter* rebalance_assign_;
  prometheus::Counter* rebalance_revoke_;
  prometheus::Counter* rebalance_lost_;
  prometheus::Counter* commits_ok_;
  prometheus::Counter* commits_failed_;
  prometheus::Counter* transactions_committed_;
  prometheus::Counter* transactions_producer_replaced_;
  prometheus::Counter* transactions_aborted_;
  // Rare, open-ended label values (topics, unexpected kinds): a tiny linear cache.
  std::vector<std::pair<std::string, prometheus::Counter*>> produce_errors_by_topic_;
  std::vector<std::pair<std::string, prometheus::Counter*>> other_rebalances_;
  std::vector<std::pair<std::string, prometheus::Counter*>> other_transactions_;

  prometheus::Counter* duplicate_events_;
  prometheus::Histogram* event_to_dispatch_;
  prometheus::Histogram* consume_to_produce_;
  prometheus::Histogram* commit_duration_;
  prometheus::Histogram* transaction_duration_;
  prometheus::Gauge* assigned_partitions_;
  prometheus::Gauge* producer_healthy_;
  prometheus::Gauge* customers_;
  prometheus::Gauge* state_bytes_;
  prometheus::Gauge* oldest_overdue_;
  prometheus::Gauge* ready_;
};

// "REASON_QUIET_HOURS" -> "quiet_hours"; "unknown" for values outside the enum.
std::string outcome_label(reminder::v1::Outcome outcome);
std::string reason_label(reminder::v1::Reason reason);
// The `kind` label of reminderd_events_consumed_total.
std::string_view event_kind_label(EventKind kind);

}  // namespace reminder::metrics
