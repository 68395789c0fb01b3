#pragma once

// ContactWindow: when, in absolute time, a contact may be made, given local
// opening hours, closed dates and one or more possible zones. DST-exact and
// conservative: across a skipped or repeated local hour, the interval
// returned never contains an instant whose local time is outside the hours.

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <optional>
#include <span>
#include <string_view>

#include "rules/policy.h"

namespace reminder::rules {

struct WindowInterval {
  absl::Time start;  // inclusive
  absl::Time end;    // exclusive: the not_after of a contact sent inside
};

// The most specific window rule for a channel and jurisdiction: an exact
// jurisdiction beats a country prefix, which beats "every jurisdiction"; at
// equal rank a channel-specific rule beats an every-channel one; ties go to
// the first in the file. nullptr: no rule applies.
const ContactWindowRule* select_window(const Policy& policy, Channel channel,
                                       std::string_view jurisdiction);

// Days ahead a window is searched for before giving up.
inline constexpr int kWindowHorizonDays = 62;

// The first interval of `rule` in zone `tz` that ends after `t` (it may
// contain t). nullopt: nothing open within the horizon.
std::optional<WindowInterval> next_interval(const ContactWindowRule& rule, const absl::TimeZone& tz,
                                            absl::Time t);

// The first interval, at or after `t`, that is open in every zone at once;
// its start is >= t. nullopt: none within the horizon.
std::optional<WindowInterval> next_common_interval(const ContactWindowRule& rule,
                                                   std::span<const absl::TimeZone> zones,
                                                   absl::Time t);

// When a contact deferred to the opening of `interval` becomes due: the
// opening plus a deterministic per-customer offset in [0, spread), kept
// inside the interval (at most one minute before its end), so a zone's
// customers spread over the first minutes instead of all landing on the
// opening second. Stable across processes (FNV-1a of the id).
absl::Time spread_opening(const WindowInterval& interval, std::string_view customer_id,
                          absl::Duration spread);

bool is_closed_date(const ContactWindowRule& rule, absl::CivilDay day);

// Monday = 0 ... Sunday = 6.
int weekday_index(absl::CivilDay day);

}  // namespace reminder::rules
