#pragma once

// Why an input record was dead-lettered. Each value has a stable snake_case
// code that goes into the dead letter's `reminderd-reason` header and the
// `reason` label of reminderd_dead_letters_total.

#include <cstdint>
#include <string>
#include <string_view>

namespace reminder::ingest {

enum class RejectReason : std::uint8_t {
  kOversized,            // record larger than the configured limit
  kUndecodable,          // not a valid AccountEvent protobuf
  kMissingKind,          // no oneof kind set (or an unknown one)
  kMissingField,         // a required field is empty / unset
  kFieldTooLong,         // an id or string beyond its limit
  kKeyMismatch,          // Kafka key differs from customer_id
  kBadTimestamp,         // occurred_at unset, invalid, far future or far past
  kBadAmount,            // negative or absurd money amount
  kBadCurrency,          // not an active ISO 4217 code (ingest/iso4217.cc), or mixed currencies
  kBadDaysPastDue,       // DPD out of range
  kBadDate,              // a "YYYY-MM-DD" field that does not parse
  kUnknownTimeZone,      // time_zone that does not load (never a silent UTC)
  kUnknownEnumValue,     // channel / result / flag kind unknown or unspecified
  kTooManyAccounts,      // a customer beyond the per-customer account limit
  // Appended (values are dense and in this order in kAllRejectReasons):
  kInvalidText,          // an id or text field that is not printable UTF-8
  kBadPhone,             // profile.phone not in E.164 form
  kBadEmail,             // profile.email not shaped like an address
  kBadLocale,            // profile.locale not a BCP 47 tag
  kBadJurisdiction,      // profile.jurisdiction not "CC" or "CC-SUB"
};

inline constexpr RejectReason kAllRejectReasons[] = {
    RejectReason::kOversized,       RejectReason::kUndecodable,     RejectReason::kMissingKind,
    RejectReason::kMissingField,    RejectReason::kFieldTooLong,    RejectReason::kKeyMismatch,
    RejectReason::kBadTimestamp,    RejectReason::kBadAmount,       RejectReason::kBadCurrency,
    RejectReason::kBadDaysPastDue,  RejectReason::kBadDate,         RejectReason::kUnknownTimeZone,
    RejectReason::kUnknownEnumValue, RejectReason::kTooManyAccounts, RejectReason::kInvalidText,
    RejectReason::kBadPhone,        RejectReason::kBadEmail,        RejectReason::kBadLocale,
    RejectReason::kBadJurisdiction,
};

constexpr std::string_view reject_code(RejectReason r) {
  switch (r) {
    case RejectReason::kOversized: return "oversized";
    case RejectReason::kUndecodable: return "undecodable";
    case RejectReason::kMissingKind: return "missing_kind";
    case RejectReason::kMissingField: return "missing_field";
    case RejectReason::kFieldTooLong: return "field_too_long";
    case RejectReason::kKeyMismatch: return "key_mismatch";
    case RejectReason::kBadTimestamp: return "bad_timestamp";
    case RejectReason::kBadAmount: return "bad_amount";
    case RejectReason::kBadCurrency: return "bad_currency";
    case RejectReason::kBadDaysPastDue: return "bad_days_past_due";
    case RejectReason::kBadDate: return "bad_date";
    case RejectReason::kUnknownTimeZone: return "unknown_time_zone";
    case RejectReason::kUnknownEnumValue: return "unknown_enum_value";
    case RejectReason::kTooManyAccounts: return "too_many_accounts";
    case RejectReason::kInvalidText: return "invalid_text";
    case RejectReason::kBadPhone: return "bad_phone";
    case RejectReason::kBadEmail: return "bad_email";
    case RejectReason::kBadLocale: return "bad_locale";
    case RejectReason::kBadJurisdiction: return "bad_jurisdiction";
  }
  return "unknown";
}

// A rejected record: the machine code plus a human-readable detail that names
// the field (and a limit, where one applies) but never echoes a value from
// the record: no ids, no phone, no email, not even the time zone or the
// currency. The dead letter keeps the original bytes for whoever may see them.
struct Rejection {
  RejectReason reason;
  std::string detail;
};

}  // namespace reminder::ingest
