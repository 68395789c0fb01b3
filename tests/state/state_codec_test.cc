#include "state/state_codec.h"

#include <gtest/gtest.h>

#include "reminder/v1/state.pb.h"
#include "state/dispatch_id.h"
#include "state/state_store.h"

namespace reminder::state {
namespace {

CustomerState sample(LabelTable& labels) {
  CustomerState c;
  c.customer_id = "C42";
  c.time_zone = labels.share("America/New_York");
  c.jurisdiction = labels.share("US-NY");
  c.phone = "+15550001234";
  c.email = "someone@example.test";
  c.locale = labels.share("en-US");
  AccountState a;
  a.account_id = "A1";
  a.currency = "USD";
  a.product = labels.share("credit_card");
  a.due_day = *day_from_text("2026-10-01");
  a.amount_due_minor = 12345;
  a.minimum_due_minor = 2500;
  a.status_since = 1'790'000'000;
  a.last_right_party_contact = 1'790'000'100;
  a.promise_until_day = 20'420;
  a.days_past_due = 17;
  a.last_step_dpd = {1, 3, 15};
  a.status = AccountStatus::kDelinquent;
  a.disputed = true;
  c.accounts.push_back(a);
  c.accounts.push_back(AccountState{.account_id = "A2", .status = AccountStatus::kHandedOff});
  c.attempts.push_back(Attempt{1'790'000'000, 1, rules::Channel::kSms});
  c.attempts.push_back(Attempt{1'790'003'600, 3, rules::Channel::kCall});
  DeferredContact d;
  d.dispatch_id = DispatchIdBuilder().add("x").build();
  d.due = 1'790'010'000;
  d.created = 1'790'000'000;
  d.not_after = 1'790'040'000;
  d.template_id = labels.intern("t.sms");
  d.queue = labels.intern("q");
  d.account_mask = 1;
  d.priority = 7;
  d.channel = rules::Channel::kEmail;
  d.flags = kDeferredQueued;
  c.deferred.push_back(d);
  c.flag_until.set(static_cast<int>(FlagKind::kHardship), 1'790'500'000);
  c.flag_until.set(static_cast<int>(FlagKind::kLegalHold), kForever);
  c.remember_event(fnv1a64("e-1"));
  c.remember_event(fnv1a64("e-2"));
  c.opted_out_mask = 2;
  c.invalid_contact_points = kEmailInvalid;
  return c;
}

TEST(StateCodec, RoundTripKeepsEveryField) {
  LabelTable labels;
  const CustomerState in = sample(labels);
  std::string bytes;
  encode_state(in, labels, bytes);
  LabelTable out_labels;
  out_labels.intern("something else first");
  CustomerState out;
  ASSERT_TRUE(decode_state(bytes, out_labels, out));
  EXPECT_EQ(out.customer_id, in.customer_id);
  EXPECT_EQ(out.time_zone, in.time_zone);
  EXPECT_EQ(out.jurisdiction, in.jurisdiction);
  EXPECT_EQ(out.phone, in.phone);
  EXPECT_EQ(out.email, in.email);
  EXPECT_EQ(out.locale, in.locale);
  ASSERT_EQ(out.accounts.size(), 2u);
  const auto& a = out.accounts[0];
  EXPECT_EQ(a.account_id, "A1");
  EXPECT_EQ(a.currency, "USD");
  EXPECT_EQ(a.product, "credit_card");
  EXPECT_EQ(day_to_text(a.due_day), "2026-10-01");
  EXPECT_EQ(a.amount_due_minor, 12345);
  EXPECT_EQ(a.minimum_due_minor, 2500);
  EXPECT_EQ(a.status_since, 1'790'000'000);
  EXPECT_EQ(a.last_right_party_contact, 1'790'000'100);
  EXPECT_EQ(a.promise_until_day, 20'420);
  EXPECT_EQ(a.days_past_due, 17);
  EXPECT_EQ(a.last_step_dpd, (std::array<std::int16_t, 3>{1, 3, 15}));
  EXPECT_EQ(a.status, AccountStatus::kDelinquent);
  EXPECT_TRUE(a.disputed);
  EXPECT_EQ(out.accounts[1].status, AccountStatus::kHandedOff);
  ASSERT_EQ(out.attempts.size(), 2u);
  EXPECT_EQ(out.attempts[1].at, 1'790'003'600);
  EXPECT_EQ(out.attempts[1].account_mask, 3u);
  EXPECT_EQ(out.attempts[1].channel, rules::Channel::kCall);
  ASSERT_EQ(out.deferred.size(), 1u);
  const auto& d = out.deferred[0];
  EXPECT_EQ(d.dispatch_id, in.deferred[0].dispatch_id);
  EXPECT_EQ(d.due, 1'790'010'000);
  EXPECT_EQ(d.created, 1'790'000'000);
  EXPECT_EQ(d.not_after, 1'790'040'000u);
  // Names, not labels, go through the record: another process's table.
  EXPECT_EQ(out_labels.text(d.template_id), "t.sms");
  EXPECT_EQ(out_labels.text(d.queue), "q");
  EXPECT_EQ(d.account_mask, 1u);
  EXPECT_EQ(d.priority, 7);
  EXPECT_EQ(d.channel, rules::Channel::kEmail);
  EXPECT_TRUE(d.queued());
  EXPECT_FALSE(d.handoff());
  EXPECT_EQ(out.flag_until, in.flag_until);
  EXPECT_EQ(out.recent_events, in.recent_events);
  EXPECT_EQ(out.recent_pos, in.recent_pos);
  EXPECT_TRUE(out.saw_event(fnv1a64("e-2")));
  EXPECT_EQ(out.opted_out_mask, 2);
  EXPECT_EQ(out.invalid_contact_points, kEmailInvalid);
}

// The sample's changelog record, as a message to tamper with.
reminder::v1::CustomerStateRecord sample_record(LabelTable& labels) {
  std::string bytes;
  encode_state(sample(labels), labels, bytes);
  reminder::v1::CustomerStateRecord r;
  EXPECT_TRUE(r.ParseFromString(bytes));
  return r;
}

TEST(StateCodec, RefusesUnknownFormatAndGarbage) {
  LabelTable labels;
  auto r = sample_record(labels);
  r.set_format_version(kStateFormatVersion + 1);
  CustomerState out;
  EXPECT_FALSE(decode_state(r.SerializeAsString(), labels, out));
  EXPECT_FALSE(decode_state("\xff\xff\xff garbage", labels, out));
  r.set_format_version(kStateFormatVersion);
  r.add_attempt_at(1);  // parallel arrays out of step
  EXPECT_FALSE(decode_state(r.SerializeAsString(), labels, out));
}

// The wire keeps due dates and currencies as text (records written before
// the compact layout read the same); a value the input could never have
// held is refused, not half-read.
TEST(StateCodec, RefusesABadDueDateOrCurrencyInAnOldRecord) {
  LabelTable labels;
  const auto r = sample_record(labels);
  EXPECT_EQ(r.accounts(0).due_date(), "2026-10-01");
  EXPECT_EQ(r.accounts(0).currency(), "USD");
  CustomerState out;
  for (const char* bad : {"2026-02-30", "2026-1-01", "01/10/2026", "1899-12-31"}) {
    auto copy = r;
    copy.mutable_accounts(0)->set_due_date(bad);
    EXPECT_FALSE(decode_state(copy.SerializeAsString(), labels, out)) << bad;
  }
  auto copy = r;
  copy.mutable_accounts(0)->set_currency("US");
  EXPECT_FALSE(decode_state(copy.SerializeAsString(), labels, out));
  copy.mutable_accounts(0)->set_currency("");
  copy.mutable_accounts(0)->set_due_date("");
  ASSERT_TRUE(decode_state(copy.SerializeAsString(), labels, out));
  EXPECT_EQ(out.accounts[0].currency.view(), "");
  EXPECT_EQ(out.accounts[0].due_day, kNoDay);
}

TEST(CustomerState, FlagExpiriesTakeNoHeapUntilAFlagIsSet) {
  CustomerState c;
  const std::size_t without = c.approximate_bytes();
  c.flag_until.set(static_cast<int>(FlagKind::kDispute), 0);  // clearing: still nothing held
  EXPECT_EQ(c.flag_until.heap_bytes(), 0u);
  c.flag_until.set(static_cast<int>(FlagKind::kHardship), 1'790'500'000);
  EXPECT_GT(c.approximate_bytes(), without);
  EXPECT_EQ(c.flag_until[static_cast<int>(FlagKind::kHardship)], 1'790'500'000);
  EXPECT_EQ(c.flag_until[static_cast<int>(FlagKind::kDeceased)], 0);

  // A copy is its own: changing it leaves the original as it was.
  CustomerState copy = c;
  copy.flag_until.set(static_cast<int>(FlagKind::kHardship), 0);
  EXPECT_EQ(c.flag_until[static_cast<int>(FlagKind::kHardship)], 1'790'500'000);
  EXPECT_FALSE(copy.flag_until == c.flag_until);
  copy = c;
  EXPECT_TRUE(copy.flag_until == c.flag_until);
}

TEST(AccountState, DueDatesAsDayNumbers) {
  EXPECT_EQ(day_from_text("1970-01-01"), 0);
  EXPECT_EQ(day_from_text("1969-12-31"), -1);
  EXPECT_EQ(day_from_text("2026-03-01"), *day_from_text("2026-02-28") + 1);
  EXPECT_EQ(day_from_text(""), kNoDay);
  EXPECT_FALSE(day_from_text("2026-13-01"));
  EXPECT_FALSE(day_from_text("2201-01-01"));
  for (const char* d : {"1900-01-01", "2000-02-29", "2026-10-01", "2200-12-31"}) {
    EXPECT_EQ(day_to_text(*day_from_text(d)), d);
  }
  EXPECT_EQ(day_to_text(kNoDay), "");
}

TEST(AccountState, CurrencyCodeHoldsThreeLettersOrNothing) {
  CurrencyCode c;
  EXPECT_EQ(c.view(), "");
  EXPECT_TRUE(c.assign("EUR"));
  EXPECT_EQ(c, "EUR");
  EXPECT_FALSE(c.assign("EURO"));
  EXPECT_EQ(c.view(), "");
  EXPECT_TRUE(c.assign(""));
}

TEST(DispatchId, DeterministicAndFieldSeparated) {
  const auto a = DispatchIdBuilder().add("C1").add("e1").add("sms").build();
  const auto b = DispatchIdBuilder().add("C1").add("e1").add("sms").build();
  const auto c = DispatchIdBuilder().add("C1e").add("1").add("sms").build();
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
  EXPECT_EQ(a.hex().size(), 32u);
  // Pinned to an independent FNV-1a-128 computation (Python, over the bytes
  // "C1" 0xff "e1" 0xff "sms" 0xff): a change of the hash would change every
  // id a downstream deduplicates on.
  EXPECT_EQ(a.hex(), "328188276e928be451215297faf02043");
  EXPECT_NE(fnv1a64("a"), fnv1a64("b"));
}

TEST(StateStore, FindOrAddKeepsIndexStable) {
  StateStore store;
  const auto a = store.find_or_add("customer-with-a-long-id-beyond-sso");
  for (int i = 0; i < 10000; ++i) store.find_or_add("c" + std::to_string(i));
  EXPECT_EQ(store.find("customer-with-a-long-id-beyond-sso"), a);
  EXPECT_EQ(store.at(a).customer_id, "customer-with-a-long-id-beyond-sso");
  EXPECT_FALSE(store.find("nobody"));
  EXPECT_EQ(store.size(), 10001u);
}

}  // namespace
}  // namespace reminder::state
