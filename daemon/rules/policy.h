#pragma once

// The contact policy: an immutable value built once from a policy file
// (config/policy_loader) and shared read-only by the engine. A reload builds a
// whole new Policy and swaps the pointer; nothing mutates one in place.

#include <absl/container/flat_hash_map.h>
#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/channel.h"

namespace reminder::rules {

// Local opening hours of one weekday, as minutes since local midnight:
// a contact may start at or after `open` and must end before `close`.
struct LocalHours {
  int open_minute = 0;    // 0..1439
  int close_minute = 0;   // open+1..1440
};

// Monday = 0 ... Sunday = 6. An empty optional means closed all day.
using WeeklyHours = std::array<std::optional<LocalHours>, 7>;

// Where and when one channel (or every channel) may be used.
struct ContactWindowRule {
  std::string name;                         // for decision records: "windows.<name>"
  std::vector<std::string> jurisdictions;   // empty = every jurisdiction; "US" matches "US-NY"
  std::optional<Channel> channel;           // empty = every channel
  WeeklyHours hours;
  std::vector<absl::CivilDay> closed_dates; // holidays: closed all day, local date
};

enum class CapScope : std::uint8_t {
  kDebt,      // counted per account ("per debt", Regulation F)
  kCustomer,  // counted per customer across all accounts
};

enum class CapPeriod : std::uint8_t {
  kRolling,   // any window of `rolling` length (sliding log, exact)
  kLocalDay,  // the customer's local calendar day(s): "per day", "in any 7 calendar days"
};

enum class CapAction : std::uint8_t {
  kSuppress,  // the contact is dropped with REASON_FREQUENCY_CAP
  kDefer,     // the contact waits until the cap frees up, then is re-checked
};

// At most `max` contacts (of `channel`, or of any channel) per period.
struct FrequencyCapRule {
  std::string name;                  // "caps.<name>"
  std::optional<Channel> channel;    // empty = across channels
  CapScope scope = CapScope::kCustomer;
  CapPeriod period = CapPeriod::kRolling;
  absl::Duration rolling = absl::ZeroDuration();  // for kRolling: half-open window length
  int local_days = 1;  // for kLocalDay: this many consecutive local days, today included
  int max = 0;                       // >= 1
  CapAction action = CapAction::kSuppress;
};

// No contact (of `channel`, or of any) within `gap` of the previous one.
struct MinGapRule {
  std::string name;
  std::optional<Channel> channel;
  absl::Duration gap = absl::ZeroDuration();
};

// One contact a strategy step makes.
struct StrategyStep {
  Channel channel = Channel::kSms;
  std::string template_id;
  std::vector<int> at_dpd;      // exact days past due that trigger the step
  int repeat_every_days = 0;    // 0 = no repetition; else also every N days from the bucket start
  int priority = 0;             // higher goes first when pacing
  std::string queue;            // call tasks: dialer / agent queue
};

// A DPD range and what the strategy does in it.
struct StrategyBucket {
  std::string name;             // "early", "m1", ...
  int dpd_min = 0;              // inclusive
  int dpd_max = 0;              // inclusive
  std::vector<StrategyStep> steps;
  // Legal / agency hand-off: one call task marked handoff, then automated
  // reminders for the account stop.
  bool handoff = false;
  std::string handoff_template;
  std::string handoff_queue;
};

struct SuppressionRules {
  int promise_grace_days = 0;        // a promise suppresses until promised date + grace
  int hardship_pause_days = 0;       // a hardship flag without `until` pauses this long
  int right_party_block_days = 0;    // calls blocked N local days, the conversation's day = day one
  bool dispute_stops_account_only = true;  // a dispute with an account_id pauses that debt only
};

// Downstream capacity and the spread of window openings (policy `pacing:`).
// Capacities are for the whole consumer group: each partition's Dispatcher
// gets every P-th slot (scheduler::ChannelPacer), so an instance's share is
// proportional to the partitions it owns and the group never exceeds them.
struct ChannelCapacity {
  int per_period = 0;  // 0 = not paced
  absl::Duration period = absl::Seconds(1);
  bool paced() const { return per_period > 0; }
  friend bool operator==(const ChannelCapacity&, const ChannelCapacity&) = default;
};

struct PacingRules {
  // A contact deferred to a window opening is due at the opening plus a
  // per-customer offset in [0, spread) (from a hash of the customer id), so a
  // zone's customers do not all land on 08:00:00.
  absl::Duration spread = absl::ZeroDuration();
  ChannelCapacity sms;           // messages per second
  ChannelCapacity email;         // messages per second
  ChannelCapacity call_default;  // call tasks per hour, for a queue not listed below
  absl::flat_hash_map<std::string, int> call_per_hour_by_queue;

  ChannelCapacity capacity(Channel channel, std::string_view queue) const;
};

struct Policy {
  std::string name;
  std::string version;
  std::vector<StrategyBucket> buckets;          // non-overlapping, sorted by dpd_min
  std::vector<ContactWindowRule> windows;       // most specific match wins
  std::vector<FrequencyCapRule> caps;
  std::vector<MinGapRule> min_gaps;
  SuppressionRules suppressions;
  // Possible zones per jurisdiction, used when the customer's zone is unknown:
  // a contact must then be inside the window in every one of them.
  // Looked up by exact jurisdiction, then by its country prefix ("US-NY" -> "US").
  absl::flat_hash_map<std::string, std::vector<std::string>> jurisdiction_zones;
  // Zones assumed when neither zone nor jurisdiction is known. Empty means
  // such a customer is not contacted (REASON_NO_TIME_ZONE).
  std::vector<std::string> unknown_location_zones;
  // Text the SMS gateway / email sender must include (e.g. Regulation F).
  std::array<std::string, 3> opt_out_instruction;  // by channel_index
  bool consolidate = true;  // one reminder per customer and channel listing every overdue account
  PacingRules pacing;
};

using PolicyPtr = std::shared_ptr<const Policy>;

}  // namespace reminder::rules
