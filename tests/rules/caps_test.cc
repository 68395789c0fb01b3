// Frequency caps, minimum gaps and the right-party block, each at its edges,
// through rules::decide (the one function every contact goes through).

#include <gtest/gtest.h>

#include "ingest/field_checks.h"
#include "rules/decide.h"
#include "rules/frequency_cap.h"
#include "rules/policy_builder.h"

namespace reminder::rules {
namespace {

using namespace reminder::rules::testing;
using v1::REASON_FREQUENCY_CAP;
using v1::REASON_MIN_GAP;
using v1::REASON_QUIET_HOURS;
using v1::REASON_RIGHT_PARTY_BLOCK;

constexpr std::uint32_t kA = 1u << 0;
constexpr std::uint32_t kB = 1u << 1;

ContactIntent intent(Channel ch, std::uint32_t mask = kA) { return ContactIntent{ch, mask, false}; }

class CapsTest : public ::testing::Test {
 protected:
  const absl::TimeZone ny = zone("America/New_York");
  const absl::TimeZone sh = zone("Asia/Shanghai");
  ZoneCatalog zones;
};

// ---------------------------------------------------------------------------
// Regulation F: at most 7 call attempts in any 7 consecutive days per debt.
// ---------------------------------------------------------------------------

Policy reg_f_policy(CapAction action = CapAction::kSuppress) {
  Policy p = base_policy();
  p.caps.push_back(
      rolling_cap("reg-f-calls", Channel::kCall, CapScope::kDebt, absl::Hours(24 * 7), 7, action));
  return p;
}

TEST_F(CapsTest, SeventhCallAllowedEighthSuppressedPerDebt) {
  const Policy p = reg_f_policy();
  auto c = customer("America/New_York", 2);
  const absl::Time first = at(ny, 2026, 1, 5, 10, 0, 0);  // Monday
  for (int k = 0; k < 6; ++k) add_attempt(c, first + absl::Hours(24 * k), Channel::kCall, kA);

  // 6 in the log: the 7th goes out.
  const absl::Time seventh = first + absl::Hours(24 * 6);
  auto d = decide(c, intent(Channel::kCall), seventh, p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend) << d.rule();
  add_attempt(c, seventh, Channel::kCall, kA);

  // 7 in the window: the 8th is suppressed, up to the last second before the
  // first attempt leaves the half-open window (t - 7d, t].
  for (absl::Time t : {seventh + absl::Hours(1), first + absl::Hours(24 * 7) - absl::Seconds(1)}) {
    d = decide(c, intent(Channel::kCall), t, p, zones);
    EXPECT_EQ(d.verdict, Verdict::kSuppress) << fmt(t, ny);
    EXPECT_EQ(d.reason, REASON_FREQUENCY_CAP);
    EXPECT_EQ(d.rule(), "caps.reg-f-calls");
  }
  // Exactly first + 7d: the first attempt is out of the window, 6 remain.
  d = decide(c, intent(Channel::kCall), first + absl::Hours(24 * 7), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSend) << d.rule();
  EXPECT_EQ(d.not_before, first + absl::Hours(24 * 7));
}

TEST_F(CapsTest, RegFCapIsPerDebtAndPerChannel) {
  const Policy p = reg_f_policy();
  auto c = customer("America/New_York", 2);
  const absl::Time first = at(ny, 2026, 1, 5, 10, 0, 0);
  for (int k = 0; k < 7; ++k) add_attempt(c, first + absl::Hours(k), Channel::kCall, kA);
  const absl::Time t = first + absl::Hours(8);

  // Another debt of the same customer is not capped; the capped debt is left
  // out of the consolidated call instead of being listed.
  auto d = decide(c, intent(Channel::kCall, kB), t, p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend) << d.rule();
  EXPECT_EQ(d.account_mask, kB);

  // A call for both: goes out about B only.
  d = decide(c, intent(Channel::kCall, kA | kB), t, p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend) << d.rule();
  EXPECT_EQ(d.account_mask, kB);

  // Texts are not call attempts.
  d = decide(c, intent(Channel::kSms, kA), t, p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend) << d.rule();
  EXPECT_EQ(d.account_mask, kA | kB);
}

TEST_F(CapsTest, ConsolidatedCallCountsAgainstEveryDebtItListed) {
  const Policy p = reg_f_policy();
  auto c = customer("America/New_York", 2);
  const absl::Time first = at(ny, 2026, 1, 5, 10, 0, 0);
  // 7 calls that each listed both debts.
  for (int k = 0; k < 7; ++k) add_attempt(c, first + absl::Hours(k), Channel::kCall, kA | kB);
  auto d = decide(c, intent(Channel::kCall, kB), first + absl::Hours(8), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSuppress);
  EXPECT_EQ(d.reason, REASON_FREQUENCY_CAP);
}

TEST_F(CapsTest, FutureAttemptsAndOtherChannelsAreNotCounted) {
  const Policy p = reg_f_policy();
  auto c = customer("America/New_York", 1);
  const absl::Time t = at(ny, 2026, 1, 12, 10, 0, 0);
  for (int k = 0; k < 6; ++k) add_attempt(c, t - absl::Hours(k + 1), Channel::kCall, kA);
  for (int k = 0; k < 5; ++k) add_attempt(c, t - absl::Minutes(k + 1), Channel::kSms, kA);
  EXPECT_EQ(decide(c, intent(Channel::kCall), t, p, zones).verdict, Verdict::kSend);
}

TEST_F(CapsTest, DeferringRollingCapDefersToTheExactInstantTheWindowFrees) {
  const Policy p = reg_f_policy(CapAction::kDefer);
  auto c = customer("America/New_York", 1);
  const absl::Time first = at(ny, 2026, 1, 5, 10, 0, 0);
  add_attempt(c, first, Channel::kCall, kA);
  add_attempt(c, first + absl::Minutes(30), Channel::kCall, kA);
  for (int k = 1; k < 6; ++k) add_attempt(c, first + absl::Hours(24 * k), Channel::kCall, kA);
  const auto d = decide(c, intent(Channel::kCall), first + absl::Hours(24 * 6), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_FREQUENCY_CAP);
  EXPECT_EQ(d.defer_until, first + absl::Hours(24 * 7)) << fmt(d.defer_until, ny);
  EXPECT_EQ(decide(c, intent(Channel::kCall), d.defer_until, p, zones).verdict, Verdict::kSend);
}

// ---------------------------------------------------------------------------
// Calendar caps: per customer per local day, resetting at local midnight.
// ---------------------------------------------------------------------------

Policy sms_day_cap_policy(int local_days = 1) {
  Policy p = base_policy();
  p.windows.clear();
  p.windows.push_back(window("all-day", hours(0, 0, 24, 0)));  // so midnight itself can send
  p.caps.push_back(
      day_cap("sms-per-day", Channel::kSms, CapScope::kCustomer, local_days, 1, CapAction::kDefer));
  return p;
}

TEST_F(CapsTest, LocalDayCapResetsAtLocalMidnightNotUtc) {
  const Policy p = sms_day_cap_policy();
  auto c = customer("Asia/Shanghai", 2, "CN");
  add_attempt(c, at(sh, 2026, 1, 6, 9, 0, 0), Channel::kSms, kA);

  // Same local day, another account: per customer, so deferred to midnight.
  const absl::Time last_second = at(sh, 2026, 1, 6, 23, 59, 59);
  auto d = decide(c, intent(Channel::kSms, kB), last_second, p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_FREQUENCY_CAP);
  EXPECT_EQ(d.rule(), "caps.sms-per-day");
  const absl::Time midnight = at(sh, 2026, 1, 7, 0, 0, 0);
  EXPECT_EQ(d.defer_until, midnight) << fmt(d.defer_until, sh);
  EXPECT_EQ(midnight, utc(2026, 1, 6, 16, 0, 0));  // still Jan 6 in UTC

  d = decide(c, intent(Channel::kSms, kB), midnight, p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSend) << d.rule();
  // A call is not an SMS.
  EXPECT_EQ(decide(c, intent(Channel::kCall, kB), last_second, p, zones).verdict, Verdict::kSend);
}

TEST_F(CapsTest, LocalDayCapOnTheSpringForwardDay) {
  const Policy p = sms_day_cap_policy();
  auto c = customer("America/New_York", 1);
  add_attempt(c, at(ny, 2026, 3, 8, 0, 30, 0), Channel::kSms, kA);  // 00:30 EST, a 23-hour day
  const auto d = decide(c, intent(Channel::kSms), at(ny, 2026, 3, 8, 23, 59, 59), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, at(ny, 2026, 3, 9, 0, 0, 0)) << fmt(d.defer_until, ny);
  EXPECT_EQ(d.defer_until, utc(2026, 3, 9, 4, 0, 0));  // EDT
}

// America/Santiago changes clocks at midnight: on 2026-09-06 00:00-00:59
// does not exist (the day starts at 01:00, 04:00Z); on 2026-04-04 the hour
// 23:00-23:59 happens twice (the day after starts at 04:00Z).
TEST_F(CapsTest, LocalDayCapWhenMidnightIsSkipped) {
  const Policy p = sms_day_cap_policy();
  auto c = customer("America/Santiago", 1, "CL");
  add_attempt(c, utc(2026, 9, 6, 0, 0, 0), Channel::kSms, kA);  // Sat Sep 5 20:00 -04
  auto d = decide(c, intent(Channel::kSms), utc(2026, 9, 6, 3, 59, 59), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 9, 6, 4, 0, 0));  // Sunday 01:00 -03, its first instant
  EXPECT_EQ(decide(c, intent(Channel::kSms), d.defer_until, p, zones).verdict, Verdict::kSend);
  // An attempt on the short Sunday counts for Sunday.
  add_attempt(c, utc(2026, 9, 6, 4, 30, 0), Channel::kSms, kA);              // Sun 01:30 -03
  d = decide(c, intent(Channel::kSms), utc(2026, 9, 7, 2, 0, 0), p, zones);  // Sun 23:00 -03
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 9, 7, 3, 0, 0));  // Mon 00:00 -03
}

TEST_F(CapsTest, LocalDayCapAcrossARepeatedLateHour) {
  const Policy p = sms_day_cap_policy();
  auto c = customer("America/Santiago", 1, "CL");
  // Sat 23:30, first occurrence (-03); then Sat 23:45, second occurrence (-04): same day.
  add_attempt(c, utc(2026, 4, 5, 2, 30, 0), Channel::kSms, kA);
  auto d = decide(c, intent(Channel::kSms), utc(2026, 4, 5, 3, 45, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 4, 5, 4, 0, 0));  // Sunday 00:00 -04
  EXPECT_EQ(decide(c, intent(Channel::kSms), d.defer_until, p, zones).verdict, Verdict::kSend);
  // An attempt in the second occurrence is Saturday's too: Sunday is free.
  auto c2 = customer("America/Santiago", 1, "CL");
  add_attempt(c2, utc(2026, 4, 5, 3, 30, 0), Channel::kSms, kA);
  EXPECT_EQ(decide(c2, intent(Channel::kSms), utc(2026, 4, 5, 4, 0, 0), p, zones).verdict,
            Verdict::kSend);
}

TEST_F(CapsTest, LocalDayCapOverTwoCalendarDays) {
  const Policy p = sms_day_cap_policy(/*local_days=*/2);
  auto c = customer("America/New_York", 1);
  add_attempt(c, at(ny, 2026, 1, 6, 23, 0, 0), Channel::kSms, kA);  // Tuesday late
  const auto d = decide(c, intent(Channel::kSms), at(ny, 2026, 1, 7, 23, 59, 59), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, at(ny, 2026, 1, 8, 0, 0, 0)) << fmt(d.defer_until, ny);
}

TEST_F(CapsTest, LocalDayCapCountsEveryPossibleZone) {
  // Unknown zone in the US: the attempt at 03:30Z on Jan 7 was on Jan 6
  // everywhere (22:30 in New York, 17:30 in Honolulu). At 05:30Z it is Jan 7
  // in New York but still Jan 6 in Honolulu: the day is over only once it is
  // over in every zone.
  const Policy p = sms_day_cap_policy();
  auto c = customer("", 1, "US");
  add_attempt(c, utc(2026, 1, 7, 3, 30, 0), Channel::kSms, kA);
  const auto d = decide(c, intent(Channel::kSms), utc(2026, 1, 7, 5, 30, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_FREQUENCY_CAP);
  // Jan 7 00:00 in Honolulu (UTC-10) is the last of the midnights.
  EXPECT_EQ(d.defer_until, utc(2026, 1, 7, 10, 0, 0));
}

// ---------------------------------------------------------------------------
// Minimum gap
// ---------------------------------------------------------------------------

TEST_F(CapsTest, MinGapDefersToTheEndOfTheGap) {
  Policy p = base_policy();
  p.min_gaps.push_back(min_gap("any-2h", std::nullopt, absl::Hours(2)));
  p.min_gaps.push_back(min_gap("calls-4h", Channel::kCall, absl::Hours(4)));
  auto c = customer("America/New_York", 1);
  const absl::Time last = at(ny, 2026, 1, 6, 10, 0, 0);
  add_attempt(c, last, Channel::kSms, kA);

  auto d = decide(c, intent(Channel::kEmail), last + absl::Hours(1), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_MIN_GAP);
  EXPECT_EQ(d.rule(), "min_gaps.any-2h");
  EXPECT_EQ(d.defer_until, last + absl::Hours(2));
  d = decide(c, intent(Channel::kEmail), last + absl::Hours(2) - absl::Seconds(1), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(decide(c, intent(Channel::kEmail), last + absl::Hours(2), p, zones).verdict,
            Verdict::kSend);
  // The call gap counts calls only: an SMS two hours ago does not hold a call.
  EXPECT_EQ(decide(c, intent(Channel::kCall), last + absl::Hours(2), p, zones).verdict,
            Verdict::kSend);
  add_attempt(c, last + absl::Hours(2), Channel::kCall, kA);
  d = decide(c, intent(Channel::kCall), last + absl::Hours(5), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.rule(), "min_gaps.calls-4h");
  EXPECT_EQ(d.defer_until, last + absl::Hours(6));
}

TEST_F(CapsTest, MinGapEndingAfterCloseIsRecheckedAgainstTheWindow) {
  Policy p = base_policy();
  p.min_gaps.push_back(min_gap("any-2h", std::nullopt, absl::Hours(2)));
  auto c = customer("America/New_York", 1);
  add_attempt(c, at(ny, 2026, 1, 6, 20, 0, 0), Channel::kSms, kA);
  auto d = decide(c, intent(Channel::kEmail), at(ny, 2026, 1, 6, 20, 30, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  ASSERT_EQ(d.defer_until, at(ny, 2026, 1, 6, 22, 0, 0));
  // When it comes due the window is closed: deferred again to the opening.
  d = decide(c, intent(Channel::kEmail), d.defer_until, p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_QUIET_HOURS);
  EXPECT_EQ(d.defer_until, at(ny, 2026, 1, 7, 8, 0, 0));
}

// ---------------------------------------------------------------------------
// Right-party contact: no call about that debt for 7 local days, the
// conversation's day counting as day one.
// ---------------------------------------------------------------------------

Policy rpc_policy() {
  Policy p = base_policy();
  p.windows.clear();
  p.windows.push_back(window("all-day", hours(0, 0, 24, 0)));
  p.suppressions.right_party_block_days = 7;
  return p;
}

TEST_F(CapsTest, RightPartyBlockThroughDaySevenAllowedOnDayEightAtMidnight) {
  const Policy p = rpc_policy();
  auto c = customer("America/New_York", 2);
  // Tuesday Mar 3, late in the day: still day one. DST starts on day six.
  c.accounts[0].last_right_party_contact = secs(at(ny, 2026, 3, 3, 23, 59, 0));

  for (absl::Time t : {at(ny, 2026, 3, 3, 23, 59, 30), at(ny, 2026, 3, 4, 0, 0, 0),
                       at(ny, 2026, 3, 9, 12, 0, 0), at(ny, 2026, 3, 9, 23, 59, 59)}) {
    const auto d = decide(c, intent(Channel::kCall), t, p, zones);
    EXPECT_EQ(d.verdict, Verdict::kSuppress) << fmt(t, ny);
    EXPECT_EQ(d.reason, REASON_RIGHT_PARTY_BLOCK) << fmt(t, ny);
  }
  const absl::Time day8 = at(ny, 2026, 3, 10, 0, 0, 0);
  EXPECT_EQ(day8, utc(2026, 3, 10, 4, 0, 0));  // midnight EDT
  const auto d = decide(c, intent(Channel::kCall), day8, p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSend) << d.rule();
}

TEST_F(CapsTest, RightPartyBlockIsForCallsAboutThatDebtOnly) {
  const Policy p = rpc_policy();
  auto c = customer("America/New_York", 2);
  c.accounts[0].last_right_party_contact = secs(at(ny, 2026, 3, 3, 15, 0, 0));
  const absl::Time t = at(ny, 2026, 3, 4, 10, 0, 0);
  EXPECT_EQ(decide(c, intent(Channel::kSms), t, p, zones).verdict, Verdict::kSend);
  const auto d = decide(c, intent(Channel::kCall, kB), t, p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.account_mask, kB);  // A is not discussed in this call
}

TEST_F(CapsTest, RightPartyBlockWithUnknownZoneEndsWhenDayEightStartsEverywhere) {
  const Policy p = rpc_policy();
  auto c = customer("", 1, "US");
  // 03:00Z Mar 3 = Mar 2 22:00 in New York, Mar 2 17:00 in Honolulu: day one is Mar 2 everywhere.
  c.accounts[0].last_right_party_contact = secs(utc(2026, 3, 3, 3, 0, 0));
  // Mar 9 00:00 in Honolulu (UTC-10, no DST) = 10:00Z.
  auto d = decide(c, intent(Channel::kCall), utc(2026, 3, 9, 9, 59, 59), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSuppress);
  EXPECT_EQ(d.reason, REASON_RIGHT_PARTY_BLOCK);
  d = decide(c, intent(Channel::kCall), utc(2026, 3, 9, 10, 0, 0), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSend) << d.rule();
}

// decide() skips the civil-time work for conversations older than the bound:
// it must hold in every zone a customer can have, DST and offset changes
// included, for days 1..30 and conversations across the decoder's years.
TEST(RightPartyBlockBound, HoldsInEveryTzdataZone) {
  int zones_checked = 0;
  for (const std::string_view name : ingest::known_tz_names()) {
    absl::TimeZone tz;
    ASSERT_TRUE(absl::LoadTimeZone(std::string(name), &tz)) << name;
    ++zones_checked;
    for (absl::Time conversation = absl::FromCivil(absl::CivilSecond(2000, 1, 1, 0, 0, 1), tz);
         conversation < absl::FromCivil(absl::CivilDay(2100, 1, 1), tz);
         conversation += absl::Hours(24 * 97 + 7) + absl::Minutes(13)) {
      for (int days : {1, 7, 30}) {
        const absl::TimeZone one[] = {tz};
        const absl::Time release = right_party_block_release(conversation, days, one);
        ASSERT_LE(release, conversation + right_party_block_bound(days))
            << name << " " << absl::FormatTime(conversation, tz) << " days " << days;
        ASSERT_GT(release, conversation) << name;
      }
    }
  }
  EXPECT_GT(zones_checked, 400);
}

}  // namespace
}  // namespace reminder::rules
