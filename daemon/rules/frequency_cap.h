#pragma once

// FrequencyCap: exact counting over the sliding log of attempts. A rolling
// cap of N per W admits a contact at t only if fewer than N attempts lie in
// (t - W, t], so no half-open window of length W ever holds more than N. A
// local-day cap counts attempts on the customer's last `local_days` local
// calendar days, in every zone the customer may be in.

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

// `account_bit` restricts the count to attempts concerning that account
// (scope debt); 0 counts every attempt of the customer.
CapCheck check_cap(const FrequencyCapRule& cap, std::span<const state::Attempt> attempts,
                   std::uint32_t account_bit, std::span<const absl::TimeZone> zones,
                   absl::Time now);

// MinGap: the earliest instant >= now allowed by `gap` after the last attempt
// (of the rule's channel, or any); now if none.
absl::Time min_gap_release(const MinGapRule& gap, std::span<const state::Attempt> attempts,
                           absl::Time now);

// Local days blocked by a right-party conversation at `conversation`,
// the conversation's day counting as day one: blocked through day + days - 1
// in any of the zones. Returns the first instant calls are allowed again.
absl::Time right_party_block_release(absl::Time conversation, int days,
                                     std::span<const absl::TimeZone> zones);

}  // namespace reminder::rules
