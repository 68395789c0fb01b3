#include "kafka/commit_tracker.h"

#include <gtest/gtest.h>

#include <tuple>

namespace reminder::kafka {
namespace {

ChangelogBatch one_record(std::int32_t partition, std::string_view key, std::string_view value) {
  ChangelogBatch b;
  b.add(partition, key, value);
  return b;
}

// Releases (and here immediately "produces") whatever changelog is ready.
std::vector<std::pair<std::uint64_t, std::string>> release(CommitTracker& t) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  t.release_changelog([&](std::uint64_t epoch, const ChangelogBatch::Record& r) {
    out.emplace_back(epoch, std::string(r.key));
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
  t.seal({{0, 4}}, one_record(0, "C1", "state-after-event-3"));
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
  t.seal({{0, 1}}, one_record(0, "C1", "v1"));
  const auto b = t.on_produced();
  t.seal({{0, 2}}, one_record(0, "C1", "v2"));
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
  t.seal({{0, 9}}, one_record(0, "C1", "applied"));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(release(t).empty());
  EXPECT_FALSE(t.committable());
}

TEST(ChangelogBatch, RecordsComeBackInOrderWithTheirPartitions) {
  ChangelogBatch b;
  b.add(3, "C1", "state-1");
  b.add(0, "C22", "");
  b.add(7, "", "v");
  std::vector<std::tuple<std::int32_t, std::string, std::string>> seen;
  b.for_each([&](const ChangelogBatch::Record& r) {
    seen.emplace_back(r.partition, std::string(r.key), std::string(r.value));
  });
  using T = std::tuple<std::int32_t, std::string, std::string>;
  EXPECT_EQ(seen, (std::vector<T>{T{3, "C1", "state-1"}, T{0, "C22", ""}, T{7, "", "v"}}));
}

TEST(CommitTracker, AReleasedBatchComesBackEmptyForTheNextEpoch) {
  CommitTracker t;
  auto b = t.take_spare_batch();
  EXPECT_TRUE(b.empty());
  b.add(0, "C1", std::string(4096, 'x'));
  t.seal({{0, 1}}, std::move(b));
  ASSERT_EQ(release(t).size(), 1u);
  const auto spare = t.take_spare_batch();
  EXPECT_TRUE(spare.empty()) << "released records must not be produced again";
  std::size_t n = 0;
  spare.for_each([&](const ChangelogBatch::Record&) { ++n; });
  EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace reminder::kafka
