// ChannelPacer: the group never exceeds its capacity in any calendar period,
// however partitions are spread and however late timers fire; each partition
// gets its share; nothing is used before its instant or saved up.

#include "scheduler/channel_pacer.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace reminder::scheduler {
namespace {

using rules::ChannelCapacity;

const absl::Time kT0 = absl::FromUnixSeconds(1'790'000'000) + absl::Milliseconds(123);

TEST(ChannelPacer, UnpacedAlwaysHasASlot) {
  ChannelPacer p;
  EXPECT_FALSE(p.paced());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(p.available(kT0));
    p.take(kT0);
  }
  EXPECT_EQ(p.next_slot(kT0), kT0);
}

TEST(ChannelPacer, OnePartitionGetsTheWholeCapacityEvenlySpaced) {
  ChannelPacer p(ChannelCapacity{4, absl::Seconds(1)}, PacingShare{0, 1});
  // Driven at exactly its next slot: 4 per second, 250 ms apart.
  absl::Time now = kT0;
  std::vector<absl::Time> sent;
  while (now < kT0 + absl::Seconds(3)) {
    now = p.next_slot(now);
    ASSERT_TRUE(p.available(now));
    p.take(now);
    EXPECT_FALSE(p.available(now)) << "one slot, one send";
    sent.push_back(now);
  }
  for (std::size_t i = 1; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i] - sent[i - 1], absl::Milliseconds(250));
  }
  // Slots sit on the grid: k/4 s after the epoch.
  EXPECT_EQ(absl::ToUnixNanos(sent[0]) % 250'000'000, 0);
}

TEST(ChannelPacer, SlotsAlreadyPastAtFirstUseAreSkipped) {
  // A restarted instance must not re-use the slots its previous run used.
  ChannelPacer p(ChannelCapacity{10, absl::Seconds(1)}, PacingShare{0, 1});
  const absl::Time start = absl::FromUnixSeconds(1'790'000'000) + absl::Milliseconds(950);
  EXPECT_FALSE(p.available(start));  // 0.0 .. 0.9 are behind it
  EXPECT_EQ(p.next_slot(start), absl::FromUnixSeconds(1'790'000'001));
}

TEST(ChannelPacer, ALateTimerCatchesUpOnlyWithinTheSamePeriod) {
  ChannelPacer p(ChannelCapacity{10, absl::Seconds(1)}, PacingShare{0, 1});
  const absl::Time s = absl::FromUnixSeconds(1'790'000'000);
  ASSERT_FALSE(p.available(s - absl::Nanoseconds(1)));  // first use: nothing owed
  // Woken 0.55 s late in the same second: the 6 slots 0.0 .. 0.5 may go now.
  int n = 0;
  while (p.available(s + absl::Milliseconds(550))) {
    p.take(s + absl::Milliseconds(550));
    ++n;
  }
  EXPECT_EQ(n, 6);
  // Next woken 1.5 s later, in the following second: the rest of the first
  // second is lost, not carried over.
  n = 0;
  while (p.available(s + absl::Milliseconds(1050))) {
    p.take(s + absl::Milliseconds(1050));
    ++n;
  }
  EXPECT_EQ(n, 1);  // 1.0 only
}

TEST(ChannelPacer, PartitionsInterleaveAndNeverUseAnotherPartitionsSlot) {
  // 10 per second, 4 partitions: the grid's slots 0..9 of each second go to
  // partitions k mod 4, so over 2 s partitions 0,1 get 5 and 2,3 get 5.
  std::map<std::int64_t, int> owner;  // slot ns -> partition
  const absl::Time s = absl::FromUnixSeconds(1'790'000'000);
  std::vector<int> count(4);
  for (int part = 0; part < 4; ++part) {
    ChannelPacer p(ChannelCapacity{10, absl::Seconds(1)}, PacingShare{part, 4});
    absl::Time now = s - absl::Nanoseconds(1);
    p.available(now);
    while (true) {
      now = p.next_slot(now);
      if (now >= s + absl::Seconds(2)) break;
      p.take(now);
      ++count[part];
      EXPECT_TRUE(owner.emplace(absl::ToUnixNanos(now), part).second)
          << "slot used by two partitions";
    }
  }
  EXPECT_EQ(count, (std::vector<int>{5, 5, 5, 5}));
  EXPECT_EQ(owner.size(), 20u);
}

TEST(ChannelPacer, LessCapacityThanPartitionsStillReachesEveryPartition) {
  // 3 call tasks per hour shared by 12 partitions: each partition gets one
  // slot every 4 hours, none is starved.
  const absl::Time s = absl::FromUnixSeconds(1'790'000'000 / 3600 * 3600);
  for (int part = 0; part < 12; ++part) {
    ChannelPacer p(ChannelCapacity{3, absl::Hours(1)}, PacingShare{part, 12});
    p.available(s - absl::Nanoseconds(1));
    const absl::Time next = p.next_slot(s);
    EXPECT_LT(next, s + absl::Hours(4)) << part;
  }
}

// Property: random capacities, periods, partition counts and timer jitter;
// every instance's pacer used greedily at random wake-ups. Counted by
// calendar period (as a gateway would count), the group never exceeds C,
// no send precedes its slot, and over many periods the group uses close to
// its capacity when every partition has demand.
TEST(ChannelPacer, PropertyGroupNeverExceedsCapacityInAnyPeriod) {
  std::mt19937_64 rng(20261123);
  for (int round = 0; round < 200; ++round) {
    const int capacity = std::uniform_int_distribution<int>(1, 50)(rng);
    const absl::Duration period =
        round % 3 == 0 ? absl::Hours(1) : absl::Seconds(std::uniform_int_distribution<int>(1, 5)(rng));
    const int partitions = std::uniform_int_distribution<int>(1, 16)(rng);
    const absl::Time start = absl::FromUnixSeconds(1'790'000'000) +
                             absl::Milliseconds(std::uniform_int_distribution<int>(0, 999)(rng));
    const int periods = 6;
    std::map<std::int64_t, int> per_period;
    std::int64_t total = 0;
    for (int part = 0; part < partitions; ++part) {
      ChannelPacer p(ChannelCapacity{capacity, period}, PacingShare{part, partitions});
      absl::Time now = start;
      const absl::Time end = start + period * periods;
      while (now < end) {
        while (p.available(now)) {
          p.take(now);
          ++per_period[absl::ToUnixNanos(now) / absl::ToInt64Nanoseconds(period)];
          ++total;
        }
        // Wake-ups: sometimes exactly at the next slot, sometimes late.
        const absl::Time next = p.next_slot(now);
        ASSERT_GT(next, now);
        const auto jitter = absl::ToInt64Nanoseconds(period) / capacity;
        now = next + absl::Nanoseconds(
                         std::uniform_int_distribution<std::int64_t>(0, jitter * 3)(rng) *
                         (rng() % 2));
      }
    }
    for (const auto& [index, n] : per_period) {
      ASSERT_LE(n, capacity) << "round " << round << ": C=" << capacity << " P=" << partitions
                             << " period " << period;
    }
    // Exact drive would give capacity * periods (minus the partial first
    // period); with jitter some slots are lost, never more than were there.
    EXPECT_LE(total, static_cast<std::int64_t>(capacity) * (periods + 1));
    EXPECT_GT(total, 0);
  }
}

}  // namespace
}  // namespace reminder::scheduler
