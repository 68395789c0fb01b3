#pragma once

// A Dispatcher driven by a simulated clock, with a sink that keeps every
// decision and channel message, for the rules tests that go through the
// pipeline (consolidation, cancellation, dedupe, hand-off, ...).

#include <absl/time/time.h>

#include <optional>
#include <string>
#include <vector>

#include "metrics/probes.h"
#include "pipeline/dispatch_sink.h"
#include "pipeline/dispatcher.h"
#include "rules/zone_catalog.h"

namespace reminder::rules::testing {

// One channel message, whatever its channel, with the fields the tests read.
struct SentMessage {
  Channel channel = Channel::kSms;
  std::string dispatch_id;
  std::string customer_id;
  std::vector<std::string> account_ids;
  std::string template_id;
  absl::Time not_before;
  absl::Time not_after;
  bool handoff = false;
  std::string queue;
  std::string opt_out_instruction;
};

class RecordingSink final : public pipeline::DispatchSink {
 public:
  void on_decision(const v1::Decision& d) override { decisions.push_back(d); }
  void on_sms(const v1::SmsMessage& m) override {
    auto& s = add(Channel::kSms, m);
    s.opt_out_instruction = m.opt_out_instruction();
  }
  void on_email(const v1::EmailMessage& m) override {
    auto& s = add(Channel::kEmail, m);
    s.opt_out_instruction = m.opt_out_instruction();
  }
  void on_call(const v1::CallTask& m) override {
    auto& s = add(Channel::kCall, m);
    s.handoff = m.handoff();
    s.queue = m.queue();
  }

  void clear() {
    decisions.clear();
    messages.clear();
  }
  // Decisions with this outcome (and reason, if given).
  std::vector<v1::Decision> with(v1::Outcome outcome,
                                 v1::Reason reason = v1::REASON_UNSPECIFIED) const {
    std::vector<v1::Decision> out;
    for (const auto& d : decisions) {
      if (d.outcome() == outcome && (reason == v1::REASON_UNSPECIFIED || d.reason() == reason)) {
        out.push_back(d);
      }
    }
    return out;
  }

  std::vector<v1::Decision> decisions;
  std::vector<SentMessage> messages;

 private:
  template <class M>
  SentMessage& add(Channel ch, const M& m) {
    SentMessage s;
    s.channel = ch;
    s.dispatch_id = m.dispatch_id();
    s.customer_id = m.customer_id();
    s.account_ids.assign(m.account_ids().begin(), m.account_ids().end());
    s.template_id = m.template_id();
    s.not_before = absl::FromUnixSeconds(m.not_before().seconds());
    s.not_after = absl::FromUnixSeconds(m.not_after().seconds());
    messages.push_back(std::move(s));
    return messages.back();
  }
};

// Dispatcher + simulated clock. `at(t)` first fires every deferred contact
// due at or before t, each at its own due instant, then moves the clock.
class Harness {
 public:
  explicit Harness(PolicyPtr policy, scheduler::PacingShare share = {0, 1})
      : dispatcher_(std::move(policy), zones_, probes_, probes_, share) {}

  // Runs the clock to `t` (deferred contacts fire at their due instants).
  void run_to(absl::Time t) {
    now_ = std::max(dispatcher_.run_clock(now_, t, sink), t);
  }
  // Runs the clock to the event's time (or `now`, if given) and hands it over.
  std::optional<ingest::Rejection> send(const v1::AccountEvent& e,
                                        std::optional<absl::Time> now = std::nullopt) {
    const absl::Time t = now ? *now : absl::FromUnixSeconds(e.occurred_at().seconds());
    run_to(t);
    return dispatcher_.on_event(e, now_, sink);
  }

  absl::Time now() const { return now_; }
  pipeline::Dispatcher& dispatcher() { return dispatcher_; }
  const state::CustomerState& customer(const std::string& id) const {
    return dispatcher_.store().at(*dispatcher_.store().find(id));
  }

  RecordingSink sink;

 private:
  ZoneCatalog zones_;
  metrics::NullProbes probes_;
  pipeline::Dispatcher dispatcher_;
  absl::Time now_ = absl::InfinitePast();
};

}  // namespace reminder::rules::testing
