#include "metrics/prometheus_probes.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace reminder::metrics {
namespace {

using namespace std::chrono_literals;
using reminder::v1::Outcome;
using reminder::v1::Reason;
using rules::Channel;

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

#define EXPECT_SERIES(text, line) EXPECT_TRUE(has_line(text, line)) << "missing: " << (line)
#define EXPECT_NO_SERIES(text, prefix) \
  EXPECT_EQ((text).find(prefix), std::string::npos) << "unexpected: " << (prefix)

// name -> type, from the "# TYPE" lines.
std::map<std::string, std::string> types(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream fields(l.substr(7));
    std::string name;
    std::string type;
    fields >> name >> type;
    out[name] = type;
  }
  return out;
}

// Calls every probe method at least once.
void exercise(PrometheusProbes& p) {
  p.on_event_consumed(EventKind::kPayment);
  p.on_decision(Channel::kSms, reminder::v1::OUTCOME_SENT, reminder::v1::REASON_STRATEGY_STEP);
  p.on_decision_without_channel(reminder::v1::OUTCOME_NO_CONTACT,
                                reminder::v1::REASON_STATE_UPDATED);
  p.on_dispatch(Channel::kSms);
  p.on_dead_letter(ingest::RejectReason::kUndecodable);
  p.on_duplicate_event();
  p.observe_event_to_dispatch(2h);
  p.observe_consume_to_produce(3ms);
  p.on_rebalance("assign");
  p.set_assigned_partitions(6);
  p.set_consumer_lag(4, 120);
  p.on_produce_error("reminder.sms.v1");
  p.on_commit(true, 5ms);
  p.on_transaction("committed", 20ms);
  p.set_producer_healthy(true);
  p.set_customers(1000);
  p.set_state_bytes(65536);
  p.set_deferred(Channel::kCall, 7);
  p.set_oldest_overdue_seconds(12.5);
  p.on_redeferred(Channel::kCall, reminder::v1::REASON_WINDOW_EXPIRED);
  p.set_channel_paused(Channel::kEmail, true);
  p.set_backlog(Channel::kSms, 3);
  p.observe_pacing_delay(Channel::kSms, 2s);
  p.set_ready(true);
}

TEST(PrometheusProbesTest, NamesFollowConventions) {
  PrometheusProbes p("0.1.0", "deadbeef");
  exercise(p);
  const std::string text = p.render();
  const auto t = types(text);
  EXPECT_EQ(t.size(), 26u) << text;
  for (const auto& [name, type] : t) {
    EXPECT_EQ(name.rfind("reminderd_", 0), 0u) << name;
    const bool total = name.size() > 6 && name.substr(name.size() - 6) == "_total";
    if (type == "counter") {
      EXPECT_TRUE(total) << name << ": counters end in _total";
    } else {
      EXPECT_FALSE(total) << name << ": only counters end in _total";
    }
    if (type == "histogram") {
      EXPECT_EQ(name.substr(name.size() - 8), "_seconds") << name;
    }
    EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos) << name << " has no help";
  }
}

TEST(PrometheusProbesTest, FreshRegistryPreCreatesSeries) {
  PrometheusProbes p("0.1.0", "deadbeef");
  const std::string text = p.render();
  EXPECT_SERIES(text, R"(reminderd_build_info{git_sha="deadbeef",version="0.1.0"} 1)");
  EXPECT_SERIES(text, "reminderd_ready 0");
  EXPECT_SERIES(text, "reminderd_producer_healthy 0");
  EXPECT_SERIES(text, "reminderd_duplicate_events_total 0");
  for (const ingest::RejectReason r : ingest::kAllRejectReasons) {
    EXPECT_SERIES(text, "reminderd_dead_letters_total{reason=\"" +
                            std::string(ingest::reject_code(r)) + "\"} 0");
  }
  for (const char* kind : {"delinquency", "payment", "promise", "contact_outcome", "flag",
                           "profile", "invalid"}) {
    EXPECT_SERIES(text, "reminderd_events_consumed_total{kind=\"" + std::string(kind) + "\"} 0");
  }
  for (const Channel c : rules::kAllChannels) {
    const std::string label = "{channel=\"" + std::string(rules::channel_name(c)) + "\"} 0";
    EXPECT_SERIES(text, "reminderd_dispatches_total" + label);
    EXPECT_SERIES(text, "reminderd_deferred_contacts" + label);
    EXPECT_SERIES(text, "reminderd_channel_paused" + label);
    EXPECT_SERIES(text, "reminderd_pacing_backlog" + label);
    EXPECT_SERIES(text, "reminderd_redeferrals_total{channel=\"" +
                            std::string(rules::channel_name(c)) +
                            "\",reason=\"window_expired\"} 0");
  }
  for (const char* kind : {"assign", "revoke", "lost"}) {
    EXPECT_SERIES(text, "reminderd_rebalances_total{kind=\"" + std::string(kind) + "\"} 0");
  }
  EXPECT_SERIES(text, R"(reminderd_transactions_total{result="committed"} 0)");
  EXPECT_SERIES(text, R"(reminderd_transactions_total{result="aborted"} 0)");
  EXPECT_SERIES(text, R"(reminderd_offset_commits_total{result="ok"} 0)");
  EXPECT_SERIES(text, R"(reminderd_offset_commits_total{result="failed"} 0)");
  EXPECT_SERIES(text, "reminderd_event_to_dispatch_seconds_count 0");
  // Decisions appear on first use; pre-creating all channel x outcome x reason
  // combinations would publish ~600 mostly impossible series.
  EXPECT_NO_SERIES(text, "reminderd_decisions_total{");
}

TEST(PrometheusProbesTest, PipelineProbe) {
  PrometheusProbes p("v", "s");
  p.on_event_consumed(EventKind::kDelinquency);
  p.on_event_consumed(EventKind::kDelinquency);
  p.on_event_consumed(EventKind::kContactOutcome);
  for (int i = 0; i < 3; ++i) {
    p.on_decision(Channel::kCall, reminder::v1::OUTCOME_SUPPRESSED,
                  reminder::v1::REASON_FREQUENCY_CAP);
  }
  p.on_decision(Channel::kSms, reminder::v1::OUTCOME_DEFERRED, reminder::v1::REASON_QUIET_HOURS);
  p.on_decision_without_channel(reminder::v1::OUTCOME_NO_CONTACT,
                                reminder::v1::REASON_STATE_UPDATED);
  p.on_decision_without_channel(reminder::v1::OUTCOME_SUPPRESSED,
                                reminder::v1::REASON_DUPLICATE_EVENT);
  p.on_dispatch(Channel::kEmail);
  p.on_dead_letter(ingest::RejectReason::kBadCurrency);
  p.on_dead_letter(ingest::RejectReason::kTooManyAccounts);
  p.on_duplicate_event();
  p.observe_event_to_dispatch(2h);
  p.observe_consume_to_produce(3ms);

  const std::string text = p.render();
  EXPECT_SERIES(text, R"(reminderd_events_consumed_total{kind="delinquency"} 2)");
  EXPECT_SERIES(text, R"(reminderd_events_consumed_total{kind="contact_outcome"} 1)");
  EXPECT_SERIES(text,
                R"(reminderd_decisions_total{channel="call",outcome="suppressed",)"
                R"(reason="frequency_cap"} 3)");
  EXPECT_SERIES(text,
                R"(reminderd_decisions_total{channel="sms",outcome="deferred",)"
                R"(reason="quiet_hours"} 1)");
  EXPECT_SERIES(text,
                R"(reminderd_decisions_total{channel="none",outcome="no_contact",)"
                R"(reason="state_updated"} 1)");
  EXPECT_SERIES(text,
                R"(reminderd_decisions_total{channel="none",outcome="suppressed",)"
                R"(reason="duplicate_event"} 1)");
  EXPECT_SERIES(text, R"(reminderd_dispatches_total{channel="email"} 1)");
  EXPECT_SERIES(text, R"(reminderd_dispatches_total{channel="sms"} 0)");
  EXPECT_SERIES(text, R"(reminderd_dead_letters_total{reason="bad_currency"} 1)");
  EXPECT_SERIES(text, R"(reminderd_dead_letters_total{reason="too_many_accounts"} 1)");
  EXPECT_SERIES(text, "reminderd_duplicate_events_total 1");
  EXPECT_SERIES(text, R"(reminderd_event_to_dispatch_seconds_bucket{le="3600"} 0)");
  EXPECT_SERIES(text, R"(reminderd_event_to_dispatch_seconds_bucket{le="7200"} 1)");
  EXPECT_SERIES(text, R"(reminderd_event_to_dispatch_seconds_bucket{le="86400"} 1)");
  EXPECT_SERIES(text, R"(reminderd_event_to_dispatch_seconds_bucket{le="0.001"} 0)");
  EXPECT_SERIES(text, "reminderd_event_to_dispatch_seconds_count 1");
  EXPECT_SERIES(text, "reminderd_event_to_dispatch_seconds_sum 7200");
  EXPECT_SERIES(text, R"(reminderd_consume_to_produce_seconds_bucket{le="0.0001"} 0)");
  EXPECT_SERIES(text, R"(reminderd_consume_to_produce_seconds_bucket{le="0.0025"} 0)");
  EXPECT_SERIES(text, R"(reminderd_consume_to_produce_seconds_bucket{le="0.005"} 1)");
  EXPECT_SERIES(text, R"(reminderd_consume_to_produce_seconds_bucket{le="10"} 1)");
  EXPECT_SERIES(text, "reminderd_consume_to_produce_seconds_count 1");
}

TEST(PrometheusProbesTest, DecisionsOutsideTheProtoEnumsAreLabelledUnknown) {
  PrometheusProbes p("v", "s");
  p.on_decision(Channel::kSms, static_cast<Outcome>(99), static_cast<Reason>(5));
  p.on_decision(Channel::kSms, static_cast<Outcome>(77), static_cast<Reason>(1000));
  const std::string text = p.render();
  EXPECT_SERIES(text,
                R"(reminderd_decisions_total{channel="sms",outcome="unknown",reason="unknown"} 2)");
}

TEST(PrometheusProbesTest, KafkaProbe) {
  PrometheusProbes p("v", "s");
  p.on_rebalance("assign");
  p.on_rebalance("assign");
  p.on_rebalance("lost");
  p.set_assigned_partitions(6);
  p.set_consumer_lag(0, 5);
  p.set_consumer_lag(12, 1234567);
  p.on_produce_error("reminder.sms.v1");
  p.on_produce_error("reminder.sms.v1");
  p.on_produce_error("reminder.decisions.v1");
  p.on_commit(true, 5ms);
  p.on_commit(false, 1s);
  p.on_transaction("committed", 20ms);
  p.on_transaction("committed", 30ms);
  p.on_transaction("aborted", 2s);
  p.on_transaction("producer_replaced", 0s);
  p.set_producer_healthy(true);

  std::string text = p.render();
  EXPECT_SERIES(text, R"(reminderd_rebalances_total{kind="assign"} 2)");
  EXPECT_SERIES(text, R"(reminderd_rebalances_total{kind="lost"} 1)");
  EXPECT_SERIES(text, "reminderd_assigned_partitions 6");
  // "lost" came before the lag updates, so these are current.
  EXPECT_SERIES(text, R"(reminderd_consumer_lag{partition="0"} 5)");
  EXPECT_SERIES(text, R"(reminderd_consumer_lag{partition="12"} 1234567)");
  EXPECT_SERIES(text, R"(reminderd_produce_errors_total{topic="reminder.sms.v1"} 2)");
  EXPECT_SERIES(text, R"(reminderd_produce_errors_total{topic="reminder.decisions.v1"} 1)");
  EXPECT_SERIES(text, R"(reminderd_offset_commits_total{result="ok"} 1)");
  EXPECT_SERIES(text, R"(reminderd_offset_commits_total{result="failed"} 1)");
  EXPECT_SERIES(text, "reminderd_offset_commit_duration_seconds_count 2");
  EXPECT_SERIES(text, R"(reminderd_transactions_total{result="committed"} 2)");
  EXPECT_SERIES(text, R"(reminderd_transactions_total{result="aborted"} 1)");
  EXPECT_SERIES(text, R"(reminderd_transactions_total{result="producer_replaced"} 1)");
  // Committed transactions only: an abort's or a replacement's "duration"
  // would only pile up in the lowest bucket.
  EXPECT_SERIES(text, "reminderd_transaction_duration_seconds_count 2");
  EXPECT_SERIES(text, R"(reminderd_transaction_duration_seconds_bucket{le="0.025"} 1)");
  EXPECT_SERIES(text, R"(reminderd_transaction_duration_seconds_bucket{le="0.05"} 2)");
  EXPECT_SERIES(text, R"(reminderd_transaction_duration_seconds_bucket{le="2.5"} 2)");
  EXPECT_SERIES(text, "reminderd_producer_healthy 1");

  // A revocation drops the lag series (they would go stale); the consumer
  // re-reports the partitions it keeps.
  p.on_rebalance("revoke");
  text = p.render();
  EXPECT_SERIES(text, R"(reminderd_rebalances_total{kind="revoke"} 1)");
  EXPECT_NO_SERIES(text, "reminderd_consumer_lag{");
  p.set_consumer_lag(12, 3);
  EXPECT_SERIES(p.render(), R"(reminderd_consumer_lag{partition="12"} 3)");

  // Unexpected label values are kept (bounded), not dropped.
  p.on_rebalance("partial");
  p.on_transaction("fenced", 1ms);
  text = p.render();
  EXPECT_SERIES(text, R"(reminderd_rebalances_total{kind="partial"} 1)");
  EXPECT_SERIES(text, R"(reminderd_transactions_total{result="fenced"} 1)");
  p.set_producer_healthy(false);
  EXPECT_SERIES(p.render(), "reminderd_producer_healthy 0");
}

TEST(PrometheusProbesTest, OpenEndedLabelsAreBounded) {
  PrometheusProbes p("v", "s");
  for (int i = 0; i < 100; ++i) p.on_produce_error("topic-" + std::to_string(i));
  const std::string text = p.render();
  EXPECT_SERIES(text, R"(reminderd_produce_errors_total{topic="topic-0"} 1)");
  EXPECT_SERIES(text, R"(reminderd_produce_errors_total{topic="other"} 68)");
  EXPECT_NO_SERIES(text, "topic-99");
}

TEST(PrometheusProbesTest, StateProbe) {
  PrometheusProbes p("v", "s");
  p.set_customers(12345678);
  p.set_state_bytes(1073741824);
  p.set_deferred(Channel::kSms, 42);
  p.set_deferred(Channel::kCall, 7);
  p.set_oldest_overdue_seconds(90.5);
  p.on_redeferred(Channel::kCall, reminder::v1::REASON_WINDOW_EXPIRED);
  p.on_redeferred(Channel::kCall, reminder::v1::REASON_WINDOW_EXPIRED);
  p.on_redeferred(Channel::kSms, reminder::v1::REASON_FREQUENCY_CAP);
  p.set_channel_paused(Channel::kEmail, true);
  p.set_backlog(Channel::kSms, 1234);
  p.observe_pacing_delay(Channel::kEmail, std::chrono::seconds(90));
  p.set_ready(true);

  std::string text = p.render();
  EXPECT_SERIES(text, "reminderd_customers 12345678");
  EXPECT_SERIES(text, "reminderd_state_bytes 1073741824");
  EXPECT_SERIES(text, R"(reminderd_deferred_contacts{channel="sms"} 42)");
  EXPECT_SERIES(text, R"(reminderd_deferred_contacts{channel="call"} 7)");
  EXPECT_SERIES(text, R"(reminderd_deferred_contacts{channel="email"} 0)");
  EXPECT_SERIES(text, "reminderd_oldest_overdue_deferral_seconds 90.5");
  EXPECT_SERIES(text, R"(reminderd_redeferrals_total{channel="call",reason="window_expired"} 2)");
  EXPECT_SERIES(text, R"(reminderd_redeferrals_total{channel="sms",reason="frequency_cap"} 1)");
  EXPECT_SERIES(text, R"(reminderd_redeferrals_total{channel="email",reason="window_expired"} 0)");
  EXPECT_SERIES(text, R"(reminderd_pacing_backlog{channel="sms"} 1234)");
  EXPECT_SERIES(text, R"(reminderd_pacing_backlog{channel="call"} 0)");
  EXPECT_SERIES(text, R"(reminderd_pacing_delay_seconds_count{channel="email"} 1)");
  EXPECT_SERIES(text, R"(reminderd_pacing_delay_seconds_bucket{channel="email",le="60"} 0)");
  EXPECT_SERIES(text, R"(reminderd_pacing_delay_seconds_bucket{channel="email",le="120"} 1)");
  EXPECT_SERIES(text, R"(reminderd_channel_paused{channel="email"} 1)");
  EXPECT_SERIES(text, R"(reminderd_channel_paused{channel="sms"} 0)");
  EXPECT_SERIES(text, "reminderd_ready 1");

  p.set_channel_paused(Channel::kEmail, false);
  p.set_ready(false);
  text = p.render();
  EXPECT_SERIES(text, R"(reminderd_channel_paused{channel="email"} 0)");
  EXPECT_SERIES(text, "reminderd_ready 0");
}

TEST(PrometheusProbesTest, LabelValuesFromProtoEnums) {
  EXPECT_EQ(outcome_label(reminder::v1::OUTCOME_NO_CONTACT), "no_contact");
  EXPECT_EQ(reason_label(reminder::v1::REASON_RIGHT_PARTY_BLOCK), "right_party_block");
  EXPECT_EQ(reason_label(static_cast<Reason>(3)), "unknown");
  for (int i = reminder::v1::Reason_MIN; i <= reminder::v1::Reason_MAX; ++i) {
    if (!reminder::v1::Reason_IsValid(i)) continue;
    const std::string label = reason_label(static_cast<Reason>(i));
    EXPECT_FALSE(label.empty());
    EXPECT_EQ(label.find("reason"), std::string::npos) << label;
    EXPECT_EQ(label.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string::npos) << label;
  }
}

// Runs `command` through the shell; returns its exit status and output.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* f = ::popen(command.c_str(), "r");
  if (f == nullptr) return {-1, ""};
  char buf[512];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  const int status = ::pclose(f);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(PrometheusProbesTest, PromtoolCheckMetricsPasses) {
  const auto [found, path] = run("command -v promtool");
  if (found != 0) GTEST_SKIP() << "promtool not installed (Debian package: prometheus)";

  PrometheusProbes p("0.1.0", "deadbeef");
  exercise(p);
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("reminderd-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << p.render();
  const auto [status, output] = run("promtool check metrics < '" + file.string() + "' 2>&1");
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << "promtool lint findings:\n" << output;
}

}  // namespace
}  // namespace reminder::metrics
