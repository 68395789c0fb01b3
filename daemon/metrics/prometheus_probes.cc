#include "metrics/prometheus_probes.h"

#include <prometheus/text_serializer.h>

#include <cctype>

namespace reminder::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;

// The per-enum arrays are indexed by the enum's value: the values must be dense.
constexpr bool reject_reasons_dense() {
  for (std::size_t i = 0; i < std::size(ingest::kAllRejectReasons); ++i) {
    if (static_cast<std::size_t>(ingest::kAllRejectReasons[i]) != i) return false;
  }
  return true;
}
static_assert(reject_reasons_dense(), "RejectReason values must be 0..N-1 in kAllRejectReasons");
static_assert(reminder::v1::Outcome_MIN == 0 && reminder::v1::Reason_MIN == 0);

// Deferred contacts wait for the next window opening: hours, up to a day or
// more over weekends; the low end catches immediate sends.
const Histogram::BucketBoundaries kEventToDispatchBuckets = {
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1,     5,     10,    30,   60,
    300,   900,   1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800};
// In-process latency: sub-millisecond normally, seconds when the producer stalls.
const Histogram::BucketBoundaries kConsumeToProduceBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
// Broker round trips: milliseconds when healthy, up to the transaction timeout when not.
const Histogram::BucketBoundaries kBrokerRoundTripBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

// Waiting for a pacing slot: nothing when capacity suffices, minutes in a
// morning wave, hours when a channel is paused.
const Histogram::BucketBoundaries kPacingDelayBuckets = {
    0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400};

// "PREFIX_SOME_NAME" -> "some_name".
std::string strip_and_lower(const std::string& name, std::string_view prefix) {
  if (name.empty()) return "unknown";
  std::string_view v = name;
  if (v.substr(0, prefix.size()) == prefix) v.remove_prefix(prefix.size());
  std::string out(v);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Slot of a channel in per-channel arrays; kChannels for a value outside the enum.
std::size_t channel_slot(rules::Channel c) {
  const int i = rules::channel_index(c);
  return i >= 0 && static_cast<std::size_t>(i) < rules::kAllChannels.size()
             ? static_cast<std::size_t>(i)
             : rules::kAllChannels.size();
}

}  // namespace

std::string outcome_label(reminder::v1::Outcome outcome) {
  if (!reminder::v1::Outcome_IsValid(outcome)) return "unknown";
  return strip_and_lower(reminder::v1::Outcome_Name(outcome), "OUTCOME_");
}

std::string reason_label(reminder::v1::Reason reason) {
  if (!reminder::v1::Reason_IsValid(reason)) return "unknown";
  return strip_and_lower(reminder::v1::Reason_Name(reason), "REASON_");
}

std::string_view event_kind_label(EventKind kind) {
  switch (kind) {
    case EventKind::kDelinquency: return "delinquency";
    case EventKind::kPayment: return "payment";
    case EventKind::kPromise: return "promise";
    case EventKind::kContactOutcome: return "contact_outcome";
    case EventKind::kFlag: return "flag";
    case EventKind::kProfile: return "profile";
    case EventKind::kInvalid: return "invalid";
  }
  return "unknown";
}

PrometheusProbes::PrometheusProbes(std::string_view version, std::string_view git_sha)
    : events_consumed_(BuildCounter()
                           .Name("reminderd_events_consumed_total")
                           .Help("Account events consumed from Kafka, by event kind.")
                           .Register(registry_)),
      decisions_(BuildCounter()
                     .Name("reminderd_decisions_total")
                     .Help("Contact decisions, by channel (\"none\" if channel-less), outcome "
                           "and reason.")
                     .Register(registry_)),
      dispatches_(BuildCounter()
                      .Name("reminderd_dispatches_total")
                      .Help("Contact messages handed to the channel topics, by channel.")
                      .Register(registry_)),
      dead_letters_(BuildCounter()
                        .Name("reminderd_dead_letters_total")
                        .Help("Input records sent to the dead-letter topic, by reason.")
                        .Register(registry_)),
      rebalances_(BuildCounter()
                      .Name("reminderd_rebalances_total")
                      .Help("Consumer group rebalance callbacks, by kind (assign, revoke, lost).")
                      .Register(registry_)),
      consumer_lag_(BuildGauge()
                        .Name("reminderd_consumer_lag")
                        .Help("Messages between the high watermark and the consumed position, "
                              "by assigned input partition.")
                        .Register(registry_)),
      produce_errors_(BuildCounter()
                          .Name("reminderd_produce_errors_total")
                          .Help("Kafka produce errors, by topic.")
                          .Register(registry_)),
      offset_commits_(BuildCounter()
                          .Name("reminderd_offset_commits_total")
                          .Help("Consumer offset commits, by result (ok, failed).")
                          .Register(registry_)),
      transactions_(BuildCounter()
                        .Name("reminderd_transactions_total")
                        .Help("Kafka transactions, by result (committed, aborted).")
                        .Register(registry_)),
      deferred_(BuildGauge()
                    .Name("reminderd_deferred_contacts")
                    .Help("Contacts waiting in the durable schedule, by channel.")
                    .Register(registry_)),
      redeferrals_(BuildCounter()
                       .Name("reminderd_redeferrals_total")
                       .Help("Due contacts deferred again, by channel and reason "
                             "(window_expired: the window closed while queued for capacity).")
                       .Register(registry_)),
      channel_paused_(BuildGauge()
                          .Name("reminderd_channel_paused")
                          .Help("1 if the operator kill switch pauses the channel.")
                          .Register(registry_)),
      backlog_(BuildGauge()
                   .Name("reminderd_pacing_backlog")
                   .Help("Contacts due and queued for channel capacity or a paused channel, "
                         "by channel.")
                   .Register(registry_)),
      pacing_delay_(BuildHistogram()
                        .Name("reminderd_pacing_delay_seconds")
                        .Help("Due instant to emission of deferred contacts (the wait for a "
                              "pacing slot), by channel.")
                        .Register(registry_)) {
  for (const EventKind k : {EventKind::kDelinquency, EventKind::kPayment, EventKind::kPromise,
                            EventKind::kContactOutcome, EventKind::kFlag, EventKind::kProfile,
                            EventKind::kInvalid}) {
    events_consumed_by_kind_[static_cast<std::size_t>(k)] =
        &events_consumed_.Add({{"kind", std::string(event_kind_label(k))}});
  }
  for (const rules::Channel c : rules::kAllChannels) {
    const std::size_t i = channel_slot(c);
    const std::string name(rules::channel_name(c));
    dispatches_by_channel_[i] = &dispatches_.Add({{"channel", name}});
    deferred_by_channel_[i] = &deferred_.Add({{"channel", name}});
    for (const auto r : {reminder::v1::REASON_WINDOW_EXPIRED, reminder::v1::REASON_QUIET_HOURS}) {
      redeferrals_by_key_[i][static_cast<std::size_t>(r)] =
          &redeferrals_.Add({{"channel", name}, {"reason", reason_label(r)}});
    }
    paused_by_channel_[i] = &channel_paused_.Add({{"channel", name}});
    backlog_by_channel_[i] = &backlog_.Add({{"channel", name}});
    pacing_delay_by_channel_[i] = &pacing_delay_.Add({{"channel", name}}, kPacingDelayBuckets);
  }
  // Every reason exists at 0 so `rate()` and absent-series alerts work from the start.
  for (const ingest::RejectReason r : ingest::kAllRejectReasons) {
    dead_letters_by_reason_[static_cast<std::size_t>(r)] =
        &dead_letters_.Add({{"reason", std::string(ingest::reject_code(r))}});
  }
  rebalance_assign_ = &rebalances_.Add({{"kind", "assign"}});
  rebalance_revoke_ = &rebalances_.Add({{"kind", "revoke"}});
  rebalance_lost_ = &rebalances_.Add({{"kind", "lost"}});
  commits_ok_ = &offset_commits_.Add({{"result", "ok"}});
  commits_failed_ = &offset_commits_.Add({{"result", "failed"}});
  transactions_committed_ = &transactions_.Add({{"result", "committed"}});
  transactions_aborted_ = &transactions_.Add({{"result", "aborted"}});
  // At 0 from the start, so an increase() alert sees the first one.
  transactions_producer_replaced_ = &transactions_.Add({{"result", "producer_replaced"}});

  duplicate_events_ = &BuildCounter()
                           .Name("reminderd_duplicate_events_total")
                           .Help("Events skipped because their event_id was already processed.")
                           .Register(registry_)
                           .Add({});
  event_to_dispatch_ = &BuildHistogram()
                            .Name("reminderd_event_to_dispatch_seconds")
                            .Help("Event time (occurred_at) to the dispatch handed to Kafka; "
                                  "includes deferral.")
                            .Register(registry_)
                            .Add({}, kEventToDispatchBuckets);
  consume_to_produce_ = &BuildHistogram()
                             .Name("reminderd_consume_to_produce_seconds")
                             .Help("Record consumed to its outputs handed to the producer.")
                             .Register(registry_)
                             .Add({}, kConsumeToProduceBuckets);
  commit_duration_ = &BuildHistogram()
                          .Name("reminderd_offset_commit_duration_seconds")
                          .Help("Duration of consumer offset commits.")
                          .Register(registry_)
                          .Add({}, kBrokerRoundTripBuckets);
  transaction_duration_ = &BuildHistogram()
                               .Name("reminderd_transaction_duration_seconds")
                               .Help("Time a committed Kafka transaction took to commit.")
                               .Register(registry_)
                               .Add({}, kBrokerRoundTripBuckets);
  assigned_partitions_ = &BuildGauge()
                              .Name("reminderd_assigned_partitions")
                              .Help("Input partitions currently assigned to this instance.")
                              .Register(registry_)
                              .Add({});
  producer_healthy_ = &BuildGauge()
                           .Name("reminderd_producer_healthy")
                           .Help("1 if the transactional producer is usable.")
                           .Register(registry_)
                           .Add({});
  customers_ = &BuildGauge()
                    .Name("reminderd_customers")
                    .Help("Customers held in local state.")
                    .Register(registry_)
                    .Add({});
  state_bytes_ = &BuildGauge()
                      .Name("reminderd_state_bytes")
                      .Help("Estimated memory held by customer state.")
                      .Register(registry_)
                      .Add({});
  oldest_overdue_ = &BuildGauge()
                         .Name("reminderd_oldest_overdue_deferral_seconds")
                         .Help("Age of the oldest deferred contact that is due but not yet "
                               "emitted (0 if none).")
                         .Register(registry_)
                         .Add({});
  ready_ = &BuildGauge()
                .Name("reminderd_ready")
                .Help("1 when partitions are assigned and restored and the producer is healthy.")
                .Register(registry_)
                .Add({});
  BuildGauge()
      .Name("reminderd_build_info")
      .Help("Build of the running daemon; always 1.")
      .Register(registry_)
      .Add({{"version", std::string(version)}, {"git_sha", std::string(git_sha)}})
      .Set(1);
}

PrometheusProbes::~PrometheusProbes() = default;

std::string PrometheusProbes::render() const {
  return prometheus::TextSerializer().Serialize(registry_.Collect());
}

void PrometheusProbes::set_ready(bool ready) { ready_->Set(ready ? 1 : 0); }

prometheus::Counter& PrometheusProbes::labelled(
    prometheus::Family<prometheus::Counter>& family,
    std::vector<std::pair<std::string, prometheus::Counter*>>& cache, const char* label,
    std::string_view value) {
  for (auto& [v, counter] : cache) {
    if (v == value) return *counter;
  }
  // Bounds cardinality if a caller passes something open-ended.
  constexpr std::size_t kMaxValues = 32;
  std::string key = cache.size() < kMaxValues ? std::string(value) : std::string("other");
  for (auto& [v, counter] : cache) {
    if (v == key) return *counter;
  }
  prometheus::Counter& c = family.Add({{label, key}});
  cache.emplace_back(std::move(key), &c);
  return c;
}

prometheus::Counter& PrometheusProbes::decision_counter(std::size_t channel_slot,
                                                        reminder::v1::Outcome outcome,
                                                        reminder::v1::Reason reason) {
  const auto o = static_cast<unsigned>(outcome);
  const auto r = static_cast<unsigned>(reason);
  const std::size_t oi = o < kOutcomes - 1 ? o : kOutcomes - 1;
  const std::size_t ri = r < kReasons - 1 ? r : kReasons - 1;
  prometheus::Counter*& slot = decisions_by_key_[channel_slot][oi][ri];
  if (slot == nullptr) {
    const std::string channel =
        channel_slot == 0 ? std::string("none")
                          : std::string(rules::channel_name(rules::kAllChannels[channel_slot - 1]));
    slot = &decisions_.Add({{"channel", channel},
                            {"outcome", outcome_label(outcome)},
                            {"reason", reason_label(reason)}});
  }
  return *slot;
}

void PrometheusProbes::on_event_consumed(EventKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  if (i < kEventKinds) events_consumed_by_kind_[i]->Increment();
}

void PrometheusProbes::on_decision(rules::Channel channel, reminder::v1::Outcome outcome,
                                   reminder::v1::Reason reason) {
  const std::size_t c = channel_slot(channel);
  if (c < kChannels) decision_counter(c + 1, outcome, reason).Increment();
}

void PrometheusProbes::on_decision_without_channel(reminder::v1::Outcome outcome,
                                                   reminder::v1::Reason reason) {
  decision_counter(0, outcome, reason).Increment();
}

void PrometheusProbes::on_dispatch(rules::Channel channel) {
  const std::size_t c = channel_slot(channel);
  if (c < kChannels) dispatches_by_channel_[c]->Increment();
}

void PrometheusProbes::on_dead_letter(ingest::RejectReason reason) {
  const auto i = static_cast<std::size_t>(reason);
  if (i < kRejectReasons) dead_letters_by_reason_[i]->Increment();
}

void PrometheusProbes::on_duplicate_event() { duplicate_events_->Increment(); }

void PrometheusProbes::observe_event_to_dispatch(std::chrono::duration<double> d) {
  event_to_dispatch_->Observe(d.count());
}

void PrometheusProbes::observe_consume_to_produce(std::chrono::duration<double> d) {
  consume_to_produce_->Observe(d.count());
}

void PrometheusProbes::on_rebalance(std::string_view kind) {
  if (kind == "assign") {
    rebalance_assign_->Increment();
  } else if (kind == "revoke") {
    rebalance_revoke_->Increment();
  } else if (kind == "lost") {
    rebalance_lost_->Increment();
  } else {
    labelled(rebalances_, other_rebalances_, "kind", kind).Increment();
  }
  // After losing partitions their lag series would go stale (and be double
  // counted with the new owner's); drop them all, the consumer re-reports
  // the partitions it still holds on its next lag update.
  if (kind == "revoke" || kind == "lost") {
    for (prometheus::Gauge*& g : lag_by_partition_) {
      if (g != nullptr) consumer_lag_.Remove(g);
      g = nullptr;
    }
  }
}

void PrometheusProbes::set_assigned_partitions(int n) { assigned_partitions_->Set(n); }

void PrometheusProbes::set_consumer_lag(int partition, std::int64_t lag) {
  if (partition < 0) return;
  const auto p = static_cast<std::size_t>(partition);
  if (p >= lag_by_partition_.size()) lag_by_partition_.resize(p + 1, nullptr);
  prometheus::Gauge*& g = lag_by_partition_[p];
  if (g == nullptr) g = &consumer_lag_.Add({{"partition", std::to_string(partition)}});
  g->Set(static_cast<double>(lag));
}

void PrometheusProbes::on_produce_error(std::string_view topic) {
  labelled(produce_errors_, produce_errors_by_topic_, "topic", topic).Increment();
}

void PrometheusProbes::on_commit(bool ok, std::chrono::duration<double> took) {
  (ok ? commits_ok_ : commits_failed_)->Increment();
  commit_duration_->Observe(took.count());
}

void PrometheusProbes::on_transaction(std::string_view result,
                                      std::chrono::duration<double> took) {
  if (result == "committed") {
    transactions_committed_->Increment();
  } else if (result == "aborted") {
    transactions_aborted_->Increment();
  } else if (result == "producer_replaced") {
    transactions_producer_replaced_->Increment();
  } else {
    labelled(transactions_, other_transactions_, "result", result).Increment();
  }
  // Only a commit has a duration worth a bucket (aborts would pile up at 0).
  if (result == "committed") transaction_duration_->Observe(took.count());
}

void PrometheusProbes::set_producer_healthy(bool healthy) {
  producer_healthy_->Set(healthy ? 1 : 0);
}

void PrometheusProbes::set_customers(std::int64_t n) {
  customers_->Set(static_cast<double>(n));
}

void PrometheusProbes::set_state_bytes(std::int64_t bytes) {
  state_bytes_->Set(static_cast<double>(bytes));
}

void PrometheusProbes::set_deferred(rules::Channel channel, std::int64_t n) {
  const std::size_t c = channel_slot(channel);
  if (c < kChannels) deferred_by_channel_[c]->Set(static_cast<double>(n));
}

void PrometheusProbes::set_oldest_overdue_seconds(double s) { oldest_overdue_->Set(s); }

void PrometheusProbes::on_redeferred(rules::Channel channel, reminder::v1::Reason reason) {
  const std::size_t c = channel_slot(channel);
  if (c >= kChannels) return;
  const std::size_t r = reminder::v1::Reason_IsValid(reason) ? static_cast<std::size_t>(reason)
                                                             : kReasons - 1;
  prometheus::Counter*& counter = redeferrals_by_key_[c][r];
  if (counter == nullptr) {
    counter = &redeferrals_.Add(
        {{"channel", std::string(rules::channel_name(channel))}, {"reason", reason_label(reason)}});
  }
  counter->Increment();
}

void PrometheusProbes::set_backlog(rules::Channel channel, std::int64_t n) {
  const std::size_t c = channel_slot(channel);
  if (c < kChannels) backlog_by_channel_[c]->Set(static_cast<double>(n));
}

void PrometheusProbes::observe_pacing_delay(rules::Channel channel,
                                            std::chrono::duration<double> d) {
  const std::size_t c = channel_slot(channel);
  if (c < kChannels) pacing_delay_by_channel_[c]->Observe(d.count());
}

void PrometheusProbes::set_channel_paused(rules::Channel channel, bool paused) {
  const std::size_t c = channel_slot(channel);
  if (c < kChannels) paused_by_channel_[c]->Set(paused ? 1 : 0);
}

}  // namespace reminder::metrics
