// ingest::decode_event / validate_event: one test per validation rule, each
// asserting the exact reason, that the detail never echoes the offending
// (personal) value, and that the next good event still decodes into the
// same, reused AccountEvent. Plus the field shape checks on their own.

#include "ingest/event_decoder.h"

#include <absl/time/civil_time.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/field_checks.h"
#include "ingest/rejection.h"
#include "rules/zone_catalog.h"

namespace reminder::ingest {
namespace {

using reminder::v1::AccountEvent;
using reminder::v1::ContactOutcome;
using reminder::v1::CustomerFlag;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 3, 3, 12, 0, 0), absl::UTCTimeZone());

// Personal values the details must never contain.
constexpr const char* kPhone = "+15550001234";
constexpr const char* kEmail = "jane.doe@example.test";
constexpr const char* kCustomer = "cust-4711";
constexpr const char* kAccount = "acct-0815";

AccountEvent base(absl::Time at = kNow - absl::Minutes(5)) {
  AccountEvent e;
  e.set_event_id("evt-1");
  e.set_customer_id(kCustomer);
  e.set_account_id(kAccount);
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(at));
  e.mutable_occurred_at()->set_nanos(250'000'000);
  return e;
}

AccountEvent good_delinquency() {
  AccountEvent e = base();
  auto* d = e.mutable_delinquency();
  d->set_days_past_due(12);
  d->mutable_amount_due()->set_currency_code("USD");
  d->mutable_amount_due()->set_minor_units(12'345);
  d->mutable_minimum_due()->set_currency_code("USD");
  d->mutable_minimum_due()->set_minor_units(2'500);
  d->set_due_date("2026-02-19");
  d->set_product("credit_card");
  return e;
}

AccountEvent good_payment() {
  AccountEvent e = base();
  e.mutable_payment()->mutable_amount()->set_currency_code("EUR");
  e.mutable_payment()->mutable_amount()->set_minor_units(5'000);
  e.mutable_payment()->set_cured(true);
  return e;
}

AccountEvent good_promise() {
  AccountEvent e = base();
  e.mutable_promise()->set_promised_date("2026-03-10");
  e.mutable_promise()->mutable_amount()->set_currency_code("GBP");
  e.mutable_promise()->mutable_amount()->set_minor_units(10'000);
  return e;
}

AccountEvent good_outcome() {
  AccountEvent e = base();
  e.clear_account_id();
  auto* o = e.mutable_contact_outcome();
  o->set_channel(reminder::v1::CHANNEL_SMS);
  o->set_result(ContactOutcome::DELIVERED);
  o->set_dispatch_id("d-0123456789abcdef");
  return e;
}

AccountEvent good_flag() {
  AccountEvent e = base();
  auto* f = e.mutable_flag();
  f->set_kind(CustomerFlag::HARDSHIP);
  f->set_active(true);
  f->mutable_until()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(24 * 30)));
  return e;
}

AccountEvent good_profile() {
  AccountEvent e = base();
  e.clear_account_id();
  auto* p = e.mutable_profile();
  p->set_time_zone("America/New_York");
  p->set_jurisdiction("US-NY");
  p->set_phone(kPhone);
  p->set_email(kEmail);
  p->set_locale("en-US");
  p->add_opted_out_channels(reminder::v1::CHANNEL_CALL);
  return e;
}

std::string bytes_of(const AccountEvent& e) {
  std::string out;
  EXPECT_TRUE(e.SerializeToString(&out));
  return out;
}

// Every personal or identifying value of `e` that a detail must not echo.
std::vector<std::string> values_of(const AccountEvent& e) {
  std::vector<std::string> v = {e.event_id(), e.customer_id(), e.account_id()};
  if (e.has_profile()) {
    const auto& p = e.profile();
    v.insert(v.end(), {p.phone(), p.email(), p.time_zone(), p.locale(), p.jurisdiction()});
  }
  if (e.has_contact_outcome()) v.push_back(e.contact_outcome().dispatch_id());
  if (e.has_delinquency()) v.push_back(e.delinquency().product());
  v.insert(v.end(), {kPhone, kEmail, kCustomer, kAccount});
  // Short values ("US", "en") could appear in any English text by accident.
  std::erase_if(v, [](const std::string& s) { return s.size() < 5; });
  return v;
}

void expect_no_values(const Rejection& r, const AccountEvent& e) {
  EXPECT_FALSE(r.detail.empty());
  for (const auto& v : values_of(e)) {
    EXPECT_EQ(r.detail.find(v), std::string::npos)
        << "detail '" << r.detail << "' echoes a value from the record";
  }
  for (char c : r.detail) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7F) << "detail is not printable ASCII: " << r.detail;
  }
}

class Decoder : public ::testing::Test {
 protected:
  std::optional<Rejection> decode(std::string_view value, std::string_view key = {}) {
    return decode_event(key, value, kNow, zones_, limits_, out_);
  }
  std::optional<Rejection> validate(const AccountEvent& e, std::string_view key = {}) {
    return validate_event(e, key, kNow, zones_, limits_);
  }
  // After any rejection, a good event still decodes into the reused message.
  void expect_next_good_decodes() {
    for (const AccountEvent& good : {good_delinquency(), good_profile()}) {
      const auto r = decode(bytes_of(good), kCustomer);
      ASSERT_FALSE(r.has_value()) << reject_code(r->reason) << ": " << r->detail;
      EXPECT_EQ(out_.SerializeAsString(), good.SerializeAsString());
    }
  }
  // `e` is rejected for `reason` both as bytes and as a parsed message.
  void expect_rejected(const AccountEvent& e, RejectReason reason,
                       std::optional<RejectReason> as_bytes = std::nullopt) {
    const auto v = validate(e);
    ASSERT_TRUE(v.has_value()) << "validate accepted " << e.ShortDebugString();
    EXPECT_EQ(reject_code(v->reason), reject_code(reason)) << v->detail;
    expect_no_values(*v, e);

    const auto d = decode(bytes_of(e));
    ASSERT_TRUE(d.has_value()) << "decode accepted " << e.ShortDebugString();
    EXPECT_EQ(reject_code(d->reason), reject_code(as_bytes.value_or(reason))) << d->detail;
    expect_no_values(*d, e);
    expect_next_good_decodes();
  }

  rules::ZoneCatalog zones_;
  ValidationLimits limits_;
  AccountEvent out_;
};

// ---------------------------------------------------------------------------
// Good events

TEST_F(Decoder, EveryKindDecodes) {
  for (const AccountEvent& e : {good_delinquency(), good_payment(), good_promise(), good_outcome(),
                                good_flag(), good_profile()}) {
    const auto r = decode(bytes_of(e), kCustomer);
    ASSERT_FALSE(r.has_value()) << e.ShortDebugString() << " -> " << reject_code(r->reason) << ": "
                                << r->detail;
    EXPECT_EQ(out_.SerializeAsString(), e.SerializeAsString());
  }
}

TEST_F(Decoder, OptionalFieldsMayBeEmpty) {
  AccountEvent d = good_delinquency();
  d.mutable_delinquency()->clear_minimum_due();
  d.mutable_delinquency()->clear_due_date();
  d.mutable_delinquency()->clear_product();
  EXPECT_FALSE(validate(d));
  AccountEvent p = good_payment();
  p.mutable_payment()->clear_amount();
  EXPECT_FALSE(validate(p));
  AccountEvent profile = base();
  profile.mutable_profile();  // everything unknown
  EXPECT_FALSE(validate(profile));
  AccountEvent flag = good_flag();
  flag.mutable_flag()->clear_until();
  EXPECT_FALSE(validate(flag));
  AccountEvent inactive = good_flag();  // clearing a flag: until does not matter
  inactive.mutable_flag()->set_active(false);
  inactive.mutable_flag()->mutable_until()->set_seconds(absl::ToUnixSeconds(kNow - absl::Hours(1)));
  EXPECT_FALSE(validate(inactive));
  AccountEvent zero_dpd = good_delinquency();
  zero_dpd.mutable_delinquency()->set_days_past_due(0);
  EXPECT_FALSE(validate(zero_dpd));
}

TEST_F(Decoder, KeyMayBeEmptyOrTheCustomer) {
  EXPECT_FALSE(decode(bytes_of(good_payment()), ""));
  EXPECT_FALSE(decode(bytes_of(good_payment()), kCustomer));
}

TEST_F(Decoder, ReplayModeSkipsOnlyTheClockCheck) {
  limits_.check_clock_skew = false;
  AccountEvent old = good_payment();
  old.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(kNow - absl::Hours(24 * 365 * 10)));
  EXPECT_FALSE(validate(old));
  AccountEvent future = good_payment();
  future.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(24 * 365 * 10)));
  EXPECT_FALSE(validate(future));
  AccountEvent unix_ms = good_payment();  // still absurd without a clock
  unix_ms.mutable_occurred_at()->set_seconds(absl::ToUnixMillis(kNow));
  EXPECT_EQ(validate(unix_ms)->reason, RejectReason::kBadTimestamp);
}

TEST_F(Decoder, ValidProfileVariants) {
  for (const char* zone : {"UTC", "Etc/UTC", "Etc/GMT+5", "Asia/Shanghai", "Europe/London",
                           "America/Argentina/Buenos_Aires", "America/Port-au-Prince"}) {
    AccountEvent e = good_profile();
    e.mutable_profile()->set_time_zone(zone);
    const auto r = validate(e);
    EXPECT_FALSE(r) << zone << " -> " << r->detail;
  }
  for (const char* phone : {"+8613800138000", "+447700900123", "+6834002", "+123456789012345"}) {
    AccountEvent e = good_profile();
    e.mutable_profile()->set_phone(phone);
    EXPECT_FALSE(validate(e)) << phone;
  }
  for (const char* email :
       {"a@b.co", "first.last+tag@mail.example.com", "x_y-z@sub-domain.example.cn",
        "o'brien@example.ie", "user@example.xn--fiqs8s", "A@EXAMPLE.COM"}) {
    AccountEvent e = good_profile();
    e.mutable_profile()->set_email(email);
    EXPECT_FALSE(validate(e)) << email;
  }
  for (const char* locale : {"en", "zh-CN", "zh-Hant-TW", "es-419", "de-CH-1996", "haw"}) {
    AccountEvent e = good_profile();
    e.mutable_profile()->set_locale(locale);
    EXPECT_FALSE(validate(e)) << locale;
  }
  for (const char* j : {"US", "CN", "GB-ENG", "US-NY", "FR-75"}) {
    AccountEvent e = good_profile();
    e.mutable_profile()->set_jurisdiction(j);
    EXPECT_FALSE(validate(e)) << j;
  }
}

TEST_F(Decoder, CurrenciesOfList) {
  for (const char* code : {"USD", "EUR", "GBP", "CNY", "JPY", "CHF", "CLF", "XOF", "XAF", "XCD",
                           "XPF", "XCG", "ZWG", "ANG", "BGN", "UYI"}) {
    AccountEvent e = good_payment();
    e.mutable_payment()->mutable_amount()->set_currency_code(code);
    EXPECT_FALSE(validate(e)) << code;
  }
}

TEST_F(Decoder, UnicodeIdsArePrintable) {
  AccountEvent e = good_delinquency();
  e.set_customer_id("客户-Ünïcødé-😀");
  e.mutable_delinquency()->set_product("carte de crédit");
  EXPECT_FALSE(decode(bytes_of(e), e.customer_id()));
}

// ---------------------------------------------------------------------------
// Unknown fields: accepted and ignored (documented in event_decoder.h).

// Appends a field `number` of wire type varint to `bytes`.
std::string with_unknown_varint(std::string bytes, int number, std::uint64_t value) {
  {
    google::protobuf::io::StringOutputStream s(&bytes);
    google::protobuf::io::CodedOutputStream out(&s);
    out.WriteTag(static_cast<std::uint32_t>(number) << 3 | 0);
    out.WriteVarint64(value);
  }
  return bytes;
}
// Appends a length-delimited field.
std::string with_unknown_bytes(std::string bytes, int number, std::string_view value) {
  {
    google::protobuf::io::StringOutputStream s(&bytes);
    google::protobuf::io::CodedOutputStream out(&s);
    out.WriteTag(static_cast<std::uint32_t>(number) << 3 | 2);
    out.WriteVarint32(static_cast<std::uint32_t>(value.size()));
    out.WriteRaw(value.data(), static_cast<int>(value.size()));
  }
  return bytes;
}

TEST_F(Decoder, UnknownFieldsAreIgnored) {
  const AccountEvent good = good_delinquency();
  EXPECT_FALSE(decode(with_unknown_varint(bytes_of(good), 99, 7)));
  EXPECT_FALSE(decode(with_unknown_bytes(bytes_of(good), 5000, "future field")));
  EXPECT_EQ(out_.delinquency().days_past_due(), 12);
  // Nested: an unknown field inside Delinquency.
  AccountEvent nested = good;
  nested.clear_delinquency();
  std::string delinquency = with_unknown_varint(good.delinquency().SerializeAsString(), 42, 1);
  EXPECT_FALSE(decode(with_unknown_bytes(bytes_of(nested), 10, delinquency)));
  EXPECT_EQ(out_.delinquency().amount_due().minor_units(), 12'345);
  expect_next_good_decodes();
}

TEST_F(Decoder, UnknownKindIsMissingKind) {
  AccountEvent e = base();
  const auto r = decode(with_unknown_bytes(bytes_of(e), 16, "a kind from the future"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, RejectReason::kMissingKind);
  expect_next_good_decodes();
}

TEST_F(Decoder, WrongWireTypeReadsAsUnset) {
  AccountEvent e = good_payment();
  e.clear_event_id();
  // event_id (field 1) sent as a varint: protobuf keeps it as unknown.
  const auto r = decode(with_unknown_varint(bytes_of(e), 1, 12345));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, RejectReason::kMissingField);
  expect_next_good_decodes();
}

// ---------------------------------------------------------------------------
// Whole records

TEST_F(Decoder, Oversized) {
  const std::string big(limits_.max_record_bytes + 1, 'x');
  const auto r = decode(big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, RejectReason::kOversized);
  expect_next_good_decodes();
  // An otherwise valid event with a huge unknown field: oversized too.
  const auto r2 = decode(
      with_unknown_bytes(bytes_of(good_payment()), 77, std::string(limits_.max_record_bytes, 'y')));
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->reason, RejectReason::kOversized);
  expect_next_good_decodes();
}

TEST_F(Decoder, Undecodable) {
  const std::string good = bytes_of(good_profile());
  for (const std::string& bad :
       {std::string(), std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11),
        std::string("not a protobuf at all"), good.substr(0, good.size() - 3),
        std::string("\x0a\x7f", 2) /* length beyond the end */,
        std::string("\x0b\x10\x01", 3) /* unterminated group */,
        std::string("\x0b\x14", 2) /* group ends with another number */}) {
    const auto r = decode(bad);
    ASSERT_TRUE(r) << "accepted " << bad.size() << " bytes";
    EXPECT_EQ(r->reason, RejectReason::kUndecodable);
    expect_next_good_decodes();
  }
}

TEST_F(Decoder, InvalidUtf8IsUndecodableAsBytes) {
  // proto3 string fields must be UTF-8: protobuf's parser refuses the record
  // (validate_event, for replay's parsed messages, says invalid_text).
  AccountEvent e = good_payment();
  e.set_event_id("evt-\xc3\x28");
  std::string bytes;
  {
    google::protobuf::LogSilencer quiet;  // serialising it logs too
    bytes = bytes_of(e);
  }
  // decode_event keeps protobuf's unstructured log line off stderr.
  ::testing::internal::CaptureStderr();
  const auto r = decode(bytes);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, RejectReason::kUndecodable);
  google::protobuf::LogSilencer quiet;
  expect_rejected(e, RejectReason::kInvalidText, RejectReason::kUndecodable);
}

// ---------------------------------------------------------------------------
// One case per rule (parametrised: each one shows up as its own test).

struct Case {
  std::string name;
  std::function<AccountEvent()> make;
  RejectReason reason;
  std::optional<RejectReason> as_bytes = std::nullopt;  // when protobuf refuses first
};

AccountEvent with(AccountEvent e, const std::function<void(AccountEvent&)>& f) {
  f(e);
  return e;
}

#define CASE(name, good, reason, body)                                       \
  Case {                                                                     \
    name, [] { return with(good(), [](AccountEvent& e) { body; }); }, reason \
  }

std::vector<Case> cases() {
  using R = RejectReason;
  std::vector<Case> c = {
    // kind
    CASE("MissingKind", base, R::kMissingKind, (void)e),
    // ids
    CASE("EventIdEmpty", good_payment, R::kMissingField, e.clear_event_id()),
    CASE("CustomerIdEmpty", good_payment, R::kMissingField, e.clear_customer_id()),
    CASE("AccountIdEmptyForDelinquency", good_delinquency, R::kMissingField, e.clear_account_id()),
    CASE("AccountIdEmptyForPayment", good_payment, R::kMissingField, e.clear_account_id()),
    CASE("AccountIdEmptyForPromise", good_promise, R::kMissingField, e.clear_account_id()),
    CASE("EventIdTooLong", good_payment, R::kFieldTooLong, e.set_event_id(std::string(129, 'e'))),
    CASE("CustomerIdTooLong", good_payment, R::kFieldTooLong,
         e.set_customer_id(std::string(129, 'c'))),
    CASE("AccountIdTooLong", good_payment, R::kFieldTooLong,
         e.set_account_id(std::string(129, 'a'))),
    CASE("DispatchIdTooLong", good_outcome, R::kFieldTooLong,
         e.mutable_contact_outcome()->set_dispatch_id(std::string(129, 'd'))),
    CASE("ProductTooLong", good_delinquency, R::kFieldTooLong,
         e.mutable_delinquency()->set_product(std::string(257, 'p'))),
    CASE("EventIdNewline", good_payment, R::kInvalidText, e.set_event_id("evt\n-1")),
    CASE("EventIdNul", good_payment, R::kInvalidText, e.set_event_id(std::string("evt\0-1", 6))),
    CASE("CustomerIdAnsiEscape", good_payment, R::kInvalidText,
         e.set_customer_id("cust\x1b[31m-4711")),
    CASE("CustomerIdTrailingSpace", good_payment, R::kInvalidText, e.set_customer_id("cust-4711 ")),
    CASE("AccountIdBidiOverride", good_payment, R::kInvalidText,
         e.set_account_id("acct-\u202e5180")),
    CASE("AccountIdDel", good_payment, R::kInvalidText, e.set_account_id("acct\x7f")),
    CASE("AccountIdC1Control", good_payment, R::kInvalidText, e.set_account_id("acct\u0085x")),
    CASE("DispatchIdLineSeparator", good_outcome, R::kInvalidText,
         e.mutable_contact_outcome()->set_dispatch_id("d-\u2028-1")),
    CASE("ProductTab", good_delinquency, R::kInvalidText,
         e.mutable_delinquency()->set_product("credit\tcard")),
    CASE("ProductBom", good_delinquency, R::kInvalidText,
         e.mutable_delinquency()->set_product("\ufeffcredit_card")),
    Case{"EventIdInvalidUtf8",
         [] {
           return with(good_payment(), [](AccountEvent& e) { e.set_event_id("\xed\xa0\x80"); });
         },
         R::kInvalidText, R::kUndecodable},
    Case{"ProductOverlongUtf8",
         [] {
           return with(good_delinquency(),
                       [](AccountEvent& e) { e.mutable_delinquency()->set_product("\xc0\xaf"); });
         },
         R::kInvalidText, R::kUndecodable},
    // key
    // (KeyMismatch has its own test below: it needs a key.)
    // timestamps
    CASE("OccurredAtUnset", good_payment, R::kBadTimestamp, e.clear_occurred_at()),
    CASE("OccurredAtNegativeNanos", good_payment, R::kBadTimestamp,
         e.mutable_occurred_at()->set_nanos(-1)),
    CASE("OccurredAtNanosTooBig", good_payment, R::kBadTimestamp,
         e.mutable_occurred_at()->set_nanos(1'000'000'000)),
    CASE("OccurredAtZero", good_payment, R::kBadTimestamp, e.mutable_occurred_at()->set_seconds(0)),
    CASE("OccurredAtNegative", good_payment, R::kBadTimestamp,
         e.mutable_occurred_at()->set_seconds(-86400)),
    CASE("OccurredAtInMilliseconds", good_payment, R::kBadTimestamp,
         e.mutable_occurred_at()->set_seconds(absl::ToUnixMillis(kNow))),
    CASE("OccurredAtYear2100", good_payment, R::kBadTimestamp,
         e.mutable_occurred_at()->set_seconds(4'102'444'800)),
    CASE("OccurredAtFarFuture", good_payment, R::kBadTimestamp,
         e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(25)))),
    CASE("OccurredAtFarPast", good_payment, R::kBadTimestamp,
         e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(kNow - absl::Hours(24 * 800)))),
    CASE("FlagUntilNanos", good_flag, R::kBadTimestamp,
         e.mutable_flag()->mutable_until()->set_nanos(-5)),
    CASE("FlagUntilBeyond9999", good_flag, R::kBadTimestamp,
         e.mutable_flag()->mutable_until()->set_seconds(253'402'300'800)),
    CASE("FlagUntilNegative", good_flag, R::kBadTimestamp,
         e.mutable_flag()->mutable_until()->set_seconds(-1)),
    CASE(
        "ActiveFlagAlreadyExpired", good_flag, R::kBadTimestamp,
        e.mutable_flag()->mutable_until()->set_seconds(absl::ToUnixSeconds(kNow - absl::Hours(1)))),
    // amounts
    CASE("AmountDueNegative", good_delinquency, R::kBadAmount,
         e.mutable_delinquency()->mutable_amount_due()->set_minor_units(-1)),
    CASE("AmountDueAbsurd", good_delinquency, R::kBadAmount,
         e.mutable_delinquency()->mutable_amount_due()->set_minor_units(1'000'000'000'000'001)),
    CASE("AmountDueInt64Max", good_delinquency, R::kBadAmount,
         e.mutable_delinquency()->mutable_amount_due()->set_minor_units(INT64_MAX)),
    CASE("MinimumDueNegative", good_delinquency, R::kBadAmount,
         e.mutable_delinquency()->mutable_minimum_due()->set_minor_units(INT64_MIN)),
    CASE("PaymentNegative", good_payment, R::kBadAmount,
         e.mutable_payment()->mutable_amount()->set_minor_units(-500)),
    CASE("PromiseAbsurd", good_promise, R::kBadAmount,
         e.mutable_promise()->mutable_amount()->set_minor_units(INT64_MAX)),
    CASE("AmountDueUnset", good_delinquency, R::kMissingField,
         e.mutable_delinquency()->clear_amount_due()),
    // currencies
    CASE("CurrencyLowerCase", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_amount_due()->set_currency_code("usd")),
    CASE("CurrencyTwoLetters", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_amount_due()->set_currency_code("US")),
    CASE("CurrencyUnknownShapedRight", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_amount_due()->set_currency_code("ABC")),
    CASE("CurrencyNoCurrency", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_amount_due()->set_currency_code("XXX")),
    CASE("CurrencyTesting", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_amount_due()->set_currency_code("XTS")),
    CASE("CurrencyGold", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_amount_due()->set_currency_code("XAU")),
    CASE("CurrencyWithdrawn", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_amount_due()->set_currency_code("HRK")),
    CASE("CurrencyMissing", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_amount_due()->clear_currency_code()),
    CASE("MinimumDueOtherCurrency", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_minimum_due()->set_currency_code("EUR")),
    CASE("MinimumDueUnitsWithoutCurrency", good_delinquency, R::kBadCurrency,
         e.mutable_delinquency()->mutable_minimum_due()->clear_currency_code()),
    CASE("PaymentCurrencyLong", good_payment, R::kBadCurrency,
         e.mutable_payment()->mutable_amount()->set_currency_code("EURO")),
    CASE("PromiseCurrencyNul", good_promise, R::kBadCurrency,
         e.mutable_promise()->mutable_amount()->set_currency_code(std::string("GB\0", 3))),
    // DPD
    CASE("DpdNegative", good_delinquency, R::kBadDaysPastDue,
         e.mutable_delinquency()->set_days_past_due(-1)),
    CASE("DpdAbsurd", good_delinquency, R::kBadDaysPastDue,
         e.mutable_delinquency()->set_days_past_due(36'501)),
    CASE("DpdIntMin", good_delinquency, R::kBadDaysPastDue,
         e.mutable_delinquency()->set_days_past_due(INT32_MIN)),
    // dates
    CASE("DueDateNotADay", good_delinquency, R::kBadDate,
         e.mutable_delinquency()->set_due_date("2026-02-30")),
    CASE("DueDateNoPadding", good_delinquency, R::kBadDate,
         e.mutable_delinquency()->set_due_date("2026-3-1")),
    CASE("DueDateCompact", good_delinquency, R::kBadDate,
         e.mutable_delinquency()->set_due_date("20260301")),
    CASE("DueDateWithTime", good_delinquency, R::kBadDate,
         e.mutable_delinquency()->set_due_date("2026-03-01T00:00:00Z")),
    CASE("DueDateSigned", good_delinquency, R::kBadDate,
         e.mutable_delinquency()->set_due_date("+026-03-01")),
    CASE("DueDateYear1800", good_delinquency, R::kBadDate,
         e.mutable_delinquency()->set_due_date("1800-01-01")),
    CASE("PromisedDateMissing", good_promise, R::kMissingField,
         e.mutable_promise()->clear_promised_date()),
    CASE("PromisedDateGarbage", good_promise, R::kBadDate,
         e.mutable_promise()->set_promised_date("next friday")),
    CASE("PromisedDateYearsAhead", good_promise, R::kBadDate,
         e.mutable_promise()->set_promised_date("2031-03-01")),
    CASE("PromisedDateLongPast", good_promise, R::kBadDate,
         e.mutable_promise()->set_promised_date("2025-12-01")),
    // time zones
    CASE("TimeZoneUnknown", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("Mars/Olympus_Mons")),
    CASE("TimeZoneLocaltime", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("localtime")),
    CASE("TimeZoneAbsolutePath", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("/etc/localtime")),
    CASE("TimeZoneTraversal", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("../../../../usr/share/zoneinfo/UTC")),
    CASE("TimeZoneDotDotInside", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("America/../Europe/London")),
    CASE("TimeZoneDoubleSlash", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("America//New_York")),
    CASE("TimeZoneTrailingSlash", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("America/New_York/")),
    CASE("TimeZoneFilePrefix", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("file:/usr/share/zoneinfo/UTC")),
    CASE("TimeZoneFixedOffset", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("Fixed/UTC+05:00")),
    CASE("TimeZonePosixTree", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("posix/America/New_York")),
    CASE("TimeZoneRightTree", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("right/America/New_York")),
    CASE("TimeZonePosixrules", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("posixrules")),
    CASE("TimeZoneNotAFile", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("Etc/GMT+25")),
    CASE("TimeZonePosixString", good_profile, R::kUnknownTimeZone,
         e.mutable_profile()->set_time_zone("EST5EDT,M3.2.0,M11.1.0")),
    CASE("TimeZoneTooLong", good_profile, R::kFieldTooLong,
         e.mutable_profile()->set_time_zone(std::string(300, 'Z'))),
    // enums
    CASE("OutcomeChannelUnspecified", good_outcome, R::kUnknownEnumValue,
         e.mutable_contact_outcome()->set_channel(reminder::v1::CHANNEL_UNSPECIFIED)),
    CASE("OutcomeChannelFromTheFuture", good_outcome, R::kUnknownEnumValue,
         e.mutable_contact_outcome()->set_channel(static_cast<reminder::v1::Channel>(7))),
    CASE("OutcomeResultUnspecified", good_outcome, R::kUnknownEnumValue,
         e.mutable_contact_outcome()->set_result(ContactOutcome::RESULT_UNSPECIFIED)),
    CASE("OutcomeResultFromTheFuture", good_outcome, R::kUnknownEnumValue,
         e.mutable_contact_outcome()->set_result(static_cast<ContactOutcome::Result>(99))),
    CASE("OutcomeResultNegative", good_outcome, R::kUnknownEnumValue,
         e.mutable_contact_outcome()->set_result(static_cast<ContactOutcome::Result>(-1))),
    CASE("FlagKindUnspecified", good_flag, R::kUnknownEnumValue,
         e.mutable_flag()->set_kind(CustomerFlag::KIND_UNSPECIFIED)),
    CASE("FlagKindFromTheFuture", good_flag, R::kUnknownEnumValue,
         e.mutable_flag()->set_kind(static_cast<CustomerFlag::Kind>(42))),
    CASE("OptedOutUnknownChannel", good_profile, R::kUnknownEnumValue,
         e.mutable_profile()->add_opted_out_channels(static_cast<reminder::v1::Channel>(9))),
    CASE("OptedOutUnspecified", good_profile, R::kUnknownEnumValue,
         e.mutable_profile()->add_opted_out_channels(reminder::v1::CHANNEL_UNSPECIFIED)),
    CASE("OptedOutTooMany", good_profile, R::kFieldTooLong,
         for (int i = 0; i < 17; ++i) e.mutable_profile()->add_opted_out_channels(
             reminder::v1::CHANNEL_SMS)),
    // phone (personal data: never in the detail)
    CASE("PhoneNoPlus", good_profile, R::kBadPhone, e.mutable_profile()->set_phone("15550001234")),
    CASE("PhoneSpaces", good_profile, R::kBadPhone,
         e.mutable_profile()->set_phone("+1 555 000 1234")),
    CASE("PhoneDashes", good_profile, R::kBadPhone,
         e.mutable_profile()->set_phone("+1555-000-1234")),
    CASE("PhoneLeadingZero", good_profile, R::kBadPhone,
         e.mutable_profile()->set_phone("+0155500012345")),
    CASE("PhoneTooShort", good_profile, R::kBadPhone, e.mutable_profile()->set_phone("+155500")),
    CASE("PhoneTooLong", good_profile, R::kBadPhone,
         e.mutable_profile()->set_phone("+1555000123456789")),
    CASE("PhoneLetters", good_profile, R::kBadPhone,
         e.mutable_profile()->set_phone("+1555CALLNOW")),
    CASE("PhoneTelUri", good_profile, R::kBadPhone,
         e.mutable_profile()->set_phone("tel:+15550001234")),
    CASE("PhoneHuge", good_profile, R::kFieldTooLong,
         e.mutable_profile()->set_phone("+1" + std::string(300, '5'))),
    // email (personal data: never in the detail)
    CASE("EmailNoAt", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane.doe.example.test")),
    CASE("EmailTwoAts", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane@doe@example.test")),
    CASE("EmailNoDomainDot", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane.doe@localhost")),
    CASE("EmailDoubleDot", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane..doe@example.test")),
    CASE("EmailLeadingDot", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email(".jane.doe@example.test")),
    CASE("EmailDomainHyphen", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane.doe@-example.test")),
    CASE("EmailNumericTld", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane.doe@10.0.0.1")),
    CASE("EmailLiteral", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane.doe@[10.0.0.1]")),
    CASE("EmailSpace", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane doe@example.test")),
    CASE("EmailHeaderInjection", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jane.doe@example.test\r\nBcc: all@example.test")),
    CASE("EmailDisplayName", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("Jane Doe <jane.doe@example.test>")),
    CASE("EmailNonAscii", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email("jäne.doe@example.test")),
    CASE("EmailLocalTooLong", good_profile, R::kBadEmail,
         e.mutable_profile()->set_email(std::string(65, 'j') + "@example.test")),
    CASE("EmailHuge", good_profile, R::kFieldTooLong,
         e.mutable_profile()->set_email(std::string(300, 'j') + "@example.test")),
    // locale, jurisdiction
    CASE("LocalePosix", good_profile, R::kBadLocale, e.mutable_profile()->set_locale("en_US")),
    CASE("LocaleOneLetter", good_profile, R::kBadLocale, e.mutable_profile()->set_locale("e")),
    CASE("LocaleEmptySubtag", good_profile, R::kBadLocale,
         e.mutable_profile()->set_locale("en--US")),
    CASE("LocaleTrailingDash", good_profile, R::kBadLocale, e.mutable_profile()->set_locale("en-")),
    CASE("LocaleDigitsFirst", good_profile, R::kBadLocale, e.mutable_profile()->set_locale("419")),
    CASE("LocaleSubtagTooLong", good_profile, R::kBadLocale,
         e.mutable_profile()->set_locale("en-abcdefghi")),
    CASE("JurisdictionLowerCase", good_profile, R::kBadJurisdiction,
         e.mutable_profile()->set_jurisdiction("us-ny")),
    CASE("JurisdictionAlpha3", good_profile, R::kBadJurisdiction,
         e.mutable_profile()->set_jurisdiction("USA")),
    CASE("JurisdictionUnderscore", good_profile, R::kBadJurisdiction,
         e.mutable_profile()->set_jurisdiction("US_NY")),
    CASE("JurisdictionLongSubdivision", good_profile, R::kBadJurisdiction,
         e.mutable_profile()->set_jurisdiction("US-NEWY")),
    CASE("JurisdictionDanglingDash", good_profile, R::kBadJurisdiction,
         e.mutable_profile()->set_jurisdiction("US-")),
  };
  return c;
}

#undef CASE

class Rule : public Decoder, public ::testing::WithParamInterface<Case> {};

TEST_P(Rule, RejectedWithExactReasonAndNoValueInDetail) {
  google::protobuf::LogSilencer quiet;  // serialising invalid UTF-8 makes protobuf log
  expect_rejected(GetParam().make(), GetParam().reason, GetParam().as_bytes);
}

INSTANTIATE_TEST_SUITE_P(EveryRule, Rule, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST_F(Decoder, KeyMismatch) {
  const AccountEvent e = good_payment();
  const auto r = decode(bytes_of(e), "someone-else");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, RejectReason::kKeyMismatch);
  expect_no_values(*r, e);
  EXPECT_EQ(r->detail.find("someone-else"), std::string::npos);
  expect_next_good_decodes();
}

TEST_F(Decoder, EveryReasonHasADistinctCode) {
  std::set<std::string_view> codes;
  for (std::size_t i = 0; i < std::size(kAllRejectReasons); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kAllRejectReasons[i]), i);
    const std::string_view code = reject_code(kAllRejectReasons[i]);
    EXPECT_NE(code, "unknown");
    EXPECT_TRUE(codes.insert(code).second) << code;
  }
}

// Every reason the decoder can give is produced by at least one case above
// (too_many_accounts comes from the dispatcher).
TEST(RuleCoverage, EveryDecoderReasonHasACase) {
  std::set<RejectReason> seen = {RejectReason::kOversized, RejectReason::kUndecodable,
                                 RejectReason::kKeyMismatch, RejectReason::kTooManyAccounts};
  for (const Case& c : cases()) seen.insert(c.reason);
  for (RejectReason r : kAllRejectReasons) {
    EXPECT_TRUE(seen.count(r)) << reject_code(r) << " has no test case";
  }
}

// ---------------------------------------------------------------------------
// The shape checks on their own.

TEST(FieldChecks, PrintableUtf8) {
  EXPECT_TRUE(is_printable_utf8(""));
  EXPECT_TRUE(is_printable_utf8("plain ascii ~!"));
  EXPECT_TRUE(is_printable_utf8("中文 Ελληνικά עברית 😀"));
  EXPECT_TRUE(is_printable_utf8("\u200d"));  // ZWJ: needed in some scripts
  for (const std::string& bad : {std::string("\0", 1),
                                 std::string("a\x01"),
                                 std::string("\x7f"),
                                 std::string("\xc2\x80"),
                                 std::string("\xc2\x9f"),
                                 std::string("\x80"),
                                 std::string("\xc0\x80"),
                                 std::string("\xc1\xbf"),
                                 std::string("\xe0\x80\x80"),
                                 std::string("\xed\xa0\x80"),
                                 std::string("\xf4\x90\x80\x80"),
                                 std::string("\xf5\x80\x80\x80"),
                                 std::string("\xff"),
                                 std::string("\xe2\x82"),
                                 std::string("\xf0\x9f\x98"),
                                 std::string("\u2028"),
                                 std::string("\u2029"),
                                 std::string("\u202e"),
                                 std::string("\u2066"),
                                 std::string("\u200f"),
                                 std::string("\u061c"),
                                 std::string("\ufeff"),
                                 std::string("\ufdd0"),
                                 std::string("\uffff"),
                                 std::string("\xf0\x9f\xbf\xbe") /* U+1FFFE */}) {
    EXPECT_FALSE(is_printable_utf8(bad)) << ::testing::PrintToString(bad);
  }
}

TEST(FieldChecks, PrintableId) {
  EXPECT_TRUE(is_printable_id("a b"));
  EXPECT_FALSE(is_printable_id(" ab"));
  EXPECT_FALSE(is_printable_id("ab "));
}

TEST(FieldChecks, IanaZoneNames) {
  for (const char* ok : {"UTC", "GMT0", "EST5EDT", "Etc/GMT-14", "America/Indiana/Indianapolis",
                         "America/Argentina/ComodRivadavia", "US/Eastern"}) {
    EXPECT_TRUE(is_iana_zone_name(ok)) << ok;
  }
  for (const char* bad :
       {"", "localtime", "Factory", "posixrules", "/UTC", "UTC/", "./UTC", "..", "A/B/C/D",
        "America/ThisIsFifteenCh", "file:UTC", "Europe/Lon don", "Europe/London\n", "1America/X",
        "America/_X", "right/UTC", "posix/UTC"}) {
    EXPECT_FALSE(is_iana_zone_name(bad)) << bad;
  }
}

// Every zone and link of this host's tz database passes the shape check and
// loads (so the shape check never rejects a real zone).
TEST(FieldChecks, EveryZoneOfTheHostDatabaseIsAccepted) {
  std::ifstream zi("/usr/share/zoneinfo/tzdata.zi");
  if (!zi) GTEST_SKIP() << "no /usr/share/zoneinfo/tzdata.zi";
  rules::ZoneCatalog zones;
  int n = 0;
  std::string line;
  while (std::getline(zi, line)) {
    std::istringstream in(line);
    std::string kind, a, b;
    in >> kind >> a >> b;
    std::string name;
    if (kind == "Z") name = a;
    if (kind == "L") name = b;
    if (name.empty() || name == "Factory") continue;  // "Factory": not a real place, rejected
    ++n;
    EXPECT_TRUE(is_iana_zone_name(name)) << name;
    EXPECT_TRUE(is_known_tz_name(name))
        << name << " is in this host's tzdata but not in daemon/ingest/tz_names.inc ("
        << tz_names_version() << "): run daemon/ingest/gen_tz_names.sh";
    EXPECT_NE(zones.find(name), nullptr) << name;
  }
  EXPECT_GT(n, 300);
}

TEST(FieldChecks, KnownTzNames) {
  for (const char* ok : {"Africa/Abidjan", "America/New_York", "Asia/Shanghai", "UTC", "Zulu",
                         "US/Eastern", "Europe/Kyiv", "America/Ciudad_Juarez"}) {
    EXPECT_TRUE(is_known_tz_name(ok)) << ok;
  }
  for (const char* bad : {"", "Factory", "localtime", "posixrules", "America/Gotham",
                          "america/new_york", "America/New_York ", "right/UTC"}) {
    EXPECT_FALSE(is_known_tz_name(bad)) << bad;
  }
}

TEST(FieldChecks, Currencies) {
  EXPECT_TRUE(is_active_currency("USD"));
  EXPECT_TRUE(is_active_currency("AED"));  // first
  EXPECT_TRUE(is_active_currency("ZWL"));  // last
  for (const char* bad :
       {"", "US", "USDD", "usd", "XXX", "XTS", "XAU", "XDR", "DEM", "HRK", "AAA", "ZZZ"}) {
    EXPECT_FALSE(is_active_currency(bad)) << bad;
  }
}

TEST(FieldChecks, Phones) {
  EXPECT_TRUE(is_e164_phone("+1234567"));
  EXPECT_TRUE(is_e164_phone("+123456789012345"));
  EXPECT_FALSE(is_e164_phone("+123456"));
  EXPECT_FALSE(is_e164_phone("+1234567890123456"));
  EXPECT_FALSE(is_e164_phone("+"));
  EXPECT_FALSE(is_e164_phone(""));
}

TEST(FieldChecks, Emails) {
  EXPECT_TRUE(is_email_shape("a@b.cd"));
  EXPECT_TRUE(is_email_shape(std::string(64, 'a') + "@example.test"));
  EXPECT_FALSE(is_email_shape("a@b.c"));
  EXPECT_FALSE(is_email_shape("a@b.cd."));
  EXPECT_FALSE(is_email_shape("a.@b.cd"));
  EXPECT_FALSE(is_email_shape("@b.cd"));
  EXPECT_FALSE(is_email_shape("a@"));
  EXPECT_FALSE(is_email_shape("a@b-.cd"));
  EXPECT_FALSE(is_email_shape("a@" + std::string(64, 'b') + ".cd"));
  EXPECT_FALSE(is_email_shape("a@b.c1"));
}

}  // namespace
}  // namespace reminder::ingest
