#include "rules/contact_window.h"

#include <algorithm>

#include "state/dispatch_id.h"

namespace reminder::rules {

int weekday_index(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday: return 0;
    case absl::Weekday::tuesday: return 1;
    case absl::Weekday::wednesday: return 2;
    case absl::Weekday::thursday: return 3;
    case absl::Weekday::friday: return 4;
    case absl::Weekday::saturday: return 5;
    case absl::Weekday::sunday: return 6;
  }
  return 0;
}

bool is_closed_date(const ContactWindowRule& rule, absl::CivilDay day) {
  return std::find(rule.closed_dates.begin(), rule.closed_dates.end(), day) !=
         rule.closed_dates.end();
}

const ContactWindowRule* select_window(const Policy& policy, Channel channel,
                                       std::string_view jurisdiction) {
  const ContactWindowRule* best = nullptr;
  int best_rank = -1;
  for (const auto& rule : policy.windows) {
    if (rule.channel && *rule.channel != channel) continue;
    int j_rank = -1;
    if (rule.jurisdictions.empty()) {
      j_rank = 0;
    } else {
      for (const auto& j : rule.jurisdictions) {
        if (j == jurisdiction) {
          j_rank = std::max(j_rank, 2);
        } else if (jurisdiction.size() > j.size() && jurisdiction.substr(0, j.size()) == j &&
                   jurisdiction[j.size()] == '-') {
          j_rank = std::max(j_rank, 1);
        }
      }
      if (j_rank < 0) continue;
    }
    int rank = j_rank * 2 + (rule.channel ? 1 : 0);
    if (rank > best_rank) {
      best = &rule;
      best_rank = rank;
    }
  }
  return best;
}

namespace {

// Earliest instant from which the local time is at or after `cs` (and stays
// so until the next transition). For a repeated time, the second occurrence.
absl::Time conservative_start(const absl::TimeZone& tz, absl::CivilSecond cs) {
  const auto ci = tz.At(cs);
  switch (ci.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE: return ci.pre;
    case absl::TimeZone::TimeInfo::SKIPPED: return ci.trans;
    case absl::TimeZone::TimeInfo::REPEATED: return ci.post;
  }
  return ci.pre;
}

// Earliest instant at which the local time reaches `cs`: for a repeated
// time, the first occurrence, so the interval never covers the replay of the
// hour after the close.
absl::Time conservative_end(const absl::TimeZone& tz, absl::CivilSecond cs) {
  const auto ci = tz.At(cs);
  switch (ci.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE: return ci.pre;
    case absl::TimeZone::TimeInfo::SKIPPED: return ci.trans;
    case absl::TimeZone::TimeInfo::REPEATED: return ci.pre;
  }
  return ci.pre;
}

// `minute` (0..1440) past the start of `day`. Built from fields rather than
// by adding seconds: in-range fields skip cctz's normalisation loop, which
// was the largest single cost of a decision.
absl::CivilSecond at_minute(absl::CivilDay day, int minute) {
  return absl::CivilSecond(day.year(), day.month(), day.day(), minute / 60, minute % 60, 0);
}

}  // namespace

std::optional<WindowInterval> next_interval(const ContactWindowRule& rule, const absl::TimeZone& tz,
                                            absl::Time t) {
  const absl::CivilDay first = absl::ToCivilDay(t, tz) - 1;  // a late-night repeat can reach back
  for (int i = 0; i <= kWindowHorizonDays; ++i) {
    const absl::CivilDay day = first + i;
    const auto& hours = rule.hours[weekday_index(day)];
    if (!hours) continue;
    // The end first: a day that is already over (usually the day before)
    // costs one zone lookup and no scan of the closed dates.
    const absl::CivilSecond close = at_minute(day, hours->close_minute);
    const absl::Time end = conservative_end(tz, close);
    if (end <= t || is_closed_date(rule, day)) continue;
    const absl::CivilSecond open = at_minute(day, hours->open_minute);
    absl::Time start = conservative_start(tz, open);
    if (end <= start) {
      // Open and close both inside a repeated hour: its first occurrence
      // holds the whole window (no transition between the two), so use it
      // rather than losing the day.
      const auto oi = tz.At(open);
      if (oi.kind == absl::TimeZone::TimeInfo::REPEATED && oi.pre < end) start = oi.pre;
    }
    if (end <= start) continue;
    return WindowInterval{start, end};
  }
  return std::nullopt;
}

std::optional<WindowInterval> next_common_interval(const ContactWindowRule& rule,
                                                   std::span<const absl::TimeZone> zones,
                                                   absl::Time t) {
  if (zones.empty()) return std::nullopt;
  const absl::Time limit = t + absl::Hours(24 * kWindowHorizonDays);
  // Each round either finds t open everywhere or moves t to the latest
  // opening among the zones; windows are at most a day long, so this ends.
  for (int round = 0; round < 4 * kWindowHorizonDays && t < limit; ++round) {
    absl::Time latest_start = t;
    absl::Time earliest_end = absl::InfiniteFuture();
    bool open_everywhere = true;
    for (const auto& tz : zones) {
      const auto iv = next_interval(rule, tz, t);
      if (!iv) return std::nullopt;
      if (iv->start > t) {
        open_everywhere = false;
        latest_start = std::max(latest_start, iv->start);
      }
      earliest_end = std::min(earliest_end, iv->end);
    }
    if (open_everywhere) return WindowInterval{t, earliest_end};
    t = latest_start;
  }
  return std::nullopt;
}

absl::Time spread_opening(const WindowInterval& interval, std::string_view customer_id,
                          absl::Duration spread) {
  const std::int64_t spread_s = absl::ToInt64Seconds(spread);
  if (spread_s <= 0) return interval.start;
  const std::int64_t room = absl::ToInt64Seconds(interval.end - interval.start) - 60;
  const std::int64_t span = std::min(spread_s, room);
  if (span <= 0) return interval.start;
  const auto offset = static_cast<std::int64_t>(state::fnv1a64(customer_id) %
                                                static_cast<std::uint64_t>(span));
  return interval.start + absl::Seconds(offset);
}

}  // namespace reminder::rules
