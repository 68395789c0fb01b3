// Contact windows at their edges, through rules::decide: the first and last
// minute, closed dates, DST days in New York and London (with windows whose
// edges sit inside the skipped / repeated hour), Asia/Shanghai, and an
// unknown zone in a US jurisdiction (only the intersection of every zone).
//
// The DST sweeps check every minute of the DST days independently: each
// instant decide() returns (not_before, every minute up to not_after, and
// defer_until) is converted with absl::ToCivilSecond and compared with the
// local hours, without using the engine's window code.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/decide.h"
#include "rules/policy_builder.h"

namespace reminder::rules {
namespace {

using namespace reminder::rules::testing;
using v1::REASON_CLOSED_DAY;
using v1::REASON_QUIET_HOURS;

ContactIntent sms() { return ContactIntent{Channel::kSms, 1u, false}; }

class WindowsTest : public ::testing::Test {
 protected:
  const absl::TimeZone ny = zone("America/New_York");
  const absl::TimeZone london = zone("Europe/London");
  const absl::TimeZone sh = zone("Asia/Shanghai");
  ZoneCatalog zones;
};

TEST_F(WindowsTest, FirstMinuteSendsLastSecondBeforeOpenDefers) {
  const Policy p = base_policy();
  const auto c = customer("America/New_York");
  auto d = decide(c, sms(), at(ny, 2026, 1, 6, 7, 59, 59), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_QUIET_HOURS);
  EXPECT_EQ(d.rule(), "windows.day");
  EXPECT_EQ(d.defer_until, at(ny, 2026, 1, 6, 8, 0, 0));

  d = decide(c, sms(), at(ny, 2026, 1, 6, 8, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.not_before, at(ny, 2026, 1, 6, 8, 0, 0));
  EXPECT_EQ(d.not_after, at(ny, 2026, 1, 6, 21, 0, 0));
}

TEST_F(WindowsTest, LastMinuteSendsWithNotAfterAtCloseAndCloseDefersToNextDay) {
  const Policy p = base_policy();
  const auto c = customer("America/New_York");
  for (absl::Time t : {at(ny, 2026, 1, 6, 20, 59, 0), at(ny, 2026, 1, 6, 20, 59, 59)}) {
    const auto d = decide(c, sms(), t, p, zones);
    ASSERT_EQ(d.verdict, Verdict::kSend) << fmt(t, ny);
    EXPECT_EQ(d.not_before, t);
    EXPECT_EQ(d.not_after, at(ny, 2026, 1, 6, 21, 0, 0));
  }
  const auto d = decide(c, sms(), at(ny, 2026, 1, 6, 21, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_QUIET_HOURS);
  EXPECT_EQ(d.defer_until, at(ny, 2026, 1, 7, 8, 0, 0));
}

TEST_F(WindowsTest, ClosedDateDefersWithClosedDayToTheNextOpenDay) {
  Policy p = base_policy();
  p.windows.clear();
  auto w = window("us", hours(8, 0, 21, 0), {}, std::nullopt, {absl::CivilDay(2026, 1, 19)});
  w.hours[6].reset();  // closed on Sundays too
  p.windows.push_back(w);
  const auto c = customer("America/New_York");

  // On the holiday (Monday, MLK day): closed day, to Tuesday 08:00.
  auto d = decide(c, sms(), at(ny, 2026, 1, 19, 10, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_CLOSED_DAY);
  EXPECT_EQ(d.defer_until, at(ny, 2026, 1, 20, 8, 0, 0)) << fmt(d.defer_until, ny);
  // Saturday after close: Sunday closed, Monday holiday: Tuesday 08:00.
  d = decide(c, sms(), at(ny, 2026, 1, 17, 21, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, at(ny, 2026, 1, 20, 8, 0, 0)) << fmt(d.defer_until, ny);
  // The holiday is a local date: 03:00Z on Jan 20 is still Jan 19 in New York.
  d = decide(c, sms(), utc(2026, 1, 20, 3, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_CLOSED_DAY);
}

TEST_F(WindowsTest, ShanghaiWindowAndSpringFestival) {
  Policy p = base_policy();
  p.windows.push_back(window(
      "cn", hours(8, 0, 22, 0), {"CN"}, std::nullopt,
      {absl::CivilDay(2026, 2, 16), absl::CivilDay(2026, 2, 17), absl::CivilDay(2026, 2, 18)}));
  const auto c = customer("Asia/Shanghai", 1, "CN");

  auto d = decide(c, sms(), at(sh, 2026, 1, 6, 7, 59, 59), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.rule(), "windows.cn");
  EXPECT_EQ(d.defer_until, utc(2026, 1, 6, 0, 0, 0));  // 08:00 CST
  d = decide(c, sms(), at(sh, 2026, 1, 6, 21, 59, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.not_after, utc(2026, 1, 6, 14, 0, 0));  // 22:00 CST
  d = decide(c, sms(), at(sh, 2026, 1, 6, 22, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, at(sh, 2026, 1, 7, 8, 0, 0));

  d = decide(c, sms(), at(sh, 2026, 2, 16, 9, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_CLOSED_DAY);
  EXPECT_EQ(d.defer_until, at(sh, 2026, 2, 19, 8, 0, 0)) << fmt(d.defer_until, sh);
}

TEST_F(WindowsTest, SpringForwardMorningOpensAtLocalEightNotUtcShifted) {
  const Policy p = base_policy();
  const auto c = customer("America/New_York");
  // 08:00 EDT on Mar 8 is 12:00Z (the day before it was 13:00Z).
  auto d = decide(c, sms(), utc(2026, 3, 8, 11, 59, 59), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 3, 8, 12, 0, 0));
  d = decide(c, sms(), utc(2026, 3, 7, 12, 30, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 3, 7, 13, 0, 0));
  d = decide(c, sms(), utc(2026, 11, 1, 12, 30, 0), p, zones);  // 07:30 EST after fall-back
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 11, 1, 13, 0, 0));
}

// ---------------------------------------------------------------------------
// Minute-by-minute sweeps across DST days
// ---------------------------------------------------------------------------

// Independent check: is local time `t` inside the hours in `tz`?
bool locally_open(absl::Time t, const absl::TimeZone& tz, LocalHours h) {
  const absl::CivilSecond cs = absl::ToCivilSecond(t, tz);
  const int minute = cs.hour() * 60 + cs.minute();
  return minute >= h.open_minute && minute < h.close_minute;
}

struct SweepResult {
  int minutes = 0;
  int sends = 0;
  int locally_open_minutes = 0;
};

// Every minute from `from` to `to`: decide; every returned instant must be
// locally open in every zone of `tzs`. Returns counts for liveness checks.
SweepResult sweep(const state::CustomerState& c, const Policy& p, const ZoneCatalog& zones,
                  const std::vector<absl::TimeZone>& tzs, LocalHours h, absl::Time from,
                  absl::Time to) {
  SweepResult r;
  auto open_everywhere = [&](absl::Time t) {
    for (const auto& tz : tzs) {
      if (!locally_open(t, tz, h)) return false;
    }
    return true;
  };
  auto where = [&](absl::Time t) {
    return fmt(t, tzs.front()) + " (" + fmt(t, absl::UTCTimeZone()) + ")";
  };
  for (absl::Time t = from; t < to; t += absl::Minutes(1)) {
    ++r.minutes;
    if (open_everywhere(t)) ++r.locally_open_minutes;
    const auto d = decide(c, sms(), t, p, zones);
    switch (d.verdict) {
      case Verdict::kSend: {
        ++r.sends;
        EXPECT_EQ(d.not_before, t);
        EXPECT_GT(d.not_after, t);
        EXPECT_LE(d.not_after - t, absl::Hours(25));
        EXPECT_TRUE(open_everywhere(t)) << "sent at " << where(t);
        // The gateway may deliver at any instant up to not_after: check
        // each minute of it and its last second.
        for (absl::Time u = t; u < d.not_after; u += absl::Minutes(1)) {
          if (!open_everywhere(u)) {
            ADD_FAILURE() << "decided at " << where(t) << ": delivery window up to "
                          << where(d.not_after) << " covers " << where(u);
            break;
          }
        }
        EXPECT_TRUE(open_everywhere(d.not_after - absl::Seconds(1)))
            << "decided at " << where(t) << ", not_after " << where(d.not_after);
        break;
      }
      case Verdict::kDefer: {
        EXPECT_GT(d.defer_until, t);
        EXPECT_TRUE(open_everywhere(d.defer_until))
            << "decided at " << where(t) << ": deferred to " << where(d.defer_until);
        const auto again = decide(c, sms(), d.defer_until, p, zones);
        EXPECT_EQ(again.verdict, Verdict::kSend) << "deferred to " << where(d.defer_until);
        break;
      }
      case Verdict::kSuppress:
        ADD_FAILURE() << "suppressed at " << where(t) << ": " << d.rule();
        break;
    }
  }
  return r;
}

struct DstCase {
  std::string zone;
  absl::CivilDay day;  // the DST day
  LocalHours hours;
  std::string label;
};

void PrintTo(const DstCase& k, std::ostream* os) {
  *os << k.label << " (" << k.zone << ", " << k.day << ")";
}

std::string case_name(const ::testing::TestParamInfo<DstCase>& info) { return info.param.label; }

class DstSweep : public ::testing::TestWithParam<DstCase> {};

TEST_P(DstSweep, NoInstantOutsideTheLocalWindowIsEverReturned) {
  const DstCase& k = GetParam();
  ZoneCatalog zones;
  Policy p = base_policy();
  p.windows.clear();
  p.windows.push_back(window("w", k.hours));
  const auto c = customer(k.zone, 1, k.zone == "Europe/London" ? "GB" : "US-NY");
  const absl::TimeZone tz = zone(k.zone);
  // From noon the day before to noon the day after, minute by minute.
  const absl::Time from = absl::FromCivil(absl::CivilSecond(k.day - 1) + 12 * 3600, tz);
  const absl::Time to = absl::FromCivil(absl::CivilSecond(k.day + 1) + 12 * 3600, tz);
  const SweepResult r = sweep(c, p, zones, {tz}, k.hours, from, to);
  EXPECT_GT(r.minutes, 2800);
  // Liveness: the engine may give up at most the repeated hour (it keeps one
  // occurrence of a repeated local time), never more.
  EXPECT_GT(r.sends, 0);
  EXPECT_LE(r.sends, r.locally_open_minutes);
  EXPECT_GE(r.sends, r.locally_open_minutes - 60);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, DstSweep,
    ::testing::Values(
        // New York: Mar 8 2026 02:00 EST -> 03:00 EDT; Nov 1 2026 02:00 EDT -> 01:00 EST.
        DstCase{"America/New_York", absl::CivilDay(2026, 3, 8), hours(8, 0, 21, 0), "NySpringDay"},
        DstCase{"America/New_York", absl::CivilDay(2026, 11, 1), hours(8, 0, 21, 0), "NyFallDay"},
        DstCase{"America/New_York", absl::CivilDay(2026, 3, 8), hours(1, 30, 2, 30),
                "NySpringCloseInSkippedHour"},
        DstCase{"America/New_York", absl::CivilDay(2026, 3, 8), hours(2, 15, 3, 15),
                "NySpringOpenInSkippedHour"},
        DstCase{"America/New_York", absl::CivilDay(2026, 3, 8), hours(2, 0, 3, 0),
                "NySpringWholeWindowSkipped"},
        DstCase{"America/New_York", absl::CivilDay(2026, 11, 1), hours(1, 30, 2, 30),
                "NyFallOpenInRepeatedHour"},
        DstCase{"America/New_York", absl::CivilDay(2026, 11, 1), hours(0, 30, 1, 30),
                "NyFallCloseInRepeatedHour"},
        DstCase{"America/New_York", absl::CivilDay(2026, 11, 1), hours(1, 10, 1, 50),
                "NyFallWindowInsideRepeatedHour"},
        DstCase{"America/New_York", absl::CivilDay(2026, 11, 1), hours(0, 0, 24, 0),
                "NyFallAllDay"},
        // London: Mar 29 2026 01:00 GMT -> 02:00 BST; Oct 25 2026 02:00 BST -> 01:00 GMT.
        DstCase{"Europe/London", absl::CivilDay(2026, 3, 29), hours(8, 0, 21, 0),
                "LondonSpringDay"},
        DstCase{"Europe/London", absl::CivilDay(2026, 10, 25), hours(8, 0, 21, 0), "LondonFallDay"},
        DstCase{"Europe/London", absl::CivilDay(2026, 3, 29), hours(0, 30, 1, 30),
                "LondonSpringCloseInSkippedHour"},
        DstCase{"Europe/London", absl::CivilDay(2026, 3, 29), hours(1, 30, 2, 30),
                "LondonSpringOpenInSkippedHour"},
        DstCase{"Europe/London", absl::CivilDay(2026, 10, 25), hours(1, 30, 2, 30),
                "LondonFallOpenInRepeatedHour"},
        DstCase{"Europe/London", absl::CivilDay(2026, 10, 25), hours(0, 30, 1, 30),
                "LondonFallCloseInRepeatedHour"}),
    case_name);

TEST_F(WindowsTest, SpringForwardDayWhoseWholeWindowIsSkippedSendsNothingThatDay) {
  // 02:00-03:00 does not exist in New York on Mar 8: deferred to Mar 9 02:00.
  Policy p = base_policy();
  p.windows.clear();
  p.windows.push_back(window("w", hours(2, 0, 3, 0)));
  const auto c = customer("America/New_York");
  const auto d = decide(c, sms(), at(ny, 2026, 3, 8, 1, 59, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, at(ny, 2026, 3, 9, 2, 0, 0)) << fmt(d.defer_until, ny);
}

TEST_F(WindowsTest, ExactTransitionInstantsInLondon) {
  Policy p = base_policy();
  p.windows.clear();
  p.windows.push_back(window("w", hours(1, 30, 2, 30)));
  const auto c = customer("Europe/London", 1, "GB");
  // Spring: 01:30-02:00 GMT never happens; the window is 02:00-02:30 BST = 01:00-01:30Z.
  auto d = decide(c, sms(), utc(2026, 3, 29, 0, 59, 59), p, zones);  // 00:59:59 GMT
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 3, 29, 1, 0, 0));
  d = decide(c, sms(), utc(2026, 3, 29, 1, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.not_after, utc(2026, 3, 29, 1, 30, 0));
  // Fall: 01:30 BST (00:30Z) is followed by 01:00 GMT (01:00Z), outside the
  // window: the first occurrence is not used; 01:30-02:30 GMT is.
  d = decide(c, sms(), utc(2026, 10, 25, 0, 30, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 10, 25, 1, 30, 0));
  d = decide(c, sms(), utc(2026, 10, 25, 2, 29, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.not_after, utc(2026, 10, 25, 2, 30, 0));
}

// ---------------------------------------------------------------------------
// Unknown zone: the contact must be convenient in every possible zone.
// ---------------------------------------------------------------------------

TEST_F(WindowsTest, UnknownZoneInUsOnlyTheIntersectionIsAllowed) {
  const Policy p = base_policy();
  const auto c = customer("", 1, "US-FL");  // no entry of its own: the "US" list
  // Winter: 08:00 Honolulu (UTC-10) = 13:00 New York (UTC-5) = 18:00Z;
  // 21:00 New York = 02:00Z.
  auto d = decide(c, sms(), at(ny, 2026, 1, 13, 12, 59, 59), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.reason, REASON_QUIET_HOURS);
  EXPECT_EQ(d.defer_until, at(ny, 2026, 1, 13, 13, 0, 0));
  EXPECT_EQ(d.defer_until, utc(2026, 1, 13, 18, 0, 0));
  d = decide(c, sms(), utc(2026, 1, 13, 18, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.not_after, utc(2026, 1, 14, 2, 0, 0));
  d = decide(c, sms(), utc(2026, 1, 14, 1, 59, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.not_after, utc(2026, 1, 14, 2, 0, 0));
  d = decide(c, sms(), utc(2026, 1, 14, 2, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 1, 14, 18, 0, 0));
  // Summer: New York is UTC-4, Honolulu still UTC-10: 14:00-21:00 EDT.
  d = decide(c, sms(), utc(2026, 7, 14, 17, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 7, 14, 18, 0, 0));
  d = decide(c, sms(), utc(2026, 7, 14, 18, 0, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.not_after, utc(2026, 7, 15, 1, 0, 0));
}

TEST_F(WindowsTest, UnknownZoneSweepAcrossUsSpringForward) {
  const Policy p = base_policy();
  const auto c = customer("", 1, "US");
  std::vector<absl::TimeZone> tzs;
  for (const auto& n : p.jurisdiction_zones.at("US")) tzs.push_back(zone(n));
  const SweepResult r = sweep(c, p, zones, tzs, hours(8, 0, 21, 0), utc(2026, 3, 7, 12, 0, 0),
                              utc(2026, 3, 10, 12, 0, 0));
  EXPECT_GT(r.sends, 0);
  EXPECT_EQ(r.sends, r.locally_open_minutes);  // no repeated hour here: exact
}

TEST_F(WindowsTest, JurisdictionWithTwoZonesAndNoZoneAtAll) {
  Policy p = base_policy();
  // US-TX: Chicago and Denver. 08:00 Denver (UTC-7) = 15:00Z in January.
  auto c = customer("", 1, "US-TX");
  auto d = decide(c, sms(), utc(2026, 1, 13, 14, 30, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.defer_until, utc(2026, 1, 13, 15, 0, 0));
  d = decide(c, sms(), utc(2026, 1, 14, 2, 59, 0), p, zones);  // 20:59 Chicago
  ASSERT_EQ(d.verdict, Verdict::kSend);
  EXPECT_EQ(d.not_after, utc(2026, 1, 14, 3, 0, 0));
  // Neither zone nor a known jurisdiction, and no fallback zones: no contact.
  c = customer("", 1, "FR");
  d = decide(c, sms(), utc(2026, 1, 13, 12, 0, 0), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSuppress);
  EXPECT_EQ(d.reason, v1::REASON_NO_TIME_ZONE);
  // ... unless the policy names zones for such customers.
  p.unknown_location_zones = {"Europe/Paris"};
  d = decide(c, sms(), utc(2026, 1, 13, 12, 0, 0), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSend);
}

TEST_F(WindowsTest, DisjointZonesAreNeverContacted) {
  // 08:00-12:00 in New York and in Honolulu never overlap: suppressed, not
  // sent at a guess.
  Policy p = base_policy();
  p.windows.clear();
  p.windows.push_back(window("morning", hours(8, 0, 12, 0)));
  p.jurisdiction_zones["XX"] = {"America/New_York", "Pacific/Honolulu"};
  const auto c = customer("", 1, "XX");
  const auto d = decide(c, sms(), utc(2026, 1, 13, 12, 0, 0), p, zones);
  EXPECT_EQ(d.verdict, Verdict::kSuppress);
  EXPECT_EQ(d.reason, REASON_QUIET_HOURS);
}

TEST_F(WindowsTest, MostSpecificWindowWins) {
  Policy p = base_policy();
  p.windows.push_back(window("us-calls", hours(9, 0, 20, 0), {"US"}, Channel::kCall));
  p.windows.push_back(window("ny", hours(10, 0, 19, 0), {"US-NY"}));
  const auto c = customer("America/New_York");
  auto d = decide(c, sms(), at(ny, 2026, 1, 6, 9, 30, 0), p, zones);
  ASSERT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.rule(), "windows.ny");
  EXPECT_EQ(d.defer_until, at(ny, 2026, 1, 6, 10, 0, 0));
}

}  // namespace
}  // namespace reminder::rules
