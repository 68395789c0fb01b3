// libFuzzer target: one Kafka record value through ingest::decode_event, as
// the daemon does (reused AccountEvent, one ZoneCatalog for the process).
//
// Beyond "no crash, no sanitizer report", it checks what the rest of the
// pipeline relies on:
//  - the result is deterministic (same bytes, same verdict) and identical
//    through validate_event on the parsed message;
//  - a rejection has a known code and a printable, bounded detail that does
//    not echo the phone, email or ids of the record;
//  - an accepted event re-serialises and decodes to the same verdict, and
//    satisfies the invariants the engine assumes (a kind, ids, a loadable
//    zone, known enums, amounts in range).

#include <absl/time/civil_time.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingest/event_decoder.h"
#include "ingest/field_checks.h"
#include "rules/zone_catalog.h"

namespace {

using reminder::ingest::Rejection;
using reminder::v1::AccountEvent;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "event_decoder_fuzz: %s %s\n", what, detail.c_str());
  std::abort();
}

bool same(const std::optional<Rejection>& a, const std::optional<Rejection>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->reason == b->reason && a->detail == b->detail);
}

void check_rejection(const Rejection& r, const AccountEvent& e) {
  if (reminder::ingest::reject_code(r.reason) == "unknown") fail("unlisted reason");
  if (r.detail.empty() || r.detail.size() > 200) fail("detail empty or long", r.detail);
  for (char c : r.detail) {
    if (c < 0x20 || c > 0x7E) fail("detail not printable ASCII");
  }
  if (r.reason == reminder::ingest::RejectReason::kOversized ||
      r.reason == reminder::ingest::RejectReason::kUndecodable) {
    return;  // `e` is stale or partial
  }
  // The detail names fields; it must never carry a value from the record.
  // A value could match the fixed wording by accident ("_id is"), so only
  // values with a character that no detail ever contains count. The one '@'
  // of the fixed wording, in "(local@domain, ASCII)", is taken out first: an
  // id "cal@do" is no echo (found by this fuzzer).
  std::string detail = r.detail;
  if (auto at = detail.find("local@domain"); at != std::string::npos) {
    detail.replace(at, std::string_view("local@domain").size(), "local_domain");
  }
  auto must_not_echo = [&](const std::string& v) {
    if (v.size() < 6 || v.find_first_of("#@!$%&*=?~|{}") == std::string::npos) return;
    if (detail.find(v) != std::string::npos) fail("detail echoes a value", r.detail);
  };
  must_not_echo(e.event_id());
  must_not_echo(e.customer_id());
  must_not_echo(e.account_id());
  if (e.has_profile()) {
    must_not_echo(e.profile().phone());
    must_not_echo(e.profile().email());
    must_not_echo(e.profile().time_zone());
  }
  if (e.has_contact_outcome()) must_not_echo(e.contact_outcome().dispatch_id());
  if (e.has_delinquency()) must_not_echo(e.delinquency().product());
}

void check_accepted(const AccountEvent& e, const reminder::rules::ZoneCatalog& zones,
                    const reminder::ingest::ValidationLimits& l) {
  using namespace reminder::ingest;
  if (e.kind_case() == AccountEvent::KIND_NOT_SET) fail("accepted without a kind");
  if (e.event_id().empty() || e.customer_id().empty()) fail("accepted without ids");
  if (!is_printable_id(e.event_id()) || !is_printable_id(e.customer_id()) ||
      !is_printable_id(e.account_id())) {
    fail("accepted a non-printable id");
  }
  if (e.occurred_at().nanos() < 0 || e.occurred_at().nanos() > 999'999'999) fail("bad nanos");
  switch (e.kind_case()) {
    case AccountEvent::kDelinquency: {
      const auto& d = e.delinquency();
      if (d.days_past_due() < 0 || d.days_past_due() > l.max_days_past_due) fail("dpd");
      if (!is_active_currency(d.amount_due().currency_code())) fail("currency");
      if (d.amount_due().minor_units() < 0 || d.amount_due().minor_units() > l.max_minor_units) {
        fail("amount");
      }
      if (e.account_id().empty()) fail("delinquency without account");
      break;
    }
    case AccountEvent::kProfile: {
      const auto& p = e.profile();
      if (!p.time_zone().empty() && zones.find(p.time_zone()) == nullptr) fail("zone");
      if (!p.phone().empty() && !is_e164_phone(p.phone())) fail("phone");
      if (!p.email().empty() && !is_email_shape(p.email())) fail("email");
      for (int c : p.opted_out_channels()) {
        if (c < 1 || c > 3) fail("opted_out channel");
      }
      break;
    }
    case AccountEvent::kContactOutcome: {
      const int c = e.contact_outcome().channel();
      if (c < 1 || c > 3) fail("outcome channel");
      if (!reminder::v1::ContactOutcome::Result_IsValid(e.contact_outcome().result())) {
        fail("outcome result");
      }
      break;
    }
    case AccountEvent::kFlag:
      if (!reminder::v1::CustomerFlag::Kind_IsValid(e.flag().kind())) fail("flag kind");
      break;
    case AccountEvent::kPromise: {
      absl::CivilDay d;
      const auto& s = e.promise().promised_date();
      if (!absl::ParseCivilTime(absl::string_view(s.data(), s.size()), &d)) fail("promise date");
      break;
    }
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static reminder::rules::ZoneCatalog zones;
  static AccountEvent event;     // reused, as in the daemon
  static AccountEvent reparsed;  // second decoder state
  static const absl::Time now =
      absl::FromCivil(absl::CivilSecond(2026, 3, 3, 12, 0, 0), absl::UTCTimeZone());

  // The first byte picks the mode (key present or not, clock check or not)
  // so one corpus explores both; the rest is the record value.
  reminder::ingest::ValidationLimits limits;
  std::string_view key;
  std::string_view value(reinterpret_cast<const char*>(data), size);
  if (!value.empty()) {
    const auto mode = static_cast<unsigned char>(value.front());
    // Keep seeds (protobuf bytes starting 0x0a: field 1, length-delimited)
    // in the default mode; other first bytes flip the switches.
    if (mode == 0xff) {
      limits.check_clock_skew = false;
      value.remove_prefix(1);
    } else if (mode == 0xfe) {
      key = "cust-1";
      value.remove_prefix(1);
    }
  }

  const auto r = reminder::ingest::decode_event(key, value, now, zones, limits, event);
  const auto again = reminder::ingest::decode_event(key, value, now, zones, limits, reparsed);
  if (!same(r, again)) fail("decode is not deterministic");

  const bool parsed = value.size() <= limits.max_record_bytes && !value.empty() &&
                      (!r || (r->reason != reminder::ingest::RejectReason::kUndecodable &&
                              r->reason != reminder::ingest::RejectReason::kOversized));
  if (parsed) {
    const auto v = reminder::ingest::validate_event(event, key, now, zones, limits);
    if (!same(r, v)) fail("validate_event differs from decode_event");
  }
  if (r) {
    check_rejection(*r, event);
    return 0;
  }
  check_accepted(event, zones, limits);
  // Accepted: its own serialisation is accepted too (what a re-publisher
  // or the dead-letter replayer would send).
  std::string bytes;
  if (!event.SerializeToString(&bytes)) fail("accepted event does not serialise");
  if (bytes.size() <= limits.max_record_bytes) {
    const auto round = reminder::ingest::decode_event(key, bytes, now, zones, limits, reparsed);
    if (round) fail("re-serialised event rejected", round->detail);
  }
  return 0;
}
