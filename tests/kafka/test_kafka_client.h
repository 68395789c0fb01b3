#pragma once

// Test-side Kafka helpers, independent of the daemon's own Kafka layer so a
// bug there cannot hide itself: a plain producer and a read_committed reader
// that assigns every partition from the beginning.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace reminder::testing {

// The test broker: $KAFKA_BOOTSTRAP (set by ctest), else 127.0.0.1:39092.
std::string bootstrap();

// A topic / group name no other test or run uses.
std::string unique_name(std::string_view prefix);

void create_topics(const std::vector<std::string>& topics, int partitions);

struct Record {
  std::string key;
  std::string value;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::map<std::string, std::string> headers;
};

// Idempotent: no record is written twice or out of order by a retry. Every
// delivery report is checked: flush() throws if a record was not written
// (a test whose input silently lost records would blame the daemon).
class TestProducer {
 public:
  TestProducer();
  ~TestProducer();
  TestProducer(const TestProducer&) = delete;
  TestProducer& operator=(const TestProducer&) = delete;
  void send(const std::string& topic, std::string_view key, std::string_view value);
  // Waits for every record's acknowledgement; throws after `timeout`, or if
  // any record sent so far failed (its delivery report carried an error).
  void flush(std::chrono::milliseconds timeout = std::chrono::seconds(180));
  // Records acknowledged by the broker / failed, so far.
  std::int64_t delivered() const { return delivered_; }
  std::int64_t failed() const { return failed_; }
  // From now on, keep each acknowledged record (key, value, and where the
  // broker says it put it), to check later that the topic still holds it.
  void keep_acknowledged() { keep_acknowledged_ = true; }
  const std::vector<Record>& acknowledged() const { return acknowledged_; }

 private:
  static void on_delivery(void* rk, const void* message, void* opaque);
  void* rk_;
  std::int64_t delivered_ = 0;
  std::int64_t failed_ = 0;
  std::string first_error_;
  bool keep_acknowledged_ = false;
  std::vector<Record> acknowledged_;
};

// Reads `topic` from the beginning with isolation.level=read_committed until
// at least `at_least` records arrived and `quiet` passed without a new one,
// or `timeout` passed.
std::vector<Record> read_topic(const std::string& topic, std::size_t at_least,
                               std::chrono::milliseconds timeout,
                               std::chrono::milliseconds quiet = std::chrono::milliseconds(1000));

}  // namespace reminder::testing
