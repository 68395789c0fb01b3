#pragma once

// Loads IANA zones once and remembers failures. absl::LoadTimeZone falls back
// to UTC when a zone does not load; here a failed load is an error (nullptr),
// never a silent UTC.

#include <absl/container/inlined_vector.h>
#include <absl/container/node_hash_map.h>
#include <absl/time/time.h>

#include <optional>
#include <string>
#include <string_view>

#include "rules/policy.h"

namespace reminder::state {
struct CustomerState;
}

namespace reminder::rules {

class ZoneCatalog {
 public:
  // The zone, or nullptr if `name` is empty or does not load.
  const absl::TimeZone* find(std::string_view name) const;

 private:
  mutable absl::node_hash_map<std::string, std::optional<absl::TimeZone>> cache_;
};

// The zones a customer may be in: their own if known; else every zone of
// their jurisdiction (exact, then country prefix); else the policy's
// unknown-location zones. Empty: no zone can be assumed.
using ZoneSet = absl::InlinedVector<absl::TimeZone, 4>;
ZoneSet customer_zones(const state::CustomerState& customer, const Policy& policy,
                       const ZoneCatalog& zones);

}  // namespace reminder::rules
