#pragma once

// FrequencyCap: exact counting over the sliding log of attempts. A rolling
// cap of N per W admits a contact at t only if fewer than N attempts lie in
// (t - W, t], so no half-open window of length W ever holds more than N. A
// local-day cap counts attempts on the customer's last `local_days` local
// calendar days, in every zone the customer may be in.

#include <absl/container/inlined_vector.h>
#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <cstdint>
#include <span>

#include "rules/policy.h"
#include "rules/zone_catalog.h"
#include "state/customer_state.h"

namespace reminder::rules {

struct CapCheck {
  bool allowed = true;
  absl::Time frees_at = absl::InfinitePast();  // when !allowed: earliest instant it may pass
  int counted = 0;
};

// Where each zone's counted local days begin, for one decision at `now`:
// several caps, and a debt-scoped cap once per account, share the same
// (zone, days) pairs, and the civil-time conversions were the decision
// path's largest cost. Lives for one decision (`now` is fixed).
class LocalDayWindows {
 public:
  explicit LocalDayWindows(absl::Time now) : now_(now) {}
  struct Window {
    absl::CivilDay today;   // `now`'s local date in the zone
    std::int64_t from = 0;  // unix s: first instant of the first counted day
  };
  // The window of the last `days` local days (today included) in `tz`.
  Window last_days(const absl::TimeZone& tz, int days);

 private:
  struct Entry {
    absl::TimeZone tz;
    int days;
    Window window;
  };
  absl::Time now_;
  absl::InlinedVector<Entry, 8> memo_;
};

// `account_bit` restricts the count to attempts concerning that account
// (scope debt); 0 counts every attempt of the customer. `windows` is made for
// `now` and shared by the caps of one decision.
CapCheck check_cap(const FrequencyCapRule& cap, std::span<const state::Attempt> attempts,
                   std::uint32_t account_bit, std::span<const absl::TimeZone> zones,
                   LocalDayWindows& windows, absl::Time now);

// MinGap: the earliest instant >= now allowed by `gap` after the last attempt
// (of the rule's channel, or any); now if none.
absl::Time min_gap_release(const MinGapRule& gap, std::span<const state::Attempt> attempts,
                           absl::Time now);

// Local days blocked by a right-party conversation at `conversation`,
// the conversation's day counting as day one: blocked through day + days - 1
// in any of the zones. Returns the first instant calls are allowed again.
absl::Time right_party_block_release(absl::Time conversation, int days,
                                     std::span<const absl::TimeZone> zones);

// No zone's right-party block lasts longer than this after the conversation,
// so an older conversation needs no civil-time conversion. Why: the block
// ends at local midnight of day `days + 1`, at most days x 24 h of local time
// after the conversation; in UTC that moves by the zone's offset change
// between the two instants, under 26 h (tzdata's offsets lie within -12 h
// and +14 h). tests/rules/caps_test.cc checks it for every tzdata zone.
inline absl::Duration right_party_block_bound(int days) { return absl::Hours(24 * (days + 2)); }

}  // namespace reminder::rules
