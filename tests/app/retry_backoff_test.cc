#include "app/retry_backoff.h"

#include <gtest/gtest.h>

namespace reminder::app {
namespace {

using std::chrono::milliseconds;

TEST(RetryBackoff, DoublesFromTheFirstDelayUpToTheMaximum) {
  RetryBackoff b(milliseconds(250), milliseconds(2000));
  EXPECT_EQ(b.next(), milliseconds(250));
  EXPECT_EQ(b.next(), milliseconds(500));
  EXPECT_EQ(b.next(), milliseconds(1000));
  EXPECT_EQ(b.next(), milliseconds(2000));
  EXPECT_EQ(b.next(), milliseconds(2000));
  EXPECT_EQ(b.failures(), 5);
}

TEST(RetryBackoff, ResetStartsOverAtTheFirstDelay) {
  RetryBackoff b(milliseconds(100), milliseconds(10000));
  b.next();
  b.next();
  b.reset();
  EXPECT_EQ(b.failures(), 0);
  EXPECT_EQ(b.next(), milliseconds(100));
}

TEST(RetryBackoff, AMaximumBelowTheFirstDelayIsTheFirstDelay) {
  RetryBackoff b(milliseconds(500), milliseconds(100));
  EXPECT_EQ(b.next(), milliseconds(500));
  EXPECT_EQ(b.next(), milliseconds(500));
}

}  // namespace
}  // namespace reminder::app
