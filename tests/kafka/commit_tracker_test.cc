#include "kafka/commit_tracker.h"

#include <gtest/gtest.h>

namespace reminder::kafka {
namespace {

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
  // The second epoch is fully acknowledged but the first is not: committing
  // its offsets would skip the first epoch's unacknowledged outputs.
  EXPECT_FALSE(t.committable());
  t.on_acknowledged(first);
  auto offsets = t.committable();
  ASSERT_TRUE(offsets);
  EXPECT_EQ(offsets->at(0), 9);
  EXPECT_EQ(offsets->at(1), 3);
}

TEST(CommitTracker, EpochWithoutOutputsIsCommittable) {
  CommitTracker t;
  t.seal({{2, 7}});
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

}  // namespace
}  // namespace reminder::kafka
