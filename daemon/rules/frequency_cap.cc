#include "rules/frequency_cap.h"

#include <absl/container/inlined_vector.h>
#include <absl/time/civil_time.h>

#include <algorithm>

namespace reminder::rules {
namespace {

bool matches(const state::Attempt& a, const std::optional<Channel>& channel,
             std::uint32_t account_bit) {
  if (channel && a.channel != *channel) return false;
  if (account_bit != 0 && (a.account_mask & account_bit) == 0) return false;
  return true;
}

// The instant local day `day` begins in `tz`; if its midnight is repeated or
// skipped, the later instant, so nothing counted as "the next day" is early.
absl::Time day_start(const absl::TimeZone& tz, absl::CivilDay day) {
  const auto ci = tz.At(absl::CivilSecond(day));
  switch (ci.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE: return ci.pre;
    case absl::TimeZone::TimeInfo::SKIPPED: return ci.trans;
    case absl::TimeZone::TimeInfo::REPEATED: return ci.post;
  }
  return ci.pre;
}

// The first instant whose local date is `day`: for a repeated midnight its
// first occurrence, for a skipped one the transition.
absl::Time day_first_instant(const absl::TimeZone& tz, absl::CivilDay day) {
  const auto ci = tz.At(absl::CivilSecond(day));
  switch (ci.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE: return ci.pre;
    case absl::TimeZone::TimeInfo::SKIPPED: return ci.trans;
    case absl::TimeZone::TimeInfo::REPEATED: return ci.pre;
  }
  return ci.pre;
}

}  // namespace

LocalDayWindows::Window LocalDayWindows::last_days(const absl::TimeZone& tz, int days) {
  for (const auto& e : memo_) {
    if (e.days == days && e.tz == tz) return e.window;
  }
  Window w;
  w.today = absl::ToCivilDay(now_, tz);
  w.from = absl::ToUnixSeconds(day_first_instant(tz, w.today - (days - 1)));
  memo_.push_back(Entry{tz, days, w});
  return w;
}

CapCheck check_cap(const FrequencyCapRule& cap, std::span<const state::Attempt> attempts,
                   std::uint32_t account_bit, std::span<const absl::TimeZone> zones,
                   LocalDayWindows& windows, absl::Time now) {
  CapCheck out;
  const std::int64_t now_s = absl::ToUnixSeconds(now);
  switch (cap.period) {
    case CapPeriod::kRolling: {
      const std::int64_t w = absl::ToInt64Seconds(cap.rolling);
      absl::InlinedVector<std::int64_t, 16> in_window;  // ascending: the log is
      for (const auto& a : attempts) {
        if (a.at > now_s - w && a.at <= now_s && matches(a, cap.channel, account_bit)) {
          in_window.push_back(a.at);
        }
      }
      out.counted = static_cast<int>(in_window.size());
      if (out.counted >= cap.max) {
        out.allowed = false;
        // Once the oldest (counted - max + 1) attempts leave the window.
        std::sort(in_window.begin(), in_window.end());
        out.frees_at = absl::FromUnixSeconds(in_window[out.counted - cap.max] + w);
      }
      return out;
    }
    case CapPeriod::kLocalDay: {
      // One civil conversion per zone instead of one per attempt: every
      // instant whose local date is `first` or later lies at or after the
      // first instant of `first`, so comparing unix seconds counts them all
      // (exactly, except in a zone whose clocks fall back across midnight,
      // where the replayed hour of the previous day is counted too: stricter,
      // never laxer).
      absl::InlinedVector<std::int64_t, 16> counted_at;
      for (const auto& tz : zones) {
        const auto [today, from] = windows.last_days(tz, cap.local_days);
        counted_at.clear();
        for (const auto& a : attempts) {
          if (a.at >= from && a.at <= now_s && matches(a, cap.channel, account_bit)) {
            counted_at.push_back(a.at);
          }
        }
        const int counted = static_cast<int>(counted_at.size());
        out.counted = std::max(out.counted, counted);
        if (counted >= cap.max) {
          out.allowed = false;
          // Free once the day of the oldest (counted - max + 1) attempts has
          // left the `local_days` window: never before tomorrow.
          std::sort(counted_at.begin(), counted_at.end());
          const absl::CivilDay oldest =
              absl::ToCivilDay(absl::FromUnixSeconds(counted_at[counted - cap.max]), tz);
          const absl::CivilDay frees = std::max(oldest + cap.local_days, today + 1);
          out.frees_at = std::max(out.frees_at, day_start(tz, frees));
        }
      }
      return out;
    }
  }
  return out;
}

absl::Time min_gap_release(const MinGapRule& gap, std::span<const state::Attempt> attempts,
                           absl::Time now) {
  const std::int64_t now_s = absl::ToUnixSeconds(now);
  for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
    if (it->at > now_s || !matches(*it, gap.channel, 0)) continue;
    return std::max(now, absl::FromUnixSeconds(it->at) + gap.gap);
  }
  return now;
}

absl::Time right_party_block_release(absl::Time conversation, int days,
                                     std::span<const absl::TimeZone> zones) {
  absl::Time release = absl::InfinitePast();
  for (const auto& tz : zones) {
    const absl::CivilDay first_free = absl::ToCivilDay(conversation, tz) + days;
    release = std::max(release, day_start(tz, first_free));
  }
  return release;
}

}  // namespace reminder::rules
