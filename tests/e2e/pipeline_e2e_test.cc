// reminderd end to end against the real Kafka broker: events in, SMS /
// email / call tasks and decision records out, bad input to the dead-letter
// topic, and a SIGTERM in mid-stream that loses nothing.

#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>
#include <thread>

#include "e2e/daemon_under_test.h"
#include "reminder/v1/account_event.pb.h"
#include "reminder/v1/decision.pb.h"
#include "reminder/v1/dispatch.pb.h"

namespace reminder::testing {
namespace {

using namespace std::chrono_literals;
using reminder::v1::AccountEvent;

AccountEvent base(const std::string& event_id, const std::string& customer,
                  const std::string& account = "") {
  AccountEvent e;
  e.set_event_id(event_id);
  e.set_customer_id(customer);
  e.set_account_id(account);
  e.mutable_occurred_at()->set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  return e;
}

AccountEvent profile(const std::string& id, const std::string& customer, const std::string& zone) {
  auto e = base(id, customer);
  auto* p = e.mutable_profile();
  p->set_time_zone(zone);
  p->set_jurisdiction("US-NY");
  p->set_phone("+15550001234");
  p->set_email("e2e.person@example.test");
  p->set_locale("en-US");
  return e;
}

AccountEvent delinquency(const std::string& id, const std::string& customer,
                         const std::string& account, int dpd) {
  auto e = base(id, customer, account);
  auto* d = e.mutable_delinquency();
  d->set_days_past_due(dpd);
  d->mutable_amount_due()->set_currency_code("USD");
  d->mutable_amount_due()->set_minor_units(12345);
  d->set_due_date("2026-10-01");
  d->set_product("credit_card");
  return e;
}

std::string bytes(const AccountEvent& e) { return e.SerializeAsString(); }

std::vector<reminder::v1::Decision> decisions_of(const std::vector<Record>& records) {
  std::vector<reminder::v1::Decision> out;
  for (const auto& r : records) {
    reminder::v1::Decision d;
    EXPECT_TRUE(d.ParseFromString(r.value));
    out.push_back(d);
  }
  return out;
}

TEST(PipelineE2E, EventsBecomeChannelMessagesDecisionsAndDeadLetters) {
  const auto topics = fresh_topics("flow");
  TestProducer producer;
  auto send = [&](const AccountEvent& e) { producer.send(topics.input, e.customer_id(), bytes(e)); };
  send(profile("p1", "C1", "America/New_York"));
  send(delinquency("d1", "C1", "A1", 1));    // -> SMS
  send(delinquency("d3", "C1", "A1", 3));    // -> email
  send(delinquency("d15", "C1", "A1", 15));  // -> call task
  send(profile("p2", "C2", "America/Chicago"));
  auto cease = base("f2", "C2");
  cease.mutable_flag()->set_kind(reminder::v1::CustomerFlag::CEASE_COMMUNICATION);
  cease.mutable_flag()->set_active(true);
  send(cease);
  send(delinquency("d2", "C2", "A2", 1));  // suppressed: cease communication
  producer.send(topics.input, "C3", "this is not a protobuf \xff\xff");  // dead letter
  send(profile("p3-bad-zone", "C3", "Mars/Olympus_Mons"));               // dead letter
  send(profile("p3", "C3", "America/New_York"));                         // still processed
  producer.flush();

  DaemonUnderTest daemon(topics, kAlwaysOpenPolicy);
  daemon.start();

  const auto sms = read_topic(topics.sms, 1, 90s);
  const auto email = read_topic(topics.email, 1, 30s);
  const auto call = read_topic(topics.call, 1, 30s);
  const auto dead = read_topic(topics.dead_letter, 2, 30s);
  const auto decisions = decisions_of(read_topic(topics.decisions, 8, 30s));

  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait_for_exit(60s), std::optional<int>(0)) << daemon.log();

  ASSERT_EQ(sms.size(), 1u) << daemon.log();
  reminder::v1::SmsMessage m;
  ASSERT_TRUE(m.ParseFromString(sms[0].value));
  EXPECT_EQ(sms[0].key, "C1");
  EXPECT_EQ(m.customer_id(), "C1");
  EXPECT_EQ(m.template_id(), "e2e.sms");
  EXPECT_EQ(m.dispatch_id().size(), 32u);
  EXPECT_EQ(sms[0].headers.at("reminderd-dispatch-id"), m.dispatch_id());
  ASSERT_EQ(m.accounts_size(), 1);
  EXPECT_EQ(m.accounts(0).account_id(), "A1");
  EXPECT_EQ(m.accounts(0).amount_due().minor_units(), 12345);
  EXPECT_GT(m.not_after().seconds(), m.not_before().seconds());

  ASSERT_EQ(email.size(), 1u);
  reminder::v1::EmailMessage em;
  ASSERT_TRUE(em.ParseFromString(email[0].value));
  EXPECT_EQ(em.template_id(), "e2e.email");

  ASSERT_EQ(call.size(), 1u);
  reminder::v1::CallTask ct;
  ASSERT_TRUE(ct.ParseFromString(call[0].value));
  EXPECT_EQ(ct.queue(), "e2e-queue");
  EXPECT_FALSE(ct.handoff());

  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].headers.at("reminderd-reason"), "undecodable");
  EXPECT_EQ(dead[0].value, "this is not a protobuf \xff\xff");  // original bytes, untouched
  EXPECT_EQ(dead[0].headers.at("reminderd-source-topic"), topics.input);
  EXPECT_EQ(dead[1].headers.at("reminderd-reason"), "unknown_time_zone");

  std::map<std::string, reminder::v1::Decision> by_event;
  for (const auto& d : decisions) by_event[d.event_id()] = d;
  for (const char* id : {"p1", "d1", "d3", "d15", "p2", "f2", "d2", "p3"}) {
    EXPECT_TRUE(by_event.count(id)) << "no decision for " << id;
  }
  EXPECT_EQ(by_event["d1"].outcome(), reminder::v1::OUTCOME_SENT);
  EXPECT_EQ(by_event["d1"].dispatch_id(), m.dispatch_id());
  EXPECT_EQ(by_event["d1"].channel(), reminder::v1::CHANNEL_SMS);
  EXPECT_EQ(by_event["d2"].outcome(), reminder::v1::OUTCOME_SUPPRESSED);
  EXPECT_EQ(by_event["d2"].reason(), reminder::v1::REASON_CEASE_COMMUNICATION);
  EXPECT_EQ(by_event["p3"].outcome(), reminder::v1::OUTCOME_NO_CONTACT);

  // Personal data never reaches the log.
  const std::string log = daemon.log();
  EXPECT_EQ(log.find("+15550001234"), std::string::npos);
  EXPECT_EQ(log.find("e2e.person@example.test"), std::string::npos);
}

TEST(PipelineE2E, SigtermMidStreamLosesNothing) {
  const auto topics = fresh_topics("drain");
  constexpr int kCustomers = 1500;
  std::set<std::string> event_ids;
  {
    TestProducer producer;
    for (int i = 0; i < kCustomers; ++i) {
      const std::string c = "K" + std::to_string(i);
      for (const auto& e : {profile("p-" + c, c, "America/New_York"),
                            delinquency("d-" + c, c, "A" + std::to_string(i), 1)}) {
        producer.send(topics.input, c, bytes(e));
        event_ids.insert(e.event_id());
      }
    }
    producer.flush();
  }

  DaemonUnderTest first(topics, kAlwaysOpenPolicy);
  first.start();
  // Let it get part-way, then stop it in mid-stream.
  read_topic(topics.decisions, 200, 90s, 0ms);
  first.process().signal(SIGTERM);
  ASSERT_EQ(first.process().wait_for_exit(60s), std::optional<int>(0)) << first.log();

  DaemonUnderTest second(topics, kAlwaysOpenPolicy);
  second.start();
  const auto decisions = decisions_of(read_topic(topics.decisions, event_ids.size(), 120s, 3s));
  second.process().signal(SIGTERM);
  EXPECT_EQ(second.process().wait_for_exit(60s), std::optional<int>(0)) << second.log();

  std::map<std::string, int> decided;
  for (const auto& d : decisions) ++decided[d.event_id()];
  for (const auto& id : event_ids) EXPECT_EQ(decided[id], 1) << "event " << id;

  // No reminder twice: the drain committed exactly what it had delivered.
  std::set<std::string> dispatch_ids;
  for (const auto& r : read_topic(topics.sms, 1, 30s, 2s)) {
    reminder::v1::SmsMessage m;
    ASSERT_TRUE(m.ParseFromString(r.value));
    EXPECT_TRUE(dispatch_ids.insert(m.dispatch_id()).second) << "sent twice: " << m.dispatch_id();
  }
  EXPECT_GT(dispatch_ids.size(), 0u);
}

// Pacing through the real daemon: 3 SMS a second for the whole group, over
// 3 input partitions (each gets one slot a second). 30 customers fall due at
// once: they queue and go out at most 3 in any second, each exactly once.
TEST(PipelineE2E, SmsArePacedToTheGroupCapacityAcrossPartitions) {
  const auto topics = fresh_topics("paced");
  DaemonUnderTest daemon(topics, std::string(kAlwaysOpenPolicy) + "pacing:\n  sms_per_second: 3\n");
  daemon.start();
  ASSERT_TRUE(daemon.wait_for_log("\"event\":\"consumer.assigned\"", 90s)) << daemon.log();
  constexpr int kCustomers = 30;
  {
    TestProducer producer;
    for (int i = 0; i < kCustomers; ++i) {
      const std::string c = "P" + std::to_string(i);
      producer.send(topics.input, c, bytes(profile("pp" + c, c, "America/New_York")));
    }
    for (int i = 0; i < kCustomers; ++i) {
      const std::string c = "P" + std::to_string(i);
      producer.send(topics.input, c, bytes(delinquency("pd" + c, c, "A" + c, 1)));
    }
  }
  const auto sms = read_topic(topics.sms, kCustomers, 120s, 2s);
  EXPECT_EQ(sms.size(), static_cast<std::size_t>(kCustomers)) << daemon.log();
  std::map<std::int64_t, int> per_second;
  std::set<std::string> ids;
  int queued = 0;
  const auto all = decisions_of(read_topic(topics.decisions, 3 * kCustomers, 60s, 2s));
  for (const auto& d : all) {
    if (d.channel() != reminder::v1::CHANNEL_SMS) continue;
    if (d.outcome() == reminder::v1::OUTCOME_SENT) {
      ++per_second[d.decided_at().seconds()];
      EXPECT_TRUE(ids.insert(d.dispatch_id()).second) << "sent twice: " << d.dispatch_id();
    }
    if (d.outcome() == reminder::v1::OUTCOME_DEFERRED && d.reason() == reminder::v1::REASON_PACING) ++queued;
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kCustomers));
  EXPECT_GT(queued, 0) << "30 at once must queue behind 3 a second";
  for (const auto& [second, n] : per_second) EXPECT_LE(n, 3) << "second " << second;
  EXPECT_GE(per_second.size(), static_cast<std::size_t>(kCustomers / 3));

  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait_for_exit(60s), std::optional<int>(0)) << daemon.log();
}

TEST(PipelineE2E, SighupReloadsPolicyAndKeepsTheOldOneWhenInvalid) {
  const auto topics = fresh_topics("reload");
  DaemonUnderTest daemon(topics, kAlwaysOpenPolicy);
  daemon.start();
  ASSERT_TRUE(daemon.wait_for_log("\"event\":\"consumer.assigned\"", 90s)) << daemon.log();

  daemon.write_policy("name: broken\nversion: \"2\"\nbuckets: []\nnot_a_key: 1\n");
  daemon.process().signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for_log("policy.reload_rejected", 30s)) << daemon.log();
  EXPECT_NE(daemon.log().find("policy.yaml:4:1"), std::string::npos) << "the error names the line";
  EXPECT_TRUE(daemon.process().running());

  // The old policy is still in force: an SMS step still goes out.
  {
    TestProducer producer;
    for (const auto& e : {profile("rp", "R1", "America/New_York"), delinquency("rd", "R1", "RA", 1)}) {
      producer.send(topics.input, e.customer_id(), bytes(e));
    }
  }
  EXPECT_EQ(read_topic(topics.sms, 1, 60s, 500ms).size(), 1u);

  std::string v2 = kAlwaysOpenPolicy;
  v2.replace(v2.find("version: \"1\""), 12, "version: \"2\"");
  daemon.write_policy(v2);
  daemon.process().signal(SIGHUP);
  EXPECT_TRUE(daemon.wait_for_log("\"policy\":\"e2e@2\"", 30s)) << daemon.log();

  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait_for_exit(60s), std::optional<int>(0)) << daemon.log();
}

}  // namespace
}  // namespace reminder::testing
