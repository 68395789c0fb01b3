// Every validation rule of daemon/ingest through the real daemon and broker:
// one bad record per reject reason, mixed with good events, and at the end
// every input offset is accounted for: a dead letter (with its reason, the
// original bytes and its source offset) or at least one decision. Nothing
// lost, and the records after each bad one are processed.

#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>
#include <string>
#include <utility>

#include "e2e/daemon_under_test.h"
#include "e2e/security_events.h"
#include "ingest/rejection.h"
#include "reminder/v1/account_event.pb.h"
#include "reminder/v1/decision.pb.h"

namespace reminder::testing {
namespace {

using namespace std::chrono_literals;
using reminder::v1::AccountEvent;

AccountEvent delinquency(const std::string& id, const std::string& customer, int dpd = 1) {
  auto e = event_base(id, customer);
  e.set_account_id(customer + "-A");
  e.mutable_delinquency()->set_days_past_due(dpd);
  e.mutable_delinquency()->mutable_amount_due()->set_currency_code("USD");
  e.mutable_delinquency()->mutable_amount_due()->set_minor_units(1000);
  return e;
}

AccountEvent profile(const std::string& id, const std::string& customer) {
  auto e = event_base(id, customer);
  e.mutable_profile()->set_time_zone("America/New_York");
  e.mutable_profile()->set_jurisdiction("US-NY");
  e.mutable_profile()->set_phone("+15550001111");
  e.mutable_profile()->set_email("dlq.person@example.test");
  e.mutable_profile()->set_locale("en-US");
  return e;
}

struct BadRecord {
  std::string reason;  // expected reminderd-reason
  std::string key;
  std::string value;
};

std::vector<BadRecord> one_per_reason() {
  std::vector<BadRecord> out;
  auto add = [&](const char* reason, const AccountEvent& e, std::string key = "") {
    out.push_back({reason, key.empty() ? e.customer_id() : key, e.SerializeAsString()});
  };
  out.push_back({"oversized", "D1", std::string(70 * 1024, 'x')});
  out.push_back({"undecodable", "D1", "not a protobuf \xff\xff"});
  add("missing_kind", event_base("bad-kind", "D1"));
  add("missing_field", delinquency("", "D1"));
  add("field_too_long", delinquency(std::string(200, 'e'), "D1"));
  add("key_mismatch", delinquency("bad-key", "D1"), "SOMEONE-ELSE");
  {
    auto e = delinquency("bad-ts", "D1");
    e.clear_occurred_at();
    add("bad_timestamp", e);
  }
  {
    auto e = delinquency("bad-amount", "D1");
    e.mutable_delinquency()->mutable_amount_due()->set_minor_units(-5);
    add("bad_amount", e);
  }
  {
    auto e = delinquency("bad-currency", "D1");
    e.mutable_delinquency()->mutable_amount_due()->set_currency_code("ABC");
    add("bad_currency", e);
  }
  add("bad_days_past_due", delinquency("bad-dpd", "D1", -1));
  {
    auto e = delinquency("bad-date", "D1");
    e.mutable_delinquency()->set_due_date("2026-02-30");
    add("bad_date", e);
  }
  {
    auto e = profile("bad-zone", "D1");
    e.mutable_profile()->set_time_zone("Mars/Olympus_Mons");
    add("unknown_time_zone", e);
  }
  {
    auto e = event_base("bad-enum", "D1");
    e.mutable_contact_outcome()->set_channel(static_cast<reminder::v1::Channel>(99));
    e.mutable_contact_outcome()->set_result(reminder::v1::ContactOutcome::DELIVERED);
    add("unknown_enum_value", e);
  }
  add("invalid_text", delinquency("bad\x01text", "D1"));
  {
    auto e = profile("bad-phone", "D1");
    e.mutable_profile()->set_phone("555-1234");
    add("bad_phone", e);
  }
  {
    auto e = profile("bad-email", "D1");
    e.mutable_profile()->set_email("not-an-address");
    add("bad_email", e);
  }
  {
    auto e = profile("bad-locale", "D1");
    e.mutable_profile()->set_locale("en_US");
    add("bad_locale", e);
  }
  {
    auto e = profile("bad-jurisdiction", "D1");
    e.mutable_profile()->set_jurisdiction("usa");
    add("bad_jurisdiction", e);
  }
  // A customer's 33rd account (the limit is 32): rejected by the dispatcher.
  for (int i = 0; i < 33; ++i) {
    auto e = delinquency("many-" + std::to_string(i), "D2");
    e.set_account_id("D2-A" + std::to_string(i));
    e.mutable_delinquency()->set_days_past_due(200);  // hand-off bucket: no contact per account
    out.push_back({i == 32 ? "too_many_accounts" : "", "D2", e.SerializeAsString()});
  }
  return out;
}

TEST(DeadLetterE2E, EveryRejectReasonIsDeadLetteredAndEveryOffsetAccountedFor) {
  const auto topics = fresh_topics("dlq", 1);  // one partition: offsets in send order
  TestProducer producer;
  const auto bad = one_per_reason();
  std::set<std::string> reasons_sent;
  producer.send(topics.input, "D1", profile("good-profile", "D1").SerializeAsString());
  for (const auto& b : bad) {
    producer.send(topics.input, b.key, b.value);
    if (!b.reason.empty()) reasons_sent.insert(b.reason);
    // A good event after each bad one: processing goes on.
    producer.send(
        topics.input, "D3",
        delinquency("good-after-" + std::to_string(&b - &bad[0]), "D3", 200).SerializeAsString());
  }
  producer.send(topics.input, "D1", delinquency("dup", "D1").SerializeAsString());
  producer.send(topics.input, "D1", delinquency("dup", "D1").SerializeAsString());  // duplicate
  producer.flush();
  // Every reason of the decoder and the dispatcher is exercised.
  for (const auto r : ingest::kAllRejectReasons) {
    EXPECT_TRUE(reasons_sent.count(std::string(ingest::reject_code(r)))) << ingest::reject_code(r);
  }

  const auto input = read_topic(topics.input, 2 * bad.size() + 3, 60s);
  ASSERT_EQ(input.size(), 2 * bad.size() + 3);
  DaemonUnderTest daemon(topics, kAlwaysOpenPolicy);
  daemon.start();
  const auto dead = read_topic(topics.dead_letter, reasons_sent.size(), 120s);
  // Decisions name their event; wait for the last one (the duplicate's).
  std::vector<Record> decisions;
  for (int i = 0; i < 60; ++i) {
    decisions = read_topic(topics.decisions, 1, 10s);
    bool dup_seen = false;
    for (const auto& r : decisions) {
      reminder::v1::Decision d;
      if (d.ParseFromString(r.value) && d.reason() == reminder::v1::REASON_DUPLICATE_EVENT) {
        dup_seen = true;
      }
    }
    if (dup_seen) break;
  }
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait_for_exit(60s), 0);

  // offset -> how it was accounted for
  std::map<std::int64_t, std::string> dead_at;
  std::set<std::string> reasons_seen;
  for (const auto& d : dead) {
    EXPECT_EQ(d.headers.at("reminderd-source-topic"), topics.input);
    const auto offset = std::stoll(d.headers.at("reminderd-source-offset"));
    EXPECT_TRUE(dead_at.emplace(offset, d.headers.at("reminderd-reason")).second)
        << "two dead letters for offset " << offset;
    reasons_seen.insert(d.headers.at("reminderd-reason"));
    EXPECT_FALSE(d.headers.at("reminderd-detail").empty());
  }
  EXPECT_EQ(reasons_seen, reasons_sent);
  std::set<std::string> decided;
  for (const auto& r : decisions) {
    reminder::v1::Decision d;
    ASSERT_TRUE(d.ParseFromString(r.value));
    decided.insert(d.event_id());
  }
  for (const auto& rec : input) {
    AccountEvent e;
    const bool parsed = e.ParseFromString(rec.value);
    const auto dl = dead_at.find(rec.offset);
    if (dl != dead_at.end()) {
      // Original bytes, untouched, under the original key.
      bool found = false;
      for (const auto& d : dead) {
        if (std::stoll(d.headers.at("reminderd-source-offset")) == rec.offset) {
          EXPECT_EQ(d.value, rec.value);
          EXPECT_EQ(d.key, rec.key);
          found = true;
        }
      }
      EXPECT_TRUE(found);
      continue;
    }
    EXPECT_TRUE(parsed && decided.count(e.event_id()))
        << "offset " << rec.offset << " has neither a dead letter nor a decision";
  }
  expect_clean_log(daemon.log(), {});
  EXPECT_EQ(daemon.log().find("dlq.person@example.test"), std::string::npos);
  EXPECT_EQ(daemon.log().find("+15550001111"), std::string::npos);
}

}  // namespace
}  // namespace reminder::testing
