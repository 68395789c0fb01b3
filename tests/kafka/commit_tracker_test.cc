#include "kafka/commit_tracker.h"

#include <gtest/gtest.h>

namespace reminder::kafka {
namespace {

// Releases (and here immediately "produces") whatever changelog is ready.
std::vector<std::pair<std::uint64_t, std::string>> release(CommitTracker& t) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  t.release_changelog([&](std::uint64_t epoch, const ChangelogRecord& r) {
    out.emplace_back(epoch, r.key);
  });
  return out;
}

TEST(CommitTracker, NothingCommittableBeforeSeal) {
  CommitTracker t;
  t.on_produced();
  EXPECT_FALSE(t.committable());
}

TEST(CommitTracker, SealedEpochCommitsOnlyAfterEveryAck) {
  CommitTracker t;
  const auto e1 = t.on_produced();
  const auto e2 = t.on_produced();
  EXPECT_EQ(e1, e2);
  t.seal({{0, 10}});
  EXPECT_FALSE(t.committable());
  t.on_acknowledged(e1);
  EXPECT_FALSE(t.committable());
  t.on_acknowledged(e2);
  release(t);
  auto offsets = t.committable();
  ASSERT_TRUE(offsets);
  EXPECT_EQ((*offsets).at(0), 10);
  EXPECT_FALSE(t.committable());  // taken once
}

TEST(CommitTracker, LaterEpochWaitsForEarlierOne) {
  CommitTracker t;
  const auto first = t.on_produced();
  t.seal({{0, 5}});
  const auto second = t.on_produced();
  t.seal({{0, 9}, {1, 3}});
  t.on_acknowledged(second);
  release(t);
  // The second epoch is fully acknowledged but the first is not: committing
  // its offsets would skip the first epoch's unacknowledged outputs.
  EXPECT_FALSE(t.committable());
  t.on_acknowledged(first);
  release(t);
  auto offsets = t.committable();
  ASSERT_TRUE(offsets);
  EXPECT_EQ(offsets->at(0), 9);
  EXPECT_EQ(offsets->at(1), 3);
}

TEST(CommitTracker, EpochWithoutOutputsIsCommittable) {
  CommitTracker t;
  t.seal({{2, 7}});
  release(t);
  auto offsets = t.committable();
  ASSERT_TRUE(offsets);
  EXPECT_EQ(offsets->at(2), 7);
}

TEST(CommitTracker, ResetForgetsUncommitted) {
  CommitTracker t;
  t.on_produced();
  t.seal({{0, 5}});
  t.reset();
  EXPECT_EQ(t.outstanding(), 0);
  EXPECT_FALSE(t.committable());
}

// The at-least-once ordering: a customer's changelog record goes out only
// once the outputs of the events it records are acknowledged (a restart that
// replays an event whose message was lost must not find it applied), and the
// offsets commit only once that record is acknowledged too.
TEST(CommitTracker, ChangelogWaitsForTheOutputsAndOffsetsWaitForTheChangelog) {
  CommitTracker t;
  const auto sms = t.on_produced();
  t.seal({{0, 4}}, {ChangelogRecord{0, "C1", "state-after-event-3"}});
  EXPECT_TRUE(release(t).empty()) << "the SMS is not acknowledged yet";
  EXPECT_FALSE(t.committable());
  EXPECT_FALSE(t.settled());
  t.on_acknowledged(sms);
  const auto released = release(t);
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].second, "C1");
  EXPECT_TRUE(release(t).empty()) << "released once";
  t.on_produced(released[0].first);
  EXPECT_FALSE(t.committable()) << "the changelog record is not acknowledged yet";
  t.on_acknowledged(released[0].first);
  EXPECT_TRUE(t.settled());
  auto offsets = t.committable();
  ASSERT_TRUE(offsets);
  EXPECT_EQ(offsets->at(0), 4);
}

TEST(CommitTracker, ChangelogGoesOutInEpochOrder) {
  CommitTracker t;
  const auto a = t.on_produced();
  t.seal({{0, 1}}, {ChangelogRecord{0, "C1", "v1"}});
  const auto b = t.on_produced();
  t.seal({{0, 2}}, {ChangelogRecord{0, "C1", "v2"}});
  t.on_acknowledged(b);
  EXPECT_TRUE(release(t).empty()) << "v2 must not overtake v1 (compaction keeps the last)";
  t.on_acknowledged(a);
  const auto released = release(t);
  ASSERT_EQ(released.size(), 2u);
  EXPECT_LT(released[0].first, released[1].first);
}

TEST(CommitTracker, AFailedOutputHoldsTheChangelogBack) {
  // The SMS is never acknowledged (the process dies, or it fails and the
  // daemon stops): the changelog record is never produced.
  CommitTracker t;
  t.on_produced();
  t.seal({{0, 9}}, {ChangelogRecord{0, "C1", "applied"}});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(release(t).empty());
  EXPECT_FALSE(t.committable());
}

}  // namespace
}  // namespace reminder::kafka
