// Deferred contacts and channel pacing through the Dispatcher on a simulated
// clock: releases at window openings with a per-customer spread, queues in
// due-then-priority order within the channel's capacity, never late (a
// contact whose window closes in the queue goes to the next window), a
// payment or complaint before the opening cancels, the kill switch holds,
// and the schedule survives a changelog round trip.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "rules/dispatcher_harness.h"
#include "rules/policy_builder.h"

namespace reminder::rules::testing {
namespace {

using v1::Decision;

const absl::TimeZone kNy = zone("America/New_York");

Policy paced_policy(int sms_per_second) {
  Policy p = base_policy();
  p.pacing.sms = ChannelCapacity{sms_per_second, absl::Seconds(1)};
  return p;
}

void add_customer(Harness& h, const std::string& id, absl::Time t,
                  const std::string& tz = "America/New_York") {
  ASSERT_FALSE(h.send(profile("p-" + id, id, t, tz, "US-NY", "+15550000001", "x@example.com")));
}

std::vector<const Decision*> for_dispatch(const RecordingSink& sink, const std::string& id) {
  std::vector<const Decision*> out;
  for (const auto& d : sink.decisions) {
    if (d.dispatch_id() == id) out.push_back(&d);
  }
  return out;
}

TEST(Pacing, PaymentAt0300CancelsThe0800Reminder) {
  Harness h(share(base_policy()));
  add_customer(h, "c1", at(kNy, 2026, 3, 10, 1));
  ASSERT_FALSE(h.send(delinquency("d1", "c1", "A", at(kNy, 2026, 3, 10, 2), 1)));
  const auto deferred = h.sink.with(v1::OUTCOME_DEFERRED, v1::REASON_QUIET_HOURS);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(absl::FromUnixSeconds(deferred[0].scheduled_for().seconds()), at(kNy, 2026, 3, 10, 8));

  ASSERT_FALSE(h.send(cured("pay", "c1", "A", at(kNy, 2026, 3, 10, 3))));
  h.run_to(at(kNy, 2026, 3, 10, 12));
  EXPECT_TRUE(h.sink.messages.empty()) << "the 08:00 reminder went out after the payment";
  const auto trail = for_dispatch(h.sink, deferred[0].dispatch_id());
  ASSERT_EQ(trail.size(), 2u);
  EXPECT_EQ(trail[1]->outcome(), v1::OUTCOME_SUPPRESSED);
  EXPECT_EQ(trail[1]->reason(), v1::REASON_PAID);
  EXPECT_EQ(absl::FromUnixSeconds(trail[1]->decided_at().seconds()), at(kNy, 2026, 3, 10, 3));
  EXPECT_EQ(h.dispatcher().deferred_count(), 0u);
}

TEST(Pacing, ComplaintAt0759CancelsThe0800Call) {
  Harness h(share(base_policy()));
  add_customer(h, "c1", at(kNy, 2026, 3, 10, 1));
  ASSERT_FALSE(h.send(delinquency("d5", "c1", "A", at(kNy, 2026, 3, 10, 2), 5)));  // call step
  const auto deferred = h.sink.with(v1::OUTCOME_DEFERRED, v1::REASON_QUIET_HOURS);
  ASSERT_EQ(deferred.size(), 1u);
  ASSERT_EQ(deferred[0].channel(), v1::CHANNEL_CALL);

  ASSERT_FALSE(h.send(flag("f", "c1", "", at(kNy, 2026, 3, 10, 7, 59), v1::CustomerFlag::COMPLAINT,
                           true)));
  h.run_to(at(kNy, 2026, 3, 10, 12));
  EXPECT_TRUE(h.sink.messages.empty()) << "the 08:00 call went out after the complaint";
  const auto trail = for_dispatch(h.sink, deferred[0].dispatch_id());
  ASSERT_EQ(trail.size(), 2u);
  EXPECT_EQ(trail[1]->outcome(), v1::OUTCOME_SUPPRESSED);
  EXPECT_EQ(trail[1]->reason(), v1::REASON_COMPLAINT);
  EXPECT_EQ(absl::FromUnixSeconds(trail[1]->decided_at().seconds()), at(kNy, 2026, 3, 10, 8));
}

TEST(Pacing, AComplaintReachesACallStillQueuedForCapacity) {
  Policy p = base_policy();
  p.pacing.call_default = ChannelCapacity{1, absl::Hours(1)};
  Harness h(share(p));
  for (int i = 0; i < 3; ++i) add_customer(h, "c" + std::to_string(i), at(kNy, 2026, 3, 10, 1));
  for (int i = 0; i < 3; ++i) {
    const std::string id = "c" + std::to_string(i);
    ASSERT_FALSE(h.send(delinquency("d-" + id, id, "A", at(kNy, 2026, 3, 10, 9), 5)));
  }
  // One call an hour: c0 takes the 09:00 slot, c1 and c2 wait for 10:00, 11:00.
  h.run_to(at(kNy, 2026, 3, 10, 9, 30));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].customer_id, "c0");
  const std::string second = "c1";  // next in the queue
  ASSERT_FALSE(h.send(flag("f", second, "", at(kNy, 2026, 3, 10, 9, 31),
                           v1::CustomerFlag::COMPLAINT, true)));
  h.run_to(at(kNy, 2026, 3, 10, 13));
  std::set<std::string> called;
  for (const auto& m : h.sink.messages) called.insert(m.customer_id);
  EXPECT_FALSE(called.count(second)) << "a queued call went out after a complaint";
  EXPECT_EQ(called, (std::set<std::string>{"c0", "c2"}));
  // c2 took the 10:00 slot the suppressed call did not use.
  EXPECT_EQ(h.sink.messages[1].not_before, at(kNy, 2026, 3, 10, 10));
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_COMPLAINT).size(), 1u);
}

TEST(Pacing, ASpreadFromTheCustomerIdKeepsTheOpeningFromOneInstant) {
  Policy p = base_policy();
  p.pacing.spread = absl::Minutes(10);
  Harness h(share(p));
  const absl::Time opening = at(kNy, 2026, 3, 10, 8);
  for (int i = 0; i < 500; ++i) add_customer(h, "s" + std::to_string(i), at(kNy, 2026, 3, 10, 1));
  for (int i = 0; i < 500; ++i) {
    const std::string id = "s" + std::to_string(i);
    ASSERT_FALSE(h.send(delinquency("d-" + id, id, "A", at(kNy, 2026, 3, 10, 2), 1)));
  }
  std::map<std::int64_t, int> dues;
  for (const auto& d : h.sink.with(v1::OUTCOME_DEFERRED)) ++dues[d.scheduled_for().seconds()];
  ASSERT_EQ(h.sink.with(v1::OUTCOME_DEFERRED).size(), 500u);
  EXPECT_GT(dues.size(), 300u) << "most customers should land on a second of their own";
  for (const auto& [s, n] : dues) {
    EXPECT_GE(absl::FromUnixSeconds(s), opening);
    EXPECT_LT(absl::FromUnixSeconds(s), opening + absl::Minutes(10));
  }
  // Deterministic: the same customer gets the same offset in another run.
  Harness again(share(p));
  add_customer(again, "s7", at(kNy, 2026, 3, 10, 1));
  ASSERT_FALSE(again.send(delinquency("d-s7", "s7", "A", at(kNy, 2026, 3, 10, 2), 1)));
  std::int64_t first = 0;
  for (const auto& d : h.sink.with(v1::OUTCOME_DEFERRED)) {
    if (d.customer_id() == "s7") first = d.scheduled_for().seconds();
  }
  EXPECT_EQ(again.sink.with(v1::OUTCOME_DEFERRED)[0].scheduled_for().seconds(), first);
  // All go out, inside the window.
  h.run_to(at(kNy, 2026, 3, 10, 9));
  EXPECT_EQ(h.sink.messages.size(), 500u);
}

TEST(Pacing, QueueGoesEarliestDueFirstThenHigherPriority) {
  // One SMS per 10 s; four customers within a second of each other.
  Policy p = base_policy();
  p.pacing.sms = ChannelCapacity{1, absl::Seconds(10)};
  p.buckets.clear();
  auto sms_low = step(Channel::kSms, "t.low", {1});
  sms_low.priority = 1;
  auto sms_high = step(Channel::kSms, "t.high", {2});
  sms_high.priority = 9;
  p.buckets.push_back(bucket("b", 1, 29, {sms_low, sms_high}));
  Harness h(share(p));
  const absl::Time t = at(kNy, 2026, 3, 10, 12);  // on the 10 s grid
  for (const char* id : {"a", "b", "c", "d"}) add_customer(h, id, t - absl::Hours(1));
  ASSERT_FALSE(h.send(delinquency("ea", "a", "A", t, 1)));  // sent now: the slot is free
  ASSERT_FALSE(h.send(delinquency("eb", "b", "A", t, 1)));  // low priority, queued at t
  ASSERT_FALSE(h.send(delinquency("ec", "c", "A", t + absl::Seconds(1), 2)));  // high, t+1
  ASSERT_FALSE(h.send(delinquency("ed", "d", "A", t + absl::Seconds(1), 1, 999'999'999)));  // low, t+1
  ASSERT_EQ(h.sink.messages.size(), 1u);
  // b has waited longest and goes before c, though c ranks higher; of the two
  // queued at t+1, c (priority 9) goes before d (priority 1, larger debt).
  h.run_to(t + absl::Seconds(40));
  std::vector<std::string> order;
  for (const auto& m : h.sink.messages) order.push_back(m.customer_id);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "d"}));
  std::vector<absl::Time> sent_at;
  for (const auto& d : h.sink.with(v1::OUTCOME_SENT)) {
    sent_at.push_back(absl::FromUnixSeconds(d.decided_at().seconds()));
  }
  EXPECT_EQ(sent_at, (std::vector<absl::Time>{t, t + absl::Seconds(10), t + absl::Seconds(20),
                                              t + absl::Seconds(30)}));
  EXPECT_EQ(h.sink.with(v1::OUTCOME_DEFERRED, v1::REASON_PACING).size(), 3u);
}

TEST(Pacing, ThenHigherDaysPastDueAndAmountAmongEqualPriority) {
  Policy p = base_policy();
  p.pacing.sms = ChannelCapacity{1, absl::Seconds(10)};
  p.buckets.clear();
  p.buckets.push_back(bucket("b", 1, 29, {step(Channel::kSms, "t", {}, 1)}));  // every day
  Harness h(share(p));
  const absl::Time t = at(kNy, 2026, 3, 10, 12);
  for (const char* id : {"first", "small", "late", "big"}) add_customer(h, id, t - absl::Hours(1));
  ASSERT_FALSE(h.send(delinquency("e0", "first", "A", t, 3)));            // takes the free slot
  ASSERT_FALSE(h.send(delinquency("e1", "small", "A", t, 3, 100)));       // DPD 3, $1
  ASSERT_FALSE(h.send(delinquency("e2", "late", "A", t, 20, 100)));       // DPD 20, $1
  ASSERT_FALSE(h.send(delinquency("e3", "big", "A", t, 3, 10'000'000)));  // DPD 3, $100k
  h.run_to(t + absl::Seconds(40));
  std::vector<std::string> order;
  for (const auto& m : h.sink.messages) order.push_back(m.customer_id);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "late", "big", "small"}));
}

TEST(Pacing, AContactWhoseWindowClosesInTheQueueGoesToTheNextWindowNeverLate) {
  // 1 SMS per second, 10 contacts, queued 5 s before the 21:00 close.
  Harness h(share(paced_policy(1)));
  const absl::Time close = at(kNy, 2026, 3, 10, 21);
  for (int i = 0; i < 10; ++i) add_customer(h, "w" + std::to_string(i), close - absl::Hours(2));
  for (int i = 0; i < 10; ++i) {
    const std::string id = "w" + std::to_string(i);
    ASSERT_FALSE(h.send(delinquency("e" + id, id, "A", close - absl::Seconds(5), 1)));
  }
  h.run_to(close + absl::Minutes(1));
  const auto sent_today = h.sink.with(v1::OUTCOME_SENT);
  EXPECT_EQ(sent_today.size(), 5u);  // 20:59:55 .. 20:59:59
  for (const auto& m : h.sink.messages) EXPECT_LE(m.not_after, close);
  for (const auto& d : sent_today) EXPECT_LT(absl::FromUnixSeconds(d.decided_at().seconds()), close);
  const auto expired = h.sink.with(v1::OUTCOME_DEFERRED, v1::REASON_WINDOW_EXPIRED);
  ASSERT_EQ(expired.size(), 5u);
  for (const auto& d : expired) {
    EXPECT_EQ(absl::FromUnixSeconds(d.scheduled_for().seconds()), at(kNy, 2026, 3, 11, 8));
    EXPECT_EQ(d.rule(), "windows.day");
  }
  // They go out the next morning, once each, paced.
  h.run_to(at(kNy, 2026, 3, 11, 9));
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SENT).size(), 10u);
  std::set<std::string> ids;
  for (const auto& m : h.sink.messages) EXPECT_TRUE(ids.insert(m.dispatch_id).second);
  EXPECT_EQ(h.dispatcher().deferred_count(), 0u);
}

TEST(Pacing, KillSwitchHoldsAndResumeReleasesInOrderWithinCapacity) {
  Harness h(share(paced_policy(2)));
  const absl::Time t = at(kNy, 2026, 3, 10, 12);
  for (int i = 0; i < 6; ++i) add_customer(h, "k" + std::to_string(i), t - absl::Hours(1));
  h.dispatcher().set_channel_paused(Channel::kSms, true);
  for (int i = 0; i < 6; ++i) {
    const std::string id = "k" + std::to_string(i);
    ASSERT_FALSE(h.send(delinquency("e" + id, id, "A", t + absl::Seconds(i), 1)));
  }
  h.run_to(t + absl::Minutes(30));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_DEFERRED, v1::REASON_CHANNEL_PAUSED).size(), 6u);
  EXPECT_EQ(h.dispatcher().deferred_count(), 6u);
  EXPECT_FALSE(h.dispatcher().next_wake(h.now())) << "nothing to wake for while paused";
  const auto summary = h.dispatcher().summarize(h.now());
  EXPECT_EQ(summary.backlog_by_channel[channel_index(Channel::kSms)], 6);
  EXPECT_GE(summary.oldest_overdue_seconds, 29 * 60);

  h.dispatcher().set_channel_paused(Channel::kSms, false);
  h.run_to(t + absl::Minutes(31));
  std::vector<std::string> order;
  std::map<std::int64_t, int> per_second;
  for (const auto& m : h.sink.messages) order.push_back(m.customer_id);
  for (const auto& d : h.sink.with(v1::OUTCOME_SENT)) ++per_second[d.decided_at().seconds()];
  EXPECT_EQ(order, (std::vector<std::string>{"k0", "k1", "k2", "k3", "k4", "k5"}));
  for (const auto& [s, n] : per_second) EXPECT_LE(n, 2);
}

TEST(Pacing, TheScheduleSurvivesAChangelogRoundTrip) {
  Policy p = paced_policy(1);
  p.pacing.spread = absl::Minutes(5);
  Harness a(share(p));
  const absl::Time t = at(kNy, 2026, 3, 10, 2);
  for (int i = 0; i < 20; ++i) add_customer(a, "r" + std::to_string(i), t - absl::Hours(1));
  for (int i = 0; i < 20; ++i) {
    const std::string id = "r" + std::to_string(i);
    ASSERT_FALSE(a.send(delinquency("e" + id, id, "A", t, 1 + (i % 2) * 4)));  // SMS or call
  }
  // Changelog records of everyone, read into a fresh dispatcher (another
  // process: its own labels).
  std::vector<std::string> records;
  a.dispatcher().take_changed([&](const state::CustomerState& c) {
    a.dispatcher().encode(c, records.emplace_back());
  });
  ASSERT_EQ(records.size(), 20u);
  Harness b(share(p));
  b.dispatcher().labels().intern("shifts every label of this table");
  for (const auto& r : records) ASSERT_TRUE(b.dispatcher().restore_record(r));
  ASSERT_EQ(b.dispatcher().deferred_count(), 20u);
  EXPECT_FALSE(b.dispatcher().restore_record("not a record"));

  a.run_to(at(kNy, 2026, 3, 10, 9));
  b.run_to(at(kNy, 2026, 3, 10, 9));
  ASSERT_EQ(a.sink.messages.size(), 20u);
  ASSERT_EQ(b.sink.messages.size(), 20u);
  for (std::size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(a.sink.messages[i].dispatch_id, b.sink.messages[i].dispatch_id);
    EXPECT_EQ(a.sink.messages[i].template_id, b.sink.messages[i].template_id);
    EXPECT_EQ(a.sink.messages[i].queue, b.sink.messages[i].queue);
    EXPECT_EQ(a.sink.messages[i].not_before, b.sink.messages[i].not_before);
  }
}

TEST(Pacing, ADeferredContactIsSmall) {
  // The schedule's memory per deferred contact: the record in the
  // customer's state plus its entry in a lane's heap (target: under 64 B).
  EXPECT_LE(sizeof(state::DeferredContact) + scheduler::DeferredSchedule::entry_bytes(), 64u);
}

}  // namespace
}  // namespace reminder::rules::testing
