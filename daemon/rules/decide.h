#pragma once

// The decision core: given a customer's state, one contact a strategy step
// (or a deferred contact coming due) wants to make, the policy and the time,
// say what happens: send now, defer until T, or suppress with a reason.
// Pure: no I/O, no clock, no globals (the zone catalog is a cache).

#include <absl/time/time.h>

#include <absl/container/inlined_vector.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "reminder/v1/decision.pb.h"
#include "rules/policy.h"
#include "rules/zone_catalog.h"
#include "state/customer_state.h"

namespace reminder::rules {

struct ContactIntent {
  Channel channel = Channel::kSms;
  std::uint32_t account_mask = 0;  // the accounts that called for it
  bool handoff = false;            // legal / agency hand-off task
};

enum class Verdict : std::uint8_t { kSend, kDefer, kSuppress };

struct ContactDecision {
  Verdict verdict = Verdict::kSuppress;
  reminder::v1::Reason reason = reminder::v1::REASON_UNSPECIFIED;
  // The rule that decided, "<section>.<name>", e.g. "caps.reg-f-calls".
  std::string_view rule_section;
  std::string_view rule_name;
  absl::Time not_before;           // kSend: now
  // kSend: the end of the window it is sent in; kDefer to a window opening:
  // the end of that window; other kDefer: unset (absl::UnixEpoch()).
  absl::Time not_after;
  // kDefer. For a window opening: the opening plus the customer's spread
  // offset (PacingRules::spread).
  absl::Time defer_until;
  std::uint32_t account_mask = 0;  // kSend: every account the contact lists

  std::string rule() const;
};

ContactDecision decide(const state::CustomerState& customer, const ContactIntent& intent,
                       absl::Time now, const Policy& policy, const ZoneCatalog& zones);

// Customer-level stop flags in the order they are reported; the first active
// one suppresses every contact.
reminder::v1::Reason active_stop_flag(const state::CustomerState& customer, absl::Time now);

// Why an account takes no (more) automated reminders now, or
// REASON_UNSPECIFIED if it may be contacted about.
reminder::v1::Reason account_block(const state::CustomerState& customer, int account,
                                   std::span<const absl::TimeZone> zones, absl::Time now);

// Which strategy steps a delinquency at `dpd` calls for.
struct DueStep {
  const StrategyBucket* bucket = nullptr;
  const StrategyStep* step = nullptr;  // nullptr for the bucket's hand-off
};
absl::InlinedVector<DueStep, 4> due_steps(const Policy& policy, int dpd);

}  // namespace reminder::rules
