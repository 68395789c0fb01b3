#include "scheduler/deferred_schedule.h"

namespace reminder::scheduler {

void DeferredSchedule::add(std::int64_t due, state::CustomerIndex customer,
                           std::uint64_t dispatch_lo) {
  heap_.push(ScheduleEntry{due, dispatch_lo, customer});
}

std::vector<ScheduleEntry> DeferredSchedule::take_due(absl::Time now) {
  std::vector<ScheduleEntry> out;
  const std::int64_t now_s = absl::ToUnixSeconds(now);
  while (!heap_.empty() && heap_.top().due <= now_s) {
    out.push_back(heap_.top());
    heap_.pop();
  }
  return out;
}

std::optional<absl::Time> DeferredSchedule::next_due() const {
  if (heap_.empty()) return std::nullopt;
  return absl::FromUnixSeconds(heap_.top().due);
}

}  // namespace reminder::scheduler
