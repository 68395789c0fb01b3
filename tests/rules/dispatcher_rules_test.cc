// Rules that live partly in the pipeline, through the Dispatcher with a
// simulated clock and a recording sink: invalid contact points cleared by a
// profile change, consolidation of overnight reminders, a cure cancelling a
// pending reminder, a complaint before a deferred call fires, dedupe of a
// redelivered event, and the hand-off at DPD 90.

#include <gtest/gtest.h>

#include <set>

#include "rules/dispatcher_harness.h"
#include "rules/policy_builder.h"

namespace reminder::rules {
namespace {

using namespace reminder::rules::testing;
using v1::CustomerFlag;

class DispatcherRulesTest : public ::testing::Test {
 protected:
  const absl::TimeZone ny = zone("America/New_York");

  static Policy policy_with_handoff() {
    Policy p = base_policy();
    p.buckets.push_back(bucket("m1", 30, 89, {step(Channel::kSms, "t.sms.m1", {30, 60, 89})}));
    auto m3 = bucket("m3", 90, 1000, {step(Channel::kSms, "t.sms.m3", {90, 91, 92})});
    m3.handoff = true;
    m3.handoff_template = "t.handoff";
    m3.handoff_queue = "q.legal";
    p.buckets.push_back(m3);
    return p;
  }

  void onboard(Harness& h, const std::string& customer_id, absl::Time t,
               const std::string& phone = "+15550001") {
    h.send(profile("p-" + customer_id, customer_id, t, "America/New_York", "US-NY", phone,
                   customer_id + "@example.com"));
  }
};

TEST_F(DispatcherRulesTest, WrongNumberBlocksPhoneUntilTheProfileChangesIt) {
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  h.send(outcome("o1", "c1", "", at(ny, 2026, 1, 5, 9, 1), v1::CHANNEL_CALL,
                 v1::ContactOutcome::WRONG_NUMBER));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 10, 0), 1));  // SMS step
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_INVALID_CONTACT_POINT).size(), 1u);

  // A profile update that keeps the number keeps it invalid.
  h.send(profile("p2", "c1", at(ny, 2026, 1, 5, 11, 0), "America/New_York", "US-NY", "+15550001",
                 "new@example.com"));
  h.send(delinquency("d2", "c1", "B", at(ny, 2026, 1, 5, 12, 0), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_INVALID_CONTACT_POINT).size(), 2u);

  // A new number clears it.
  h.send(profile("p3", "c1", at(ny, 2026, 1, 5, 13, 0), "America/New_York", "US-NY", "+15550002",
                 "new@example.com"));
  h.send(delinquency("d3", "c1", "C", at(ny, 2026, 1, 5, 14, 0), 1));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].channel, Channel::kSms);
}

TEST_F(DispatcherRulesTest, WrongNumberBeforeTheFirstProfileIsAboutTheProfilesNumber) {
  Harness h(share(base_policy()));
  h.send(outcome("o1", "c1", "", at(ny, 2026, 1, 5, 8, 0), v1::CHANNEL_CALL,
                 v1::ContactOutcome::WRONG_NUMBER));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 10, 0), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_INVALID_CONTACT_POINT).size(), 1u);
}

TEST_F(DispatcherRulesTest, BouncedEmailBlocksEmailOnlyUntilANewAddress) {
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  h.send(outcome("o1", "c1", "", at(ny, 2026, 1, 5, 9, 1), v1::CHANNEL_EMAIL,
                 v1::ContactOutcome::BOUNCED));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 10, 0), 3));  // email step
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_INVALID_CONTACT_POINT).size(), 1u);
  h.send(delinquency("d2", "c1", "B", at(ny, 2026, 1, 5, 11, 0), 1));  // SMS still fine
  ASSERT_EQ(h.sink.messages.size(), 1u);
  h.send(profile("p2", "c1", at(ny, 2026, 1, 6, 9, 0), "America/New_York", "US-NY", "+15550001",
                 "other@example.com"));
  h.send(delinquency("d3", "c1", "C", at(ny, 2026, 1, 6, 10, 0), 3));
  ASSERT_EQ(h.sink.messages.size(), 2u);
  EXPECT_EQ(h.sink.messages[1].channel, Channel::kEmail);
}

TEST_F(DispatcherRulesTest, OptOutRequestSurvivesAProfileUpdateThatDoesNotListIt) {
  // The customer replies STOP; a profile update from the CRM (sent before
  // the CRM heard of the STOP) must not switch texts back on.
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  h.send(outcome("o1", "c1", "", at(ny, 2026, 1, 5, 9, 1), v1::CHANNEL_SMS,
                 v1::ContactOutcome::OPT_OUT_REQUESTED));
  h.send(profile("p2", "c1", at(ny, 2026, 1, 5, 9, 2), "America/New_York", "US-NY", "+15550001",
                 "moved@example.com"));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 10, 0), 1));  // SMS step
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_CHANNEL_OPT_OUT).size(), 1u);
  // The CRM's own list still adds opt-outs.
  h.send(profile("p3", "c1", at(ny, 2026, 1, 5, 11, 0), "America/New_York", "US-NY", "+15550001",
                 "moved@example.com", {v1::CHANNEL_EMAIL}));
  h.send(delinquency("d2", "c1", "B", at(ny, 2026, 1, 5, 12, 0), 3));  // email step
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_CHANNEL_OPT_OUT).size(), 2u);
  // A new number is a new contact point: the texts opt-out made on the old
  // one no longer applies (the email opt-out, same address, still does).
  h.send(profile("p4", "c1", at(ny, 2026, 1, 5, 13, 0), "America/New_York", "US-NY", "+15550009",
                 "moved@example.com"));
  h.send(delinquency("d3", "c1", "C", at(ny, 2026, 1, 5, 14, 0), 1));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].channel, Channel::kSms);
  h.send(delinquency("d4", "c1", "C", at(ny, 2026, 1, 7, 14, 0), 3));
  EXPECT_EQ(h.sink.messages.size(), 1u);
}

TEST_F(DispatcherRulesTest, TwoAccountsDeferredOvernightBecomeOneSmsAtEight) {
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 22, 0), 1));
  h.send(delinquency("d2", "c1", "B", at(ny, 2026, 1, 6, 2, 0), 1));
  EXPECT_TRUE(h.sink.messages.empty());
  ASSERT_EQ(h.sink.with(v1::OUTCOME_DEFERRED, v1::REASON_QUIET_HOURS).size(), 1u);
  ASSERT_EQ(h.sink.with(v1::OUTCOME_DEFERRED, v1::REASON_CONSOLIDATED).size(), 1u);
  EXPECT_EQ(h.dispatcher().deferred_count(), 1u);

  h.run_to(at(ny, 2026, 1, 6, 7, 59, 59));
  EXPECT_TRUE(h.sink.messages.empty());
  h.run_to(at(ny, 2026, 1, 6, 12, 0, 0));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  const auto& m = h.sink.messages[0];
  EXPECT_EQ(m.channel, Channel::kSms);
  EXPECT_EQ(m.account_ids, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(m.not_before, at(ny, 2026, 1, 6, 8, 0, 0));
  EXPECT_EQ(m.not_after, at(ny, 2026, 1, 6, 21, 0, 0));
  EXPECT_EQ(m.opt_out_instruction, "Reply STOP to opt out.");
  const auto sent = h.sink.with(v1::OUTCOME_SENT);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].dispatch_id(), m.dispatch_id);
  EXPECT_EQ(sent[0].account_ids_size(), 2);
  EXPECT_EQ(h.dispatcher().deferred_count(), 0u);
}

TEST_F(DispatcherRulesTest, CureAtThreeCancelsTheEightOClockReminder) {
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 22, 0), 1));
  ASSERT_EQ(h.dispatcher().deferred_count(), 1u);
  h.send(cured("pay1", "c1", "A", at(ny, 2026, 1, 6, 3, 0)));
  EXPECT_EQ(h.dispatcher().deferred_count(), 0u);
  const auto cancelled = h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_PAID);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].rule(), "pending.cancelled");
  h.run_to(at(ny, 2026, 1, 7, 12, 0, 0));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_TRUE(h.sink.with(v1::OUTCOME_SENT).empty());
}

TEST_F(DispatcherRulesTest, CureOfOneAccountKeepsTheConsolidatedReminderForTheOther) {
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 22, 0), 1));
  h.send(delinquency("d2", "c1", "B", at(ny, 2026, 1, 5, 23, 0), 1));
  h.send(cured("pay1", "c1", "A", at(ny, 2026, 1, 6, 3, 0)));
  h.run_to(at(ny, 2026, 1, 6, 12, 0, 0));
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].account_ids, (std::vector<std::string>{"B"}));
}

TEST_F(DispatcherRulesTest, ComplaintAtSevenFiftyNineSuppressesTheEightOClockCall) {
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 23, 0), 5));  // the call step
  ASSERT_EQ(h.dispatcher().deferred_count(), 1u);
  h.send(flag("f1", "c1", "", at(ny, 2026, 1, 6, 7, 59, 0), CustomerFlag::COMPLAINT, true));
  h.run_to(at(ny, 2026, 1, 6, 12, 0, 0));
  EXPECT_TRUE(h.sink.messages.empty());
  const auto supp = h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_COMPLAINT);
  ASSERT_EQ(supp.size(), 1u);
  EXPECT_EQ(supp[0].channel(), v1::CHANNEL_CALL);
  EXPECT_EQ(supp[0].decided_at().seconds(), secs(at(ny, 2026, 1, 6, 8, 0, 0)));
  EXPECT_EQ(h.dispatcher().deferred_count(), 0u);
}

TEST_F(DispatcherRulesTest, RedeliveredEventChangesNothing) {
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  const auto e = delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 10, 0), 1);
  h.send(e);
  ASSERT_EQ(h.sink.messages.size(), 1u);
  const auto state_before = h.customer("c1").attempts.size();
  h.send(e, at(ny, 2026, 1, 5, 10, 5));
  // Even a redelivered cure: the second copy is a no-op.
  const auto pay = cured("pay1", "c1", "A", at(ny, 2026, 1, 5, 11, 0));
  h.send(pay);
  h.send(delinquency("d2", "c1", "A", at(ny, 2026, 1, 5, 12, 0), 1));  // a new cycle: SMS
  h.send(pay, at(ny, 2026, 1, 5, 12, 1));                              // must not cure it again
  EXPECT_EQ(h.sink.messages.size(), 2u);
  EXPECT_EQ(h.sink.with(v1::OUTCOME_NO_CONTACT, v1::REASON_DUPLICATE_EVENT).size(), 2u);
  EXPECT_EQ(h.customer("c1").accounts[0].status, state::AccountStatus::kDelinquent);
  EXPECT_EQ(h.customer("c1").attempts.size(), state_before + 1);
  std::set<std::string> ids;
  for (const auto& m : h.sink.messages) EXPECT_TRUE(ids.insert(m.dispatch_id).second);
}

TEST_F(DispatcherRulesTest, RedeliveredDeferredEventDoesNotDoubleTheReminder) {
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  const auto e = delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 22, 0), 1);
  h.send(e);
  h.send(e, at(ny, 2026, 1, 5, 22, 30));
  EXPECT_EQ(h.dispatcher().deferred_count(), 1u);
  h.run_to(at(ny, 2026, 1, 6, 12, 0));
  EXPECT_EQ(h.sink.messages.size(), 1u);
}

TEST_F(DispatcherRulesTest, HandoffAtDpdNinetyThenNoMoreRemindersForThatAccount) {
  Harness h(share(policy_with_handoff()));
  onboard(h, "c1", at(ny, 2026, 1, 4, 9, 0));
  // A pending SMS for account A (deferred overnight), then the DPD 90 event.
  h.send(delinquency("d0", "c1", "A", at(ny, 2026, 1, 4, 22, 0), 89));
  ASSERT_EQ(h.dispatcher().deferred_count(), 1u);
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 2, 0), 90));
  // The hand-off task goes out at once (an internal work item, no window),
  // the DPD 90 SMS joins the pending one, and the hand-off cancels it.
  const auto handoffs = h.sink.messages;
  ASSERT_EQ(handoffs.size(), 1u);
  EXPECT_EQ(handoffs[0].channel, Channel::kCall);
  EXPECT_TRUE(handoffs[0].handoff);
  EXPECT_EQ(handoffs[0].queue, "q.legal");
  EXPECT_EQ(handoffs[0].template_id, "t.handoff");
  EXPECT_EQ(handoffs[0].account_ids, (std::vector<std::string>{"A"}));
  EXPECT_EQ(h.customer("c1").accounts[0].status, state::AccountStatus::kHandedOff);
  EXPECT_EQ(h.dispatcher().deferred_count(), 0u);
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_HANDED_OFF).size(), 1u);

  // Later events for A: nothing, and never listed in B's reminders.
  h.send(delinquency("d2", "c1", "A", at(ny, 2026, 1, 6, 10, 0), 91));
  h.send(delinquency("d3", "c1", "A", at(ny, 2026, 1, 7, 10, 0), 92));
  h.send(delinquency("d4", "c1", "B", at(ny, 2026, 1, 7, 11, 0), 1));
  h.run_to(at(ny, 2026, 1, 9, 0, 0));
  ASSERT_EQ(h.sink.messages.size(), 2u);
  EXPECT_EQ(h.sink.messages[1].channel, Channel::kSms);
  EXPECT_EQ(h.sink.messages[1].account_ids, (std::vector<std::string>{"B"}));
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_HANDED_OFF).size(), 3u);
}

TEST_F(DispatcherRulesTest, RightPartyContactOutcomeBlocksCallsThroughTheDispatcher) {
  Policy p = base_policy();
  p.suppressions.right_party_block_days = 7;
  p.buckets[0].steps[2].at_dpd = {5, 6, 11, 12};  // calls
  Harness h(share(p));
  onboard(h, "c1", at(ny, 2026, 3, 1, 9, 0));
  h.send(outcome("o1", "c1", "A", at(ny, 2026, 3, 3, 15, 0), v1::CHANNEL_CALL,
                 v1::ContactOutcome::RIGHT_PARTY_CONTACT));
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 3, 9, 20, 0), 5));  // day 7
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_RIGHT_PARTY_BLOCK).size(), 1u);
  h.send(delinquency("d2", "c1", "A", at(ny, 2026, 3, 10, 8, 0), 6));  // day 8, at opening
  ASSERT_EQ(h.sink.messages.size(), 1u);
  EXPECT_EQ(h.sink.messages[0].channel, Channel::kCall);
  EXPECT_EQ(h.sink.messages[0].queue, "q.early");
}

TEST_F(DispatcherRulesTest, EveryRecheckHappensAtEmissionNotOnlyOnArrival) {
  // A call deferred overnight; overnight the customer opts out of calls and
  // the number is reported wrong for another; the rule that holds at 08:00
  // decides.
  Harness h(share(base_policy()));
  onboard(h, "c1", at(ny, 2026, 1, 5, 9, 0));
  onboard(h, "c2", at(ny, 2026, 1, 5, 9, 0), "+15550002");
  h.send(delinquency("d1", "c1", "A", at(ny, 2026, 1, 5, 23, 0), 5));
  h.send(delinquency("d2", "c2", "A", at(ny, 2026, 1, 5, 23, 0), 5));
  h.send(outcome("o1", "c1", "", at(ny, 2026, 1, 6, 1, 0), v1::CHANNEL_CALL,
                 v1::ContactOutcome::OPT_OUT_REQUESTED));
  h.send(outcome("o2", "c2", "", at(ny, 2026, 1, 6, 1, 0), v1::CHANNEL_CALL,
                 v1::ContactOutcome::WRONG_NUMBER));
  h.run_to(at(ny, 2026, 1, 6, 12, 0));
  EXPECT_TRUE(h.sink.messages.empty());
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_CHANNEL_OPT_OUT).size(), 1u);
  EXPECT_EQ(h.sink.with(v1::OUTCOME_SUPPRESSED, v1::REASON_INVALID_CONTACT_POINT).size(), 1u);
}

}  // namespace
}  // namespace reminder::rules
