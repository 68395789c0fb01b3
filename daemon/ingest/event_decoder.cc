#include "ingest/event_decoder.h"

#include <absl/time/civil_time.h>
#include <google/protobuf/stubs/logging.h>

#include <string>

#include "ingest/field_checks.h"
#include "state/customer_state.h"

namespace reminder::ingest {

using reminder::v1::AccountEvent;

namespace {

// occurred_at must fall in [2000-01-01, 2100-01-01): anything else is a unit
// error upstream (milliseconds for seconds, a zero timestamp), in replay too.
constexpr std::int64_t kMinEventSeconds = 946'684'800;
constexpr std::int64_t kMaxEventSeconds = 4'102'444'800;
// Largest valid google.protobuf.Timestamp: 9999-12-31T23:59:59Z.
constexpr std::int64_t kMaxTimestampSeconds = 253'402'300'799;

std::optional<Rejection> reject(RejectReason r, std::string detail) {
  return Rejection{r, std::move(detail)};
}

std::string too_long(std::string_view field, std::size_t limit) {
  return std::string(field) + " longer than " + std::to_string(limit) + " bytes";
}

// An id: `required` means it must be set. Printable, bounded.
std::optional<Rejection> check_id(std::string_view field, const std::string& v,
                                  const ValidationLimits& l, bool required) {
  if (v.empty()) {
    if (!required) return std::nullopt;
    return reject(RejectReason::kMissingField, std::string(field) + " is empty");
  }
  if (v.size() > l.max_id_bytes) {
    return reject(RejectReason::kFieldTooLong, too_long(field, l.max_id_bytes));
  }
  if (!is_printable_id(v)) {
    return reject(RejectReason::kInvalidText,
                  std::string(field) +
                      " is not printable UTF-8 (control or format character, invalid "
                      "encoding, or leading/trailing space)");
  }
  return std::nullopt;
}

// Free text: printable, bounded, may be empty.
std::optional<Rejection> check_text(std::string_view field, const std::string& v,
                                    const ValidationLimits& l) {
  if (v.size() > l.max_text_bytes) {
    return reject(RejectReason::kFieldTooLong, too_long(field, l.max_text_bytes));
  }
  if (!is_printable_utf8(v)) {
    return reject(RejectReason::kInvalidText,
                  std::string(field) +
                      " is not printable UTF-8 (control or format character, or invalid encoding)");
  }
  return std::nullopt;
}

// A structured text field (phone, email, ...): bounded, then `shape_ok`.
template <class Shape>
std::optional<Rejection> check_shaped(std::string_view field, const std::string& v,
                                      const ValidationLimits& l, Shape shape_ok,
                                      RejectReason reason, std::string_view what) {
  if (v.empty()) return std::nullopt;
  if (v.size() > l.max_text_bytes) {
    return reject(RejectReason::kFieldTooLong, too_long(field, l.max_text_bytes));
  }
  if (!shape_ok(v)) return reject(reason, std::string(field) + " is not " + std::string(what));
  return std::nullopt;
}

std::optional<Rejection> check_money(std::string_view field, const reminder::v1::Money& m,
                                     const ValidationLimits& l) {
  if (!is_active_currency(m.currency_code())) {
    return reject(RejectReason::kBadCurrency,
                  std::string(field) + ".currency_code is not an active ISO 4217 currency code");
  }
  if (m.minor_units() < 0) {
    return reject(RejectReason::kBadAmount, std::string(field) + ".minor_units is negative");
  }
  if (m.minor_units() > l.max_minor_units) {
    return reject(RejectReason::kBadAmount,
                  std::string(field) + ".minor_units above " + std::to_string(l.max_minor_units));
  }
  return std::nullopt;
}

// Optional money: unset (or all defaults) is fine.
std::optional<Rejection> check_optional_money(std::string_view field, const reminder::v1::Money& m,
                                              const ValidationLimits& l) {
  if (m.currency_code().empty() && m.minor_units() == 0) return std::nullopt;
  return check_money(field, m, l);
}

// Strict "YYYY-MM-DD" within 1900..2200 (the same parser the state uses for
// the due dates it keeps).
std::optional<absl::CivilDay> parse_date(const std::string& v) {
  if (v.empty()) return std::nullopt;
  const auto day = state::day_from_text(v);
  if (!day) return std::nullopt;
  return absl::CivilDay(1970, 1, 1) + *day;
}

std::optional<Rejection> check_date(std::string_view field, const std::string& v, bool required) {
  if (v.empty()) {
    if (!required) return std::nullopt;
    return reject(RejectReason::kMissingField, std::string(field) + " is empty");
  }
  if (!parse_date(v)) {
    return reject(RejectReason::kBadDate, std::string(field) + " is not a valid YYYY-MM-DD date");
  }
  return std::nullopt;
}

bool valid_channel(int c) {
  return reminder::v1::Channel_IsValid(c) && c != reminder::v1::CHANNEL_UNSPECIFIED;
}

bool valid_timestamp(const google::protobuf::Timestamp& ts) {
  return ts.nanos() >= 0 && ts.nanos() <= 999'999'999 && ts.seconds() >= 0 &&
         ts.seconds() <= kMaxTimestampSeconds;
}

std::optional<Rejection> check_profile(const reminder::v1::ContactProfile& p,
                                       const rules::ZoneCatalog& zones, const ValidationLimits& l) {
  if (!p.time_zone().empty()) {
    if (p.time_zone().size() > l.max_text_bytes) {
      return reject(RejectReason::kFieldTooLong, too_long("profile.time_zone", l.max_text_bytes));
    }
    // Shape first: the tz loader would open "localtime", absolute and
    // relative paths, and posix/ and right/ variants.
    if (!is_iana_zone_name(p.time_zone())) {
      return reject(RejectReason::kUnknownTimeZone, "profile.time_zone is not an IANA zone name");
    }
    // Only names of the compiled-in list reach the loader and its caches.
    if (!is_known_tz_name(p.time_zone())) {
      return reject(RejectReason::kUnknownTimeZone,
                    "profile.time_zone is not in the IANA tz database (" +
                        std::string(tz_names_version()) + ")");
    }
    if (zones.find(p.time_zone()) == nullptr) {
      // Never a silent UTC: a zone that does not load is bad data.
      return reject(RejectReason::kUnknownTimeZone,
                    "profile.time_zone does not load from this host's tz database");
    }
  }
  if (auto r =
          check_shaped("profile.jurisdiction", p.jurisdiction(), l, is_jurisdiction_shape,
                       RejectReason::kBadJurisdiction, "an ISO 3166 code (such as GB or US-TX)")) {
    return r;
  }
  // No value in these details: phone and email are personal data.
  if (auto r = check_shaped("profile.phone", p.phone(), l, is_e164_phone, RejectReason::kBadPhone,
                            "an E.164 number (+, country code, 7-15 digits)")) {
    return r;
  }
  if (auto r = check_shaped("profile.email", p.email(), l, is_email_shape, RejectReason::kBadEmail,
                            "an email address (local@domain, ASCII)")) {
    return r;
  }
  if (auto r = check_shaped("profile.locale", p.locale(), l, is_bcp47_shape,
                            RejectReason::kBadLocale, "a BCP 47 language tag (such as zh-CN)")) {
    return r;
  }
  if (static_cast<std::size_t>(p.opted_out_channels_size()) > l.max_repeated_values) {
    return reject(RejectReason::kFieldTooLong, "profile.opted_out_channels has more than " +
                                                   std::to_string(l.max_repeated_values) +
                                                   " entries");
  }
  for (int c : p.opted_out_channels()) {
    if (!valid_channel(c)) {
      return reject(RejectReason::kUnknownEnumValue,
                    "profile.opted_out_channels has an unknown channel");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Rejection> validate_event(const AccountEvent& e, std::string_view key, absl::Time now,
                                        const rules::ZoneCatalog& zones,
                                        const ValidationLimits& l) {
  if (auto r = check_id("event_id", e.event_id(), l, true)) return r;
  if (auto r = check_id("customer_id", e.customer_id(), l, true)) return r;
  if (!key.empty() && key != e.customer_id()) {
    return reject(RejectReason::kKeyMismatch, "record key differs from customer_id");
  }
  if (auto r = check_id("account_id", e.account_id(), l, false)) return r;

  if (!e.has_occurred_at()) return reject(RejectReason::kBadTimestamp, "occurred_at is unset");
  const auto& ts = e.occurred_at();
  if (ts.nanos() < 0 || ts.nanos() > 999'999'999) {
    return reject(RejectReason::kBadTimestamp, "occurred_at.nanos out of range");
  }
  if (ts.seconds() < kMinEventSeconds || ts.seconds() >= kMaxEventSeconds) {
    return reject(RejectReason::kBadTimestamp,
                  "occurred_at is not between 2000-01-01 and 2100-01-01");
  }
  const absl::Time at = absl::FromUnixSeconds(ts.seconds());
  if (l.check_clock_skew) {
    if (at > now + l.max_future_skew) {
      return reject(RejectReason::kBadTimestamp, "occurred_at is too far in the future");
    }
    if (at < now - l.max_age) {
      return reject(RejectReason::kBadTimestamp, "occurred_at is too far in the past");
    }
  }

  auto needs_account = [&]() -> std::optional<Rejection> {
    if (e.account_id().empty()) return reject(RejectReason::kMissingField, "account_id is empty");
    return std::nullopt;
  };

  switch (e.kind_case()) {
    case AccountEvent::kDelinquency: {
      if (auto r = needs_account()) return r;
      const auto& d = e.delinquency();
      if (d.days_past_due() < 0 || d.days_past_due() > l.max_days_past_due) {
        return reject(RejectReason::kBadDaysPastDue,
                      "delinquency.days_past_due not in 0.." + std::to_string(l.max_days_past_due));
      }
      if (!d.has_amount_due()) {
        return reject(RejectReason::kMissingField, "delinquency.amount_due is unset");
      }
      if (auto r = check_money("delinquency.amount_due", d.amount_due(), l)) return r;
      if (auto r = check_optional_money("delinquency.minimum_due", d.minimum_due(), l)) return r;
      if (!d.minimum_due().currency_code().empty() &&
          d.minimum_due().currency_code() != d.amount_due().currency_code()) {
        return reject(RejectReason::kBadCurrency,
                      "delinquency.minimum_due currency differs from amount_due");
      }
      if (auto r = check_date("delinquency.due_date", d.due_date(), false)) return r;
      if (auto r = check_text("delinquency.product", d.product(), l)) return r;
      return std::nullopt;
    }
    case AccountEvent::kPayment:
      if (auto r = needs_account()) return r;
      return check_optional_money("payment.amount", e.payment().amount(), l);
    case AccountEvent::kPromise: {
      if (auto r = needs_account()) return r;
      const auto& p = e.promise();
      if (auto r = check_date("promise.promised_date", p.promised_date(), true)) return r;
      const absl::CivilDay promised = *parse_date(p.promised_date());
      const absl::CivilDay occurred = absl::ToCivilDay(at, absl::UTCTimeZone());
      if (promised < occurred - l.max_promise_days_behind) {
        return reject(RejectReason::kBadDate, "promise.promised_date more than " +
                                                  std::to_string(l.max_promise_days_behind) +
                                                  " days before occurred_at");
      }
      if (promised > occurred + l.max_promise_days_ahead) {
        return reject(RejectReason::kBadDate, "promise.promised_date more than " +
                                                  std::to_string(l.max_promise_days_ahead) +
                                                  " days after occurred_at");
      }
      return check_optional_money("promise.amount", p.amount(), l);
    }
    case AccountEvent::kContactOutcome: {
      const auto& o = e.contact_outcome();
      if (!valid_channel(o.channel())) {
        return reject(RejectReason::kUnknownEnumValue, "contact_outcome.channel is unknown");
      }
      if (!reminder::v1::ContactOutcome::Result_IsValid(o.result()) ||
          o.result() == reminder::v1::ContactOutcome::RESULT_UNSPECIFIED) {
        return reject(RejectReason::kUnknownEnumValue, "contact_outcome.result is unknown");
      }
      return check_id("contact_outcome.dispatch_id", o.dispatch_id(), l, false);
    }
    case AccountEvent::kFlag: {
      const auto& f = e.flag();
      if (!reminder::v1::CustomerFlag::Kind_IsValid(f.kind()) ||
          f.kind() == reminder::v1::CustomerFlag::KIND_UNSPECIFIED) {
        return reject(RejectReason::kUnknownEnumValue, "flag.kind is unknown");
      }
      if (f.has_until()) {
        if (!valid_timestamp(f.until())) {
          return reject(RejectReason::kBadTimestamp, "flag.until is not a valid timestamp");
        }
        if (f.active() && f.until().seconds() <= ts.seconds()) {
          return reject(RejectReason::kBadTimestamp,
                        "flag.until of an active flag is not after occurred_at");
        }
      }
      return std::nullopt;
    }
    case AccountEvent::kProfile:
      return check_profile(e.profile(), zones, l);
    case AccountEvent::KIND_NOT_SET:
      break;
  }
  return reject(RejectReason::kMissingKind,
                "no event kind set (or a kind this build does not know)");
}

std::optional<Rejection> decode_event(std::string_view key, std::string_view value, absl::Time now,
                                      const rules::ZoneCatalog& zones,
                                      const ValidationLimits& limits, AccountEvent& out) {
  if (value.size() > limits.max_record_bytes) {
    return reject(RejectReason::kOversized, "record of " + std::to_string(value.size()) +
                                                " bytes exceeds " +
                                                std::to_string(limits.max_record_bytes));
  }
  out.Clear();
  bool parsed = false;
  if (!value.empty()) {
    // protobuf logs an unstructured ERROR line to stderr for every string
    // field with invalid UTF-8: input-controlled log volume, outside the
    // structured log. The dead letter, its metric and event.dead_lettered
    // already record the rejection.
    google::protobuf::LogSilencer quiet;
    parsed = out.ParseFromArray(value.data(), static_cast<int>(value.size()));
  }
  if (!parsed) {
    return reject(RejectReason::kUndecodable, "not a reminder.v1.AccountEvent protobuf");
  }
  return validate_event(out, key, now, zones, limits);
}

}  // namespace reminder::ingest
