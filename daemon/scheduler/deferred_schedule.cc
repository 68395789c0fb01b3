#include "scheduler/deferred_schedule.h"

#include <algorithm>
#include <bit>

namespace reminder::scheduler {

std::uint32_t contact_rank(int priority, int days_past_due, std::int64_t amount_minor) {
  const auto p = static_cast<std::uint32_t>(std::clamp(priority, -32768, 32767) + 32768);
  const auto dpd = static_cast<std::uint32_t>(std::clamp(days_past_due, 0, 1023));
  const auto amount = static_cast<std::uint32_t>(
      std::bit_width(static_cast<std::uint64_t>(std::max<std::int64_t>(amount_minor, 0))));
  return p << 16 | dpd << 6 | std::min<std::uint32_t>(amount, 63);
}

ChannelPacer DeferredSchedule::make_pacer(rules::Channel channel, std::string_view queue) const {
  const rules::ChannelCapacity capacity = rules_.capacity(channel, queue);
  if (!capacity.paced()) return ChannelPacer{};
  return ChannelPacer{capacity, share_};
}

void DeferredSchedule::configure(const rules::PacingRules& rules, PacingShare share,
                                 const state::LabelTable& labels) {
  rules_ = rules;
  share_ = share;
  for (auto& lane : lanes_) {
    const std::string_view queue =
        lane.channel == rules::Channel::kCall ? labels.text(lane.queue) : std::string_view{};
    lane.pacer = make_pacer(lane.channel, queue);
  }
}

LaneId DeferredSchedule::lane(rules::Channel channel, state::Label queue,
                              const state::LabelTable& labels) {
  // SMS and email share one lane each whatever the queue field says.
  if (channel != rules::Channel::kCall) queue = 0;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    if (lanes_[i].channel == channel && lanes_[i].queue == queue) return static_cast<LaneId>(i);
  }
  Lane& l = lanes_.emplace_back();
  l.channel = channel;
  l.queue = queue;
  l.pacer = make_pacer(channel, channel == rules::Channel::kCall ? labels.text(queue)
                                                                 : std::string_view{});
  return static_cast<LaneId>(lanes_.size() - 1);
}

void DeferredSchedule::add(LaneId id, const ScheduleEntry& entry) {
  auto& heap = lanes_[id].heap;
  // Grow by a quarter, not double: a million-contact wave must not carry a
  // half-empty vector (the schedule's budget is 64 B per deferred contact).
  if (heap.size() == heap.capacity()) heap.reserve(heap.capacity() + heap.capacity() / 4 + 16);
  heap.push_back(entry);
  std::push_heap(heap.begin(), heap.end(), Later{});
}

void DeferredSchedule::pop(LaneId id) {
  auto& heap = lanes_[id].heap;
  std::pop_heap(heap.begin(), heap.end(), Later{});
  heap.pop_back();
  // Give a drained wave's memory back (amortised: a quarter must go first).
  if (heap.capacity() > 4096 && heap.size() < heap.capacity() / 4) heap.shrink_to_fit();
}

std::optional<ScheduleEntry> DeferredSchedule::due_front(LaneId id, absl::Time now) const {
  const auto& heap = lanes_[id].heap;
  if (heap.empty() || heap.front().due > absl::ToUnixSeconds(now)) return std::nullopt;
  return heap.front();
}

std::optional<absl::Time> DeferredSchedule::next_wake(absl::Time now,
                                                      const std::array<bool, 3>& paused) {
  std::optional<absl::Time> out;
  auto consider = [&](absl::Time t) {
    if (!out || t < *out) out = t;
  };
  for (auto& lane : lanes_) {
    if (paused[rules::channel_index(lane.channel)] || lane.heap.empty()) continue;
    const absl::Time due = absl::FromUnixSeconds(lane.heap.front().due);
    consider(due <= now ? lane.pacer.next_slot(now) : due);
  }
  return out;
}

std::optional<absl::Time> DeferredSchedule::next_due() const {
  std::optional<absl::Time> out;
  for (const auto& lane : lanes_) {
    if (lane.heap.empty()) continue;
    const absl::Time due = absl::FromUnixSeconds(lane.heap.front().due);
    if (!out || due < *out) out = due;
  }
  return out;
}

std::size_t DeferredSchedule::size() const {
  std::size_t n = 0;
  for (const auto& lane : lanes_) n += lane.heap.size();
  return n;
}

std::size_t DeferredSchedule::approximate_bytes() const {
  std::size_t n = lanes_.capacity() * sizeof(Lane);
  for (const auto& lane : lanes_) n += lane.heap.capacity() * sizeof(ScheduleEntry);
  return n;
}

}  // namespace reminder::scheduler
