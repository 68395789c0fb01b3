#pragma once

// DeferredSchedule: which customer has a deferred contact due when. A
// min-heap of 24-byte entries over the deferrals held in customer state; the
// state is the truth, so an entry whose deferral was cancelled, merged or
// moved is simply skipped when it surfaces (lazy deletion).

#include <absl/time/time.h>

#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

#include "state/state_store.h"

namespace reminder::scheduler {

struct ScheduleEntry {
  std::int64_t due = 0;             // unix s
  std::uint64_t dispatch_lo = 0;    // low half of the dispatch id
  state::CustomerIndex customer = 0;
};

class DeferredSchedule {
 public:
  void add(std::int64_t due, state::CustomerIndex customer, std::uint64_t dispatch_lo);
  // Entries due at or before `now`, removed from the schedule, earliest first.
  std::vector<ScheduleEntry> take_due(absl::Time now);
  std::optional<absl::Time> next_due() const;
  std::size_t size() const { return heap_.size(); }
  static constexpr std::size_t entry_bytes() { return sizeof(ScheduleEntry); }

 private:
  struct Later {
    bool operator()(const ScheduleEntry& a, const ScheduleEntry& b) const {
      return a.due > b.due;
    }
  };
  std::priority_queue<ScheduleEntry, std::vector<ScheduleEntry>, Later> heap_;
};

}  // namespace reminder::scheduler
