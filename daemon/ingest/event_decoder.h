#pragma once

// Decodes and validates one input record. Everything the rest of the
// pipeline relies on is checked here, so the engine only ever sees events it
// can act on; anything else becomes a Rejection that is dead-lettered with
// its reason. Never throws on input; fuzzed (tests/fuzz/event_decoder_fuzz.cc).
//
// The rules (the first one broken decides the reason):
//  - record: at most max_record_bytes, a parsable AccountEvent (proto3 also
//    refuses invalid UTF-8 in string fields) -> oversized, undecodable
//  - event_id, customer_id: set; account_id, contact_outcome.dispatch_id:
//    optional; all at most max_id_bytes of printable UTF-8 without leading or
//    trailing space (field_checks.h) -> missing_field, field_too_long,
//    invalid_text; a non-empty record key equals customer_id -> key_mismatch
//  - occurred_at: set, nanos in [0, 1e9), between 2000-01-01 and 2100-01-01;
//    with check_clock_skew at most max_future_skew ahead of `now` and at most
//    max_age behind it -> bad_timestamp
//  - exactly one known kind -> missing_kind
//  - delinquency: account_id set; 0 <= days_past_due <= max_days_past_due;
//    amount_due set, minimum_due optional, both an active ISO 4217 code
//    (iso4217.cc) in the same currency and 0 <= minor_units <=
//    max_minor_units; due_date optional, strict YYYY-MM-DD in 1900..2200;
//    product printable, at most max_text_bytes
//  - payment: account_id set; amount optional, checked as above
//  - promise: account_id set; promised_date a strict YYYY-MM-DD at most
//    max_promise_days_behind days before and max_promise_days_ahead days
//    after occurred_at's UTC date (an absurd promise would silence
//    collection for years) -> bad_date; amount optional
//  - contact_outcome: channel and result known and not UNSPECIFIED
//    -> unknown_enum_value
//  - flag: kind known and not UNSPECIFIED; until optional, a valid timestamp
//    up to 9999-12-31, and after occurred_at when the flag is active (an
//    already-expired "active" suppression is an upstream unit error, never
//    silently no suppression) -> bad_timestamp
//  - profile (every field optional, empty = unknown): time_zone an IANA name
//    (field_checks.h: no "localtime", no paths, no posix/ or right/ trees)
//    on the compiled-in list of tzdata names (tz_names.inc: so no unknown
//    name ever reaches the tz loader and its never-freed caches) that this
//    host's tz database also loads -> unknown_time_zone (never a silent UTC); jurisdiction "CC" /
//    "CC-SUB" -> bad_jurisdiction; phone E.164 -> bad_phone; email address-shaped -> bad_email;
//    locale BCP 47
//    -> bad_locale; at most max_repeated_values opted_out_channels, each a
//    known channel -> field_too_long, unknown_enum_value
//
// Unknown fields are accepted and ignored: the contract lets upstream teams
// add fields freely, and a producer upgraded before reminderd must not send
// every event to the dead-letter topic. They are bounded by max_record_bytes,
// nothing reads them, and they never reach state, decisions or channel
// messages (the engine copies known fields only). What is not ignored: an
// unknown kind (oneof member) -> missing_kind, an unknown number in a known
// enum field (proto3 keeps it in the field) -> unknown_enum_value, and a
// known field sent with the wrong wire type (protobuf keeps it as unknown,
// so the field reads as unset) -> the rule for the unset field.
//
// A rejection's detail names the field and never echoes a value.

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
  int max_days_past_due = 36500;                         // 100 years
  std::int64_t max_minor_units = 1'000'000'000'000'000;  // 10^15
  absl::Duration max_future_skew = absl::Hours(24);
  absl::Duration max_age = absl::Hours(24 * 366 * 2);
  std::size_t max_repeated_values = 16;  // profile.opted_out_channels
  int max_promise_days_ahead = 366;
  int max_promise_days_behind = 31;
  // Replay runs the clock from the events themselves: no skew check there.
  bool check_clock_skew = true;
};

// Parses `value` into `out` (reused across calls to avoid allocation) and
// validates it. `key` is the Kafka record key (may be empty).
std::optional<Rejection> decode_event(std::string_view key, std::string_view value, absl::Time now,
                                      const rules::ZoneCatalog& zones,
                                      const ValidationLimits& limits,
                                      reminder::v1::AccountEvent& out);

// Validation alone, for events that arrive already parsed (replay's JSON).
std::optional<Rejection> validate_event(const reminder::v1::AccountEvent& e, std::string_view key,
                                        absl::Time now, const rules::ZoneCatalog& zones,
                                        const ValidationLimits& limits);

}  // namespace reminder::ingest
