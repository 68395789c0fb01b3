// The morning wave: a million contacts deferred across the world's zones,
// released at their local window openings through four partitions' pacers
// on one simulated clock. Checked as a gateway and an auditor would:
//  - no channel exceeds its capacity in any second (SMS, email) or hour
//    (the call queue), counting all partitions together;
//  - every contact goes out inside its local window, or is re-deferred with
//    a reason (the call window is kept short so that some must be) and goes
//    out in a later window; none twice, none lost;
//  - the schedule's memory per deferred contact is reported (bench/RESULTS.md).
//
// REMINDERD_WAVE_CONTACTS sets the size (default 1,000,000; the sanitizer
// run in scripts/test.sh uses fewer).

#include <absl/container/flat_hash_set.h>
#include <absl/strings/numbers.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "pipeline/dispatcher.h"
#include "rules/policy_builder.h"

namespace reminder::rules::testing {
namespace {

using v1::Decision;

constexpr int kSmsPerSecond = 400;
constexpr int kEmailPerSecond = 800;
// Calls per hour on the queue at a million contacts; scaled with the size so
// that the call queue overflows its one-hour window at any size.
constexpr int kCallsPerHourAtAMillion = 3600;
int calls_per_hour(int contacts) {
  return std::max(36, static_cast<int>(std::int64_t{kCallsPerHourAtAMillion} * contacts / 1'000'000));
}
constexpr int kPartitions = 4;

// Whole, half and quarter hours, both hemispheres (DST in March differs).
const char* const kZones[] = {
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Phoenix", "America/Chicago", "America/Mexico_City", "America/New_York",
    "America/Bogota", "America/Halifax", "America/St_Johns", "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires", "Atlantic/Azores", "Europe/London", "Africa/Lagos",
    "Europe/Paris", "Europe/Berlin", "Africa/Johannesburg", "Europe/Athens",
    "Europe/Istanbul", "Europe/Moscow", "Asia/Tehran", "Asia/Dubai",
    "Asia/Kabul", "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu",
    "Asia/Dhaka", "Asia/Yangon", "Asia/Bangkok", "Asia/Shanghai",
    "Asia/Singapore", "Australia/Perth", "Australia/Eucla", "Asia/Tokyo",
    "Australia/Adelaide", "Australia/Sydney", "Pacific/Noumea", "Pacific/Auckland",
    "Pacific/Chatham", "Pacific/Tongatapu"};
constexpr int kZoneCount = static_cast<int>(std::size(kZones));

int contacts_from_env() {
  const char* v = std::getenv("REMINDERD_WAVE_CONTACTS");
  int n = 0;
  if (v != nullptr && absl::SimpleAtoi(v, &n) && n > 0) return n;
  return 1'000'000;
}

// Customer i: zone i % kZoneCount; 70% SMS (DPD 1), 20% email (DPD 3), 10%
// call (DPD 5) -- the base policy's strategy.
int dpd_of(int i) {
  const int r = (i / kZoneCount) % 10;
  return r < 7 ? 1 : r < 9 ? 3 : 5;
}

Policy wave_policy(int calls_per_hour) {
  Policy p = base_policy();
  p.windows.clear();
  p.windows.push_back(window("day", hours(8, 0, 21, 0)));
  // Calls only 08:00-09:00: short enough that the queue cannot drain in one
  // window where several zones open together.
  p.windows.push_back(window("calls", hours(8, 0, 9, 0), {}, Channel::kCall));
  p.pacing.spread = absl::Minutes(15);
  p.pacing.sms = ChannelCapacity{kSmsPerSecond, absl::Seconds(1)};
  p.pacing.email = ChannelCapacity{kEmailPerSecond, absl::Seconds(1)};
  p.pacing.call_per_hour_by_queue["q.early"] = calls_per_hour;
  return p;
}

std::uint64_t hex64(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) v = v * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return v;
}

// Streams every decision and message through the checks; keeps counts, not
// records (a million of them would dwarf what is measured).
class WaveChecker final : public pipeline::DispatchSink {
 public:
  WaveChecker(std::vector<absl::TimeZone> zones, int calls_per_hour)
      : zones_(std::move(zones)), calls_per_hour_(calls_per_hour) {}

  void on_decision(const Decision& d) override {
    switch (d.outcome()) {
      case v1::OUTCOME_SENT: on_sent(d); break;
      case v1::OUTCOME_DEFERRED:
        ++deferred;
        if (d.reason() == v1::REASON_WINDOW_EXPIRED) ++window_expired;
        if (d.reason() == v1::REASON_PACING) ++queued;
        if (d.reason() == v1::REASON_UNSPECIFIED) ++without_reason;
        break;
      case v1::OUTCOME_SUPPRESSED: ++suppressed; break;
      case v1::OUTCOME_NO_CONTACT:
      case v1::OUTCOME_UNSPECIFIED:
      case v1::Outcome_INT_MIN_SENTINEL_DO_NOT_USE_:
      case v1::Outcome_INT_MAX_SENTINEL_DO_NOT_USE_:
        break;
    }
  }
  void on_sms(const v1::SmsMessage& m) override { message(m); }
  void on_email(const v1::EmailMessage& m) override { message(m); }
  void on_call(const v1::CallTask& m) override { message(m); }

  std::int64_t sent = 0, deferred = 0, window_expired = 0, queued = 0, suppressed = 0;
  std::int64_t without_reason = 0, twice = 0, outside_window = 0, messages = 0, late = 0;
  std::array<std::int64_t, 3> sent_by_channel{};
  std::array<std::int64_t, 3> over_capacity{};  // periods in which the limit was exceeded
  std::array<std::int64_t, 3> peak{};           // most in one period
  std::array<std::int64_t, 3> sent_after_redeferral{};

 private:
  void on_sent(const Decision& d) {
    ++sent;
    const int ch = d.channel() - 1;
    ++sent_by_channel[ch];
    const auto& id = d.dispatch_id();
    if (!ids_.insert({hex64(id.substr(0, 16)), hex64(id.substr(16))}).second) ++twice;
    // Capacity, by calendar second (SMS, email) or hour (calls): decisions
    // arrive in simulated-time order, so one running count per channel.
    const std::int64_t t = d.decided_at().seconds();
    const std::int64_t period = ch == 2 ? t / 3600 : t;
    const std::int64_t limit = ch == 0 ? kSmsPerSecond : ch == 1 ? kEmailPerSecond : calls_per_hour_;
    if (period != period_[ch]) {
      period_[ch] = period;
      count_[ch] = 0;
    }
    if (++count_[ch] == limit + 1) ++over_capacity[ch];
    peak[ch] = std::max(peak[ch], count_[ch]);
    // Inside the customer's local window.
    int i = 0;
    if (!absl::SimpleAtoi(d.customer_id().substr(1), &i)) std::abort();
    const absl::CivilSecond local =
        absl::ToCivilSecond(absl::FromUnixSeconds(t), zones_[static_cast<std::size_t>(i % kZoneCount)]);
    const int close_hour = ch == 2 ? 9 : 21;
    if (local.hour() < 8 || local.hour() >= close_hour) ++outside_window;
    if (d.event_id().empty() && expired_.contains(i)) ++sent_after_redeferral[ch];
  }
  template <class M>
  void message(const M& m) {
    ++messages;
    if (m.not_after().seconds() <= m.not_before().seconds()) ++late;
  }

 public:
  absl::flat_hash_set<int> expired_;  // customers re-deferred at least once (filled by the test)

 private:
  std::vector<absl::TimeZone> zones_;
  std::int64_t calls_per_hour_;
  absl::flat_hash_set<std::pair<std::uint64_t, std::uint64_t>> ids_;
  std::array<std::int64_t, 3> period_ = {-1, -1, -1};
  std::array<std::int64_t, 3> count_{};
};

TEST(DeferredWave, AMillionContactsAcrossTheWorldsZones) {
  const int n = contacts_from_env();
  std::vector<absl::TimeZone> zones;
  for (const char* z : kZones) zones.push_back(zone(z));
  const int calls_hourly = calls_per_hour(n);
  const PolicyPtr policy = share(wave_policy(calls_hourly));
  ZoneCatalog catalog;
  metrics::NullProbes probes;
  std::vector<std::unique_ptr<pipeline::Dispatcher>> parts;
  for (int p = 0; p < kPartitions; ++p) {
    parts.push_back(std::make_unique<pipeline::Dispatcher>(policy, catalog, probes, probes,
                                                           scheduler::PacingShare{p, kPartitions}));
  }
  WaveChecker check(zones, calls_hourly);
  const auto wall_start = std::chrono::steady_clock::now();

  // 06:00 UTC: some zones are inside their window (their contacts queue for
  // capacity at once), most are not (released at their 08:00 plus spread).
  const absl::Time t0 = utc(2026, 3, 10, 6);
  for (int i = 0; i < n; ++i) {
    const std::string id = "w" + std::to_string(i);
    auto& d = *parts[static_cast<std::size_t>(i % kPartitions)];
    ASSERT_FALSE(d.on_event(profile("p" + id, id, t0 - absl::Hours(1),
                                    kZones[i % kZoneCount], "", "+15550000001", "w@example.com"),
                            t0 - absl::Hours(1), check));
    ASSERT_FALSE(d.on_event(delinquency("d" + id, id, "A", t0, dpd_of(i)), t0, check));
  }
  for (auto& d : parts) d->take_changed([](const state::CustomerState&) {});
  std::int64_t deferred = 0, schedule_bytes = 0;
  for (auto& d : parts) {
    const auto s = d->summarize(t0);
    deferred += s.deferred_total;
    schedule_bytes += s.schedule_bytes;
  }
  // Everything waits at 06:00 UTC, but the few that found a free slot.
  ASSERT_EQ(deferred + check.sent, n);
  ASSERT_LE(check.sent, 3 * kPartitions);
  const double bytes_per_deferred = static_cast<double>(schedule_bytes) / static_cast<double>(deferred);
  EXPECT_LT(bytes_per_deferred, 64.0);

  // The simulated clock, wherever the next due instant or pacing slot is.
  absl::Time now = t0;
  const absl::Time end = t0 + absl::Hours(24 * 5);
  std::int64_t steps = 0;
  std::int64_t last_expired = 0;
  while (true) {
    std::optional<absl::Time> next;
    for (auto& d : parts) {
      if (auto w = d->next_wake(now); w && (!next || *w < *next)) next = w;
    }
    if (!next || *next > end) break;
    now = std::max(now, *next);
    for (auto& d : parts) d->fire_due(now, check);
    ++steps;
    if (check.window_expired != last_expired) {
      // Remember who was re-deferred, to see them go out in a later window.
      last_expired = check.window_expired;
      for (auto& d : parts) {
        d->take_changed([&](const state::CustomerState& c) {
          for (const auto& p : c.deferred) {
            int i = 0;
            if (p.due > absl::ToUnixSeconds(now) && absl::SimpleAtoi(c.customer_id.substr(1), &i)) {
              check.expired_.insert(i);
            }
          }
        });
      }
    }
  }
  std::size_t left = 0;
  for (auto& d : parts) left += d->deferred_count();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  std::printf(
      "[wave] contacts=%d partitions=%d deferred_at_t0=%lld schedule_bytes_per_deferred=%.1f "
      "(record %zu + entry %zu)\n"
      "[wave] sent sms=%lld email=%lld call=%lld; peak per second sms=%lld/%d email=%lld/%d; "
      "peak per hour calls=%lld/%d\n"
      "[wave] queued_for_capacity=%lld window_expired=%lld sent_after_redeferral=%lld "
      "simulated_until=%s steps=%lld wall=%.1fs\n",
      n, kPartitions, static_cast<long long>(deferred), bytes_per_deferred,
      sizeof(state::DeferredContact), scheduler::DeferredSchedule::entry_bytes(),
      static_cast<long long>(check.sent_by_channel[0]), static_cast<long long>(check.sent_by_channel[1]),
      static_cast<long long>(check.sent_by_channel[2]), static_cast<long long>(check.peak[0]),
      kSmsPerSecond, static_cast<long long>(check.peak[1]), kEmailPerSecond,
      static_cast<long long>(check.peak[2]), calls_hourly, static_cast<long long>(check.queued),
      static_cast<long long>(check.window_expired),
      static_cast<long long>(check.sent_after_redeferral[2]),
      absl::FormatTime(absl::RFC3339_sec, now, absl::UTCTimeZone()).c_str(),
      static_cast<long long>(steps), wall);

  EXPECT_EQ(check.over_capacity, (std::array<std::int64_t, 3>{0, 0, 0}));
  EXPECT_EQ(check.sent, n) << "every contact goes out once";
  EXPECT_EQ(check.messages, n);
  EXPECT_EQ(check.twice, 0);
  EXPECT_EQ(check.outside_window, 0);
  EXPECT_EQ(check.late, 0);
  EXPECT_EQ(check.without_reason, 0);
  EXPECT_EQ(check.suppressed, 0);
  EXPECT_EQ(left, 0u);
  // The wave did press against capacity, and some calls had to wait a day.
  EXPECT_EQ(check.peak[0], kSmsPerSecond);
  EXPECT_GT(check.queued, 0);
  if (n >= 10'000) {
    EXPECT_GT(check.window_expired, 0);
    EXPECT_GT(check.sent_after_redeferral[2], 0);
  }
}

}  // namespace
}  // namespace reminder::rules::testing
