// Suppressions at their edges: a promise that expires after promised date +
// grace, flags that are cleared or whose `until` lapses, the hardship pause,
// opt-outs, disputes, stop-flag precedence. The state-level edges go through
// rules::decide; the ones that start from an event go through the Dispatcher.

#include <gtest/gtest.h>

#include "rules/decide.h"
#include "rules/dispatcher_harness.h"
#include "rules/policy_builder.h"

namespace reminder::rules {
namespace {

using namespace reminder::rules::testing;
using v1::CustomerFlag;

constexpr std::uint32_t kA = 1u << 0;
constexpr std::uint32_t kB = 1u << 1;

ContactIntent intent(Channel ch, std::uint32_t mask = kA) { return ContactIntent{ch, mask, false}; }

std::int32_t epoch_day(absl::CivilDay d) {
  return static_cast<std::int32_t>(d - absl::CivilDay(1970, 1, 1));
}

class SuppressionsTest : public ::testing::Test {
 protected:
  const absl::TimeZone ny = zone("America/New_York");
  ZoneCatalog zones;
};

TEST_F(SuppressionsTest, PromiseSuppressesThroughPromisedDatePlusGraceThenExpires) {
  Policy p = base_policy();
  p.suppressions.promise_grace_days = 2;
  auto c = customer("America/New_York", 1);
  c.accounts[0].promise_until_day = epoch_day(absl::CivilDay(2026, 1, 10)) + 2;  // through Jan 12

  auto d = decide(c, intent(Channel::kSms), at(ny, 2026, 1, 12, 20, 59, 0), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSuppress);
  EXPECT_EQ(d.reason, v1::REASON_PROMISE_TO_PAY);
  // The grace's last day is over at local midnight: the next opening sends.
  d = decide(c, intent(Channel::kSms), at(ny, 2026, 1, 13, 0, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, v1::REASON_QUIET_HOURS);
  d = decide(c, intent(Channel::kSms), at(ny, 2026, 1, 13, 8, 0, 0), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSend);
}

TEST_F(SuppressionsTest, PromiseWithUnknownZoneLastsUntilItIsOverEverywhere) {
  const Policy p = base_policy();
  auto c = customer("", 1, "US");
  c.accounts[0].promise_until_day = epoch_day(absl::CivilDay(2026, 1, 12));
  // 09:59Z Jan 13 is still Jan 12 in Honolulu.
  auto d = decide(c, intent(Channel::kSms), utc(2026, 1, 13, 9, 59, 0), p, zones);
  EXPECT_EQ(d.reason, v1::REASON_PROMISE_TO_PAY);
  d = decide(c, intent(Channel::kSms), utc(2026, 1, 13, 18, 0, 0), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSend);
}

TEST_F(SuppressionsTest, PromiseOnOneDebtLeavesTheOtherContactable) {
  const Policy p = base_policy();
  auto c = customer("America/New_York", 2);
  c.accounts[0].promise_until_day = epoch_day(absl::CivilDay(2026, 1, 20));
  const absl::Time t = at(ny, 2026, 1, 13, 10, 0, 0);
  EXPECT_EQ(decide(c, intent(Channel::kSms, kA), t, p, zones).reason, v1::REASON_PROMISE_TO_PAY);
  const auto d = decide(c, intent(Channel::kSms, kB), t, p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.account_mask, kB);  // the promised debt is not listed
}

TEST_F(SuppressionsTest, PromiseEventThroughTheDispatcherExpires) {
  Policy p = base_policy();
  p.suppressions.promise_grace_days = 1;
  p.buckets[0].steps[0].at_dpd = {1, 2};  // an SMS on each of two days
  Harness h(share(p));
  h.send(profile("p1", "c1", at(ny, 2026, 1, 5, 9, 0), "America/New_York", "US-NY", "+15550001",
                 "a@example.com"));
  h.send(promise("pr1", "c1", "A", at(ny, 2026, 1, 5, 9, 5), "2026-01-08"));  // + 1 day grace
  // Jan 9 20:59: the last minute of the grace day.
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 9, 20, 59), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  ASSERT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_PROMISE_TO_PAY).size(), 1u);
  // Jan 10: the promise (Jan 8 + 1 day of grace) is over.
  h.send(delinquency("d2", "c1", "A", at(ny, 2026, 1, 10, 8, 0), 2));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].channel, Channel::kSms);
  EXPECT_EQ(h.sink.messages[0].not_before, at(ny, 2026, 1, 10, 8, 0));
}

TEST_F(SuppressionsTest, ClearedFlagStopsSuppressing) {
  Harness h(share(base_policy()));
  h.send(profile("p1", "c1", at(ny, 2026, 1, 5, 9, 0), "America/New_York", "US-NY", "+15550001",
                 "a@example.com"));
  h.send(flag("f1", "c1", "", at(ny, 2026, 1, 5, 9, 1), CustomerFlag::COMPLAINT, true));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 10, 0), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  ASSERT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_COMPLAINT).size(), 1u);
  // Still active a month later (no `until`: until cleared).
  h.send(delinquency("d2", "c1", "B", at(ny, 2026, 2, 5, 10, 0), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  h.send(flag("f2", "c1", "", at(ny, 2026, 2, 5, 11, 0), CustomerFlag::COMPLAINT, false));
  h.send(delinquency("d3", "c1", "C", at(ny, 2026, 2, 5, 11, 1), 1));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].account_ids.size(), 3u);  // A, B, C all overdue: one SMS
}

TEST_F(SuppressionsTest, FlagWithUntilLapsesAtUntil) {
  Harness h(share(base_policy()));
  const absl::Time until = at(ny, 2026, 1, 7, 10, 0, 0);
  h.send(profile("p1", "c1", at(ny, 2026, 1, 5, 9, 0), "America/New_York", "US-NY", "+15550001",
                 "a@example.com"));
  h.send(flag("f1", "c1", "", at(ny, 2026, 1, 5, 9, 1), CustomerFlag::CEASE_COMMUNICATION, true,
              until));
  h.send(delinquency("d1", "c1", "A", until - absl::Seconds(1), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_CEASE_COMMUNICATION).size(), 1u);
  h.send(delinquency("d2", "c1", "B", until, 1));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].not_before, until);
}

TEST_F(SuppressionsTest, HardshipWithoutUntilPausesForTheConfiguredDays) {
  Policy p = base_policy();
  p.suppressions.hardship_pause_days = 30;
  Harness h(share(p));
  const absl::Time flagged = at(ny, 2026, 1, 5, 9, 1, 0);
  h.send(profile("p1", "c1", at(ny, 2026, 1, 5, 9, 0), "America/New_York", "US-NY", "+15550001",
                 "a@example.com"));
  h.send(flag("f1", "c1", "", flagged, CustomerFlag::HARDSHIP, true));
  EXPECT_EQ(h.customer("c1").flag_until[static_cast<int>(state::FlagKind::kHardship)],
            secs(flagged + absl::Hours(24 * 30)));
  h.send(delinquency("d1", "c1", "A", flagged + absl::Hours(24 * 30) - absl::Seconds(1), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_HARDSHIP).size(), 1u);
  h.send(delinquency("d2", "c1", "B", flagged + absl::Hours(24 * 30), 1));
  EXPECT_EQ(h.sink.messages.size(), 1u);
}

TEST_F(SuppressionsTest, StrongestStopFlagIsReported) {
  const Policy p = base_policy();
  auto c = customer("America/New_York", 1);
  const absl::Time t = at(ny, 2026, 1, 6, 10, 0, 0);
  c.flag_until.set(static_cast<int>(state::FlagKind::kComplaint), state::kForever);
  c.flag_until.set(static_cast<int>(state::FlagKind::kDeceased), state::kForever);
  const auto d = decide(c, intent(Channel::kSms), t, p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSuppress);
  EXPECT_EQ(d.reason, v1::REASON_DECEASED);
  // Every stop flag stops every channel.
  for (int k = 0; k < state::kFlagCount; ++k) {
    auto one = customer("America/New_York", 1);
    one.flag_until.set(k, secs(t) + 1);
    for (Channel ch : kAllChannels) {
      EXPECT_EQ(decide(one, intent(ch), t, p, zones).verdict, Verdict::kSuppress) << k;
    }
    EXPECT_EQ(decide(one, intent(Channel::kSms), t + absl::Seconds(1), p, zones).verdict,
              Verdict::kSend)
        << k;
  }
}

TEST_F(SuppressionsTest, DisputeOnOneDebtStopsThatDebtOnly) {
  Harness h(share(base_policy()));
  h.send(profile("p1", "c1", at(ny, 2026, 1, 5, 9, 0), "America/New_York", "US-NY", "+15550001",
                 "a@example.com"));
  h.send(delinquency("d0", "c1", "B", at(ny, 2026, 1, 5, 9, 30), 2));  // overdue, no step
  h.send(flag("f1", "c1", "A", at(ny, 2026, 1, 5, 9, 31), CustomerFlag::DISPUTE, true));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 10, 0), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_DISPUTE).size(), 1u);
  h.send(delinquency("d2", "c1", "C", at(ny, 2026, 1, 5, 11, 0), 1));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].account_ids, (std::vector<std::string>{"B", "C"}));
}

TEST_F(SuppressionsTest, OptOutFromProfileAndFromAnOutcome) {
  Harness h(share(base_policy()));
  h.send(profile("p1", "c1", at(ny, 2026, 1, 5, 9, 0), "America/New_York", "US-NY", "+15550001",
                 "a@example.com", {v1::CHANNEL_SMS}));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 10, 0), 1));  // SMS step
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_CHANNEL_OPT_OUT).size(), 1u);
  h.send(delinquency("d2", "c1", "A", at(ny, 2026, 1, 7, 10, 0), 3));  // email step
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].channel, Channel::kEmail);
  EXPECT_EQ(h.sink.messages[0].opt_out_instruction, "Unsubscribe below.");

  h.sink.clear();
  h.send(outcome("o1", "c1", "A", at(ny, 2026, 1, 7, 11, 0), v1::CHANNEL_EMAIL,
                 v1::ContactOutcome::OPT_OUT_REQUESTED));
  h.send(delinquency("d3", "c1", "B", at(ny, 2026, 1, 9, 10, 0), 3));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_CHANNEL_OPT_OUT).size(), 1u);
}

}  // namespace
}  // namespace reminder::rules
