#pragma once

// Dispatcher: the flow for one validated event, and for deferred contacts
// coming due. Folds the event's facts into the customer's state, asks the
// strategy what contacts it calls for, asks rules::decide about each, and
// hands messages and decision records to the sink. Every path to a channel
// message goes through decide() at the moment of emission: there is no
// second code path around the window or the caps.
//
// Time is a parameter; the daemon passes the wall clock, replay the
// simulated one. Single-threaded: owned by the io_context thread.

#include <absl/time/time.h>

#include <array>
#include <optional>
#include <string>

#include "ingest/rejection.h"
#include "metrics/probes.h"
#include "pipeline/dispatch_sink.h"
#include "reminder/v1/account_event.pb.h"
#include "reminder/v1/dispatch.pb.h"
#include "rules/decide.h"
#include "rules/policy.h"
#include "rules/zone_catalog.h"
#include "scheduler/deferred_schedule.h"
#include "state/state_codec.h"
#include "state/state_store.h"

namespace reminder::pipeline {

class Dispatcher {
 public:
  // `share`: which input partition this dispatcher serves, of how many; the
  // policy's channel capacities are the group's, this one paces to its share.
  Dispatcher(rules::PolicyPtr policy, const rules::ZoneCatalog& zones,
             metrics::PipelineProbe& probe, metrics::StateProbe& state_probe,
             scheduler::PacingShare share);

  // Swaps in a new policy (already validated). Pending contacts are re-checked
  // against it when they come due.
  void set_policy(rules::PolicyPtr policy);
  const rules::Policy& policy() const { return *policy_; }

  // A validated event. Returns a rejection if the state cannot take it (e.g.
  // too many accounts for one customer); the caller dead-letters it.
  std::optional<ingest::Rejection> on_event(const reminder::v1::AccountEvent& event,
                                            absl::Time now, DispatchSink& sink);

  // Every deferred contact due at or before now, per lane in queue order,
  // while the lane's pacer has slots: re-checked by the rules, then emitted,
  // deferred again or suppressed. What finds no slot stays queued.
  void fire_due(absl::Time now, DispatchSink& sink);
  // When fire_due next has work: the earliest future due, or the next pacing
  // slot of a lane with a queue. nullopt: nothing is scheduled (or all of it
  // waits on paused channels).
  std::optional<absl::Time> next_wake(absl::Time now) {
    return schedule_.next_wake(now, paused_);
  }
  // A simulated clock moved from `from` to `to`: fire_due at every instant in
  // between that next_wake names (due instants, pacing slots), as the
  // daemon's timer would. Returns the last instant fired at, or `from`. Ends:
  // each step sends with a slot or moves a contact strictly later.
  absl::Time run_clock(absl::Time from, absl::Time to, DispatchSink& sink);

  // Kill switch: a paused channel sends nothing; what would have gone out is
  // held (queued in its lane) and re-checked, in order, when it is resumed.
  void set_channel_paused(rules::Channel channel, bool paused);
  bool channel_paused(rules::Channel channel) const {
    return paused_[rules::channel_index(channel)];
  }

  const state::StateStore& store() const { return store_; }

  // Calls f(const CustomerState&) once for every customer whose state
  // changed since the last call: what goes to the changelog.
  template <class F>
  void take_changed(F&& f) {
    for (const auto ci : changed_) {
      changed_flag_[ci] = false;
      f(store_.at(ci));
    }
    changed_.clear();
  }
  // A customer's changelog record (state::encode_state with this
  // dispatcher's labels).
  void encode(const state::CustomerState& customer, std::string& out) const {
    encoder_.encode(customer, store_.labels(), out);
  }
  // Puts a customer restored from a changelog record in place, deferrals
  // included. False (nothing changed) if the record is of an unknown format.
  bool restore_record(std::string_view record);
  // The same for a state built in memory; its labels must be this
  // dispatcher's (labels()).
  void restore(state::CustomerState customer);
  state::LabelTable& labels() { return store_.labels(); }
  std::size_t deferred_count() const { return deferred_total_; }
  // Refreshes the state gauges (customers, bytes, deferred by channel).
  void report_state(absl::Time now);

  struct StateSummary {
    std::int64_t customers = 0;
    std::int64_t bytes = 0;
    std::int64_t deferred_total = 0;
    std::array<std::int64_t, 3> deferred_by_channel{};
    // Due and waiting: queued for capacity or a paused channel.
    std::array<std::int64_t, 3> backlog_by_channel{};
    double oldest_overdue_seconds = 0;
    std::int64_t schedule_bytes = 0;  // deferred records + schedule entries
  };
  // For an owner of several dispatchers (one per partition) to add up.
  StateSummary summarize(absl::Time now) const;

 private:
  struct Trigger {
    const reminder::v1::AccountEvent* event = nullptr;  // null when a deferral fires
    std::string_view event_id;
    std::string_view account_id;
  };
  struct Contact {
    rules::ContactIntent intent;
    std::string_view template_id;
    std::string_view queue;
    int priority = 0;
    state::DispatchId dispatch_id;
  };

  void on_delinquency(state::CustomerIndex ci, int account, const reminder::v1::AccountEvent& e,
                      absl::Time now, DispatchSink& sink);
  // Decides one contact and acts on the verdict. `existing` is the deferral
  // being re-checked (fire_due has checked its lane has a slot), or -1 for a
  // new contact (which queues behind its lane's backlog).
  void decide_and_act(state::CustomerIndex ci, const Contact& contact, const Trigger& trigger,
                      int existing, absl::Time now, DispatchSink& sink);
  // `dispatch_hex`: the id as the decision record already spells it.
  void emit(state::CustomerIndex ci, const Contact& contact, const rules::ContactDecision& d,
            std::string_view dispatch_hex, DispatchSink& sink);
  void cancel_account_deferrals(state::CustomerIndex ci, int account, reminder::v1::Reason reason,
                                const Trigger& trigger, absl::Time now, DispatchSink& sink);
  void prune_attempts(state::CustomerState& c, absl::Time now) const;
  void mark_changed(state::CustomerIndex ci);
  scheduler::LaneId lane_for(rules::Channel channel, std::string_view queue);
  std::uint32_t rank_of(const state::CustomerState& c, std::uint32_t account_mask,
                        int priority) const;
  void schedule(state::CustomerIndex ci, const state::DeferredContact& d);

  reminder::v1::Decision& new_decision(const state::CustomerState& c, const Trigger& trigger,
                                       absl::Time now);
  void record(const reminder::v1::Decision& d, std::optional<rules::Channel> channel,
              DispatchSink& sink);

  rules::PolicyPtr policy_;
  const rules::ZoneCatalog& zones_;
  metrics::PipelineProbe& probe_;
  metrics::StateProbe& state_probe_;
  state::StateStore store_;
  scheduler::PacingShare share_;
  scheduler::DeferredSchedule schedule_;
  std::array<bool, 3> paused_ = {false, false, false};
  std::size_t deferred_total_ = 0;
  std::vector<state::CustomerIndex> changed_;
  std::vector<bool> changed_flag_;
  absl::Duration attempt_retention_ = absl::Hours(24 * 8);
  // Reused per decision / message / changelog record: no allocation per
  // record once warm.
  reminder::v1::Decision decision_;
  reminder::v1::SmsMessage sms_;
  reminder::v1::EmailMessage email_;
  reminder::v1::CallTask call_;
  mutable state::StateEncoder encoder_;
};

}  // namespace reminder::pipeline
