#pragma once

// ChannelPacer: the send slots of one channel (calls: one queue) that belong
// to one input partition.
//
// The group's capacity, C per period T (200 SMS per second, 600 call tasks
// per hour), is a grid of slots fixed in time: slot k at floor(k*T/C) after
// the Unix epoch, so period n (calendar-aligned: [n*T, (n+1)*T)) holds slots
// n*C .. n*C+C-1 exactly. Partition p of P owns the slots k = p (mod P). A
// slot is used at most once, never before its instant and only within its own
// period. Hence, whichever instance owns which partitions and however late
// its timer fires, the whole group emits at most C in any calendar period --
// with no coordination beyond knowing P -- and an instance's share is
// proportional to the partitions it owns. Slots not used in their period are
// lost: an idle partition cannot save capacity up and burst later.
//
// After construction (a start, a rebalance, a policy reload) the slots
// already past are skipped, so a restarted instance cannot re-use the slots
// its previous run used in the same period. Pure: time is a parameter.

#include <absl/time/time.h>

#include <cstdint>
#include <optional>

#include "rules/policy.h"

namespace reminder::scheduler {

// The slice of the group's capacity a partition's Dispatcher may use.
struct PacingShare {
  int partition = 0;   // 0 .. partitions-1
  int partitions = 1;  // of the input topic
};

class ChannelPacer {
 public:
  ChannelPacer() = default;  // not paced: every call finds a slot
  ChannelPacer(rules::ChannelCapacity capacity, PacingShare share);

  bool paced() const { return capacity_ > 0; }

  // Whether one of this partition's slots may be used at `now`.
  bool available(absl::Time now);
  // Uses that slot. Precondition: available(now) just returned true.
  void take(absl::Time now);
  // The earliest instant >= now at which available() will be true (now if
  // it already is). Unpaced: now.
  absl::Time next_slot(absl::Time now);

 private:
  std::int64_t slot_ns(std::int64_t k) const;          // instant of slot k
  std::int64_t last_slot_at_or_before(std::int64_t t_ns) const;
  std::int64_t own_at_or_after(std::int64_t k) const;  // first slot of ours >= k
  // The first own slot that may still be used at t (it may lie after t).
  std::int64_t candidate(std::int64_t t_ns);

  std::int64_t capacity_ = 0;  // slots per period, whole group; 0 = not paced
  std::int64_t period_ns_ = 0;
  std::int64_t partition_ = 0;
  std::int64_t partitions_ = 1;
  std::optional<std::int64_t> last_used_;  // slot index; unset until first use
};

}  // namespace reminder::scheduler
