#pragma once

// Decodes and validates one input record. Everything the rest of the
// pipeline relies on is checked here, so the engine only ever sees events it
// can act on; anything else becomes a Rejection that is dead-lettered with
// its reason. Never throws on input.

#include <absl/time/time.h>

#include <optional>
#include <string_view>

#include "ingest/rejection.h"
#include "reminder/v1/account_event.pb.h"
#include "rules/zone_catalog.h"

namespace reminder::ingest {

struct ValidationLimits {
  std::size_t max_record_bytes = 64 * 1024;
  std::size_t max_id_bytes = 128;
  std::size_t max_text_bytes = 256;
  int max_days_past_due = 36500;  // 100 years
  std::int64_t max_minor_units = 1'000'000'000'000'000;  // 10^15
  absl::Duration max_future_skew = absl::Hours(24);
  absl::Duration max_age = absl::Hours(24 * 366 * 2);
  // Replay runs the clock from the events themselves: no skew check there.
  bool check_clock_skew = true;
};

// Parses `value` into `out` (reused across calls to avoid allocation) and
// validates it. `key` is the Kafka record key (may be empty).
std::optional<Rejection> decode_event(std::string_view key, std::string_view value,
                                      absl::Time now, const rules::ZoneCatalog& zones,
                                      const ValidationLimits& limits,
                                      reminder::v1::AccountEvent& out);

// Validation alone, for events that arrive already parsed (replay's JSON).
std::optional<Rejection> validate_event(const reminder::v1::AccountEvent& e, std::string_view key,
                                        absl::Time now, const rules::ZoneCatalog& zones,
                                        const ValidationLimits& limits);

}  // namespace reminder::ingest
