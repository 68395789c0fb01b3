#include "ingest/event_decoder.h"

#include <absl/time/civil_time.h>

#include <string>

namespace reminder::ingest {

using reminder::v1::AccountEvent;

namespace {

std::optional<Rejection> reject(RejectReason r, std::string detail) {
  return Rejection{r, std::move(detail)};
}

std::optional<Rejection> check_id(std::string_view field, const std::string& v,
                                  const ValidationLimits& l) {
  if (v.empty()) return reject(RejectReason::kMissingField, std::string(field) + " is empty");
  if (v.size() > l.max_id_bytes) {
    return reject(RejectReason::kFieldTooLong,
                  std::string(field) + " longer than " + std::to_string(l.max_id_bytes) + " bytes");
  }
  return std::nullopt;
}

std::optional<Rejection> check_text(std::string_view field, const std::string& v,
                                    const ValidationLimits& l) {
  if (v.size() > l.max_text_bytes) {
    return reject(RejectReason::kFieldTooLong, std::string(field) + " longer than " +
                                                   std::to_string(l.max_text_bytes) + " bytes");
  }
  return std::nullopt;
}

std::optional<Rejection> check_money(std::string_view field, const reminder::v1::Money& m,
                                     const ValidationLimits& l, bool required) {
  if (!required && m.currency_code().empty() && m.minor_units() == 0) return std::nullopt;
  const auto& c = m.currency_code();
  if (c.size() != 3 || !std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
    return reject(RejectReason::kBadCurrency,
                  std::string(field) + ".currency_code is not a 3-letter ISO 4217 code");
  }
  if (m.minor_units() < 0 || m.minor_units() > l.max_minor_units) {
    return reject(RejectReason::kBadAmount, std::string(field) + ".minor_units out of range");
  }
  return std::nullopt;
}

std::optional<Rejection> check_date(std::string_view field, const std::string& v, bool required) {
  if (v.empty()) {
    if (!required) return std::nullopt;
    return reject(RejectReason::kMissingField, std::string(field) + " is empty");
  }
  absl::CivilDay d;
  // Strict "YYYY-MM-DD": ParseCivilTime accepts it and normalises nothing else.
  if (v.size() != 10 || !absl::ParseCivilTime(v, &d) || absl::FormatCivilTime(d) != v ||
      d.year() < 1900 || d.year() > 2200) {
    return reject(RejectReason::kBadDate, std::string(field) + " is not a valid YYYY-MM-DD date");
  }
  return std::nullopt;
}

bool valid_channel(int c) { return c >= 1 && c <= 3; }

}  // namespace

std::optional<Rejection> validate_event(const AccountEvent& e, std::string_view key,
                                        absl::Time now, const rules::ZoneCatalog& zones,
                                        const ValidationLimits& l) {
  if (auto r = check_id("event_id", e.event_id(), l)) return r;
  if (auto r = check_id("customer_id", e.customer_id(), l)) return r;
  if (!key.empty() && key != e.customer_id()) {
    return reject(RejectReason::kKeyMismatch, "record key differs from customer_id");
  }
  if (e.account_id().size() > l.max_id_bytes) {
    return reject(RejectReason::kFieldTooLong, "account_id longer than " +
                                                   std::to_string(l.max_id_bytes) + " bytes");
  }
  if (!e.has_occurred_at()) return reject(RejectReason::kBadTimestamp, "occurred_at is unset");
  const auto& ts = e.occurred_at();
  if (ts.nanos() < 0 || ts.nanos() > 999'999'999 || ts.seconds() < 0 ||
      ts.seconds() > 253402300799 /* 9999-12-31 */) {
    return reject(RejectReason::kBadTimestamp, "occurred_at is not a valid timestamp");
  }
  if (l.check_clock_skew) {
    const absl::Time at = absl::FromUnixSeconds(ts.seconds());
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
        return reject(RejectReason::kBadDaysPastDue, "delinquency.days_past_due out of range");
      }
      if (auto r = check_money("delinquency.amount_due", d.amount_due(), l, true)) return r;
      if (auto r = check_money("delinquency.minimum_due", d.minimum_due(), l, false)) return r;
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
      return check_money("payment.amount", e.payment().amount(), l, false);
    case AccountEvent::kPromise:
      if (auto r = needs_account()) return r;
      if (auto r = check_date("promise.promised_date", e.promise().promised_date(), true)) return r;
      return check_money("promise.amount", e.promise().amount(), l, false);
    case AccountEvent::kContactOutcome: {
      const auto& o = e.contact_outcome();
      if (!valid_channel(o.channel())) {
        return reject(RejectReason::kUnknownEnumValue, "contact_outcome.channel is unknown");
      }
      if (!reminder::v1::ContactOutcome::Result_IsValid(o.result()) ||
          o.result() == reminder::v1::ContactOutcome::RESULT_UNSPECIFIED) {
        return reject(RejectReason::kUnknownEnumValue, "contact_outcome.result is unknown");
      }
      if (o.dispatch_id().size() > l.max_id_bytes) {
        return reject(RejectReason::kFieldTooLong, "contact_outcome.dispatch_id too long");
      }
      return std::nullopt;
    }
    case AccountEvent::kFlag: {
      const auto& f = e.flag();
      if (!reminder::v1::CustomerFlag::Kind_IsValid(f.kind()) ||
          f.kind() == reminder::v1::CustomerFlag::KIND_UNSPECIFIED) {
        return reject(RejectReason::kUnknownEnumValue, "flag.kind is unknown");
      }
      if (f.has_until() && (f.until().seconds() < 0 || f.until().seconds() > 253402300799)) {
        return reject(RejectReason::kBadTimestamp, "flag.until is not a valid timestamp");
      }
      return std::nullopt;
    }
    case AccountEvent::kProfile: {
      const auto& p = e.profile();
      if (!p.time_zone().empty() && zones.find(p.time_zone()) == nullptr) {
        // Never a silent UTC: a zone that does not load is bad data.
        return reject(RejectReason::kUnknownTimeZone, "profile.time_zone does not load");
      }
      if (auto r = check_text("profile.time_zone", p.time_zone(), l)) return r;
      if (auto r = check_text("profile.jurisdiction", p.jurisdiction(), l)) return r;
      if (auto r = check_text("profile.phone", p.phone(), l)) return r;
      if (auto r = check_text("profile.email", p.email(), l)) return r;
      if (auto r = check_text("profile.locale", p.locale(), l)) return r;
      for (int c : p.opted_out_channels()) {
        if (!valid_channel(c)) {
          return reject(RejectReason::kUnknownEnumValue, "profile.opted_out_channels has an unknown channel");
        }
      }
      return std::nullopt;
    }
    case AccountEvent::KIND_NOT_SET:
      return reject(RejectReason::kMissingKind, "no event kind set (or a kind this build does not know)");
  }
  return reject(RejectReason::kMissingKind, "unknown event kind");
}

std::optional<Rejection> decode_event(std::string_view key, std::string_view value,
                                      absl::Time now, const rules::ZoneCatalog& zones,
                                      const ValidationLimits& limits, AccountEvent& out) {
  if (value.size() > limits.max_record_bytes) {
    return reject(RejectReason::kOversized, "record of " + std::to_string(value.size()) +
                                                " bytes exceeds " +
                                                std::to_string(limits.max_record_bytes));
  }
  out.Clear();
  if (value.empty() || !out.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return reject(RejectReason::kUndecodable, "not a reminder.v1.AccountEvent protobuf");
  }
  return validate_event(out, key, now, zones, limits);
}

}  // namespace reminder::ingest
