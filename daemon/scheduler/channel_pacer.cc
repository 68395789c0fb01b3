#include "scheduler/channel_pacer.h"

#include <algorithm>

namespace reminder::scheduler {

namespace {
using i128 = __int128;

std::int64_t floor_div(i128 a, i128 b) {
  i128 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return static_cast<std::int64_t>(q);
}
}  // namespace

ChannelPacer::ChannelPacer(rules::ChannelCapacity capacity, PacingShare share)
    : capacity_(capacity.per_period),
      period_ns_(absl::ToInt64Nanoseconds(capacity.period)),
      partition_(share.partition),
      partitions_(std::max(1, share.partitions)) {
  if (period_ns_ <= 0) capacity_ = 0;
  partition_ = ((partition_ % partitions_) + partitions_) % partitions_;
}

std::int64_t ChannelPacer::slot_ns(std::int64_t k) const {
  return floor_div(static_cast<i128>(k) * period_ns_, capacity_);
}

// The largest k with floor(k*T/C) <= t, i.e. k*T < (t+1)*C.
std::int64_t ChannelPacer::last_slot_at_or_before(std::int64_t t_ns) const {
  return floor_div((static_cast<i128>(t_ns) + 1) * capacity_ - 1, period_ns_);
}

std::int64_t ChannelPacer::own_at_or_after(std::int64_t k) const {
  const std::int64_t r = ((partition_ - k) % partitions_ + partitions_) % partitions_;
  return k + r;
}

std::int64_t ChannelPacer::candidate(std::int64_t t_ns) {
  // First use: everything before now counts as used (see the header).
  if (!last_used_) last_used_ = last_slot_at_or_before(t_ns - 1);
  const std::int64_t period_first = floor_div(t_ns, period_ns_) * capacity_;
  return own_at_or_after(std::max(*last_used_ + 1, period_first));
}

bool ChannelPacer::available(absl::Time now) {
  if (!paced()) return true;
  const std::int64_t t = absl::ToUnixNanos(now);
  return slot_ns(candidate(t)) <= t;
}

void ChannelPacer::take(absl::Time now) {
  if (!paced()) return;
  last_used_ = candidate(absl::ToUnixNanos(now));
}

absl::Time ChannelPacer::next_slot(absl::Time now) {
  if (!paced()) return now;
  const std::int64_t t = absl::ToUnixNanos(now);
  return absl::FromUnixNanos(std::max(t, slot_ns(candidate(t))));
}

}  // namespace reminder::scheduler
