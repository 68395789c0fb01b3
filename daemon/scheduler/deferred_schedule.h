#pragma once

// DeferredSchedule: which deferred contact is checked when, one lane per
// channel (calls: one lane per queue), each lane a min-heap of 16-byte entries
// in the order contacts go out when capacity is short: earliest due first,
// then highest rank (the strategy step's priority, then days past due, then
// amount). The state is the truth: an entry whose deferral was cancelled,
// sent or moved is skipped when it surfaces (lazy deletion).
//
// Each lane has the ChannelPacer for its channel / queue: a contact that is
// due leaves its lane only when the pacer has a slot (or is suppressed or
// deferred again by the rules, which takes no slot). Due entries waiting for a
// slot are the lane's backlog.

#include <absl/time/time.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "rules/channel.h"
#include "rules/policy.h"
#include "scheduler/channel_pacer.h"
#include "state/customer_state.h"
#include "state/label_table.h"
#include "state/state_store.h"

namespace reminder::scheduler {

struct ScheduleEntry {
  state::Seconds32 due = 0;
  std::uint32_t rank = 0;  // higher goes first among equal dues
  state::CustomerIndex customer = 0;
  std::uint32_t tag = 0;   // low 32 bits of the dispatch id
};
static_assert(sizeof(ScheduleEntry) == 16, "millions of these are held");

// The order contacts queue in for capacity: step priority, then days past
// due, then amount (log2 of minor units: comparable enough across currencies).
std::uint32_t contact_rank(int priority, int days_past_due, std::int64_t amount_minor);

using LaneId = std::uint16_t;

class DeferredSchedule {
 public:
  // Pacing for the lanes, from the policy; resets every lane's pacer.
  void configure(const rules::PacingRules& rules, PacingShare share,
                 const state::LabelTable& labels);

  // The lane of a channel (and, for calls, a queue), created on first use.
  LaneId lane(rules::Channel channel, state::Label queue, const state::LabelTable& labels);
  std::size_t lane_count() const { return lanes_.size(); }
  rules::Channel lane_channel(LaneId id) const { return lanes_[id].channel; }

  void add(LaneId id, const ScheduleEntry& entry);
  // The lane's first entry if it is due at `now`.
  std::optional<ScheduleEntry> due_front(LaneId id, absl::Time now) const;
  void pop(LaneId id);
  ChannelPacer& pacer(LaneId id) { return lanes_[id].pacer; }

  // True if the lane has an entry due at `now` (a backlog, if no slot).
  bool has_due(LaneId id, absl::Time now) const { return due_front(id, now).has_value(); }

  // When the owner must next call in: the earliest future due of any lane,
  // or for a lane with a backlog its next slot. Lanes of paused channels are
  // left out (nothing leaves them). nullopt: nothing scheduled.
  std::optional<absl::Time> next_wake(absl::Time now, const std::array<bool, 3>& paused);
  // The earliest due entry of any lane (paused or not), stale ones included.
  std::optional<absl::Time> next_due() const;

  std::size_t size() const;  // entries, stale ones included
  static constexpr std::size_t entry_bytes() { return sizeof(ScheduleEntry); }
  std::size_t approximate_bytes() const;

 private:
  struct Later {
    bool operator()(const ScheduleEntry& a, const ScheduleEntry& b) const {
      if (a.due != b.due) return a.due > b.due;
      if (a.rank != b.rank) return a.rank < b.rank;
      if (a.customer != b.customer) return a.customer > b.customer;
      return a.tag > b.tag;
    }
  };
  struct Lane {
    rules::Channel channel = rules::Channel::kSms;
    state::Label queue = 0;
    ChannelPacer pacer;
    std::vector<ScheduleEntry> heap;  // std::push_heap / pop_heap with Later
  };
  ChannelPacer make_pacer(rules::Channel channel, std::string_view queue) const;

  std::vector<Lane> lanes_;
  rules::PacingRules rules_;
  PacingShare share_;
};

}  // namespace reminder::scheduler
