#pragma once

// The input consumer: a librdkafka consumer group member, polled without
// blocking from the io_context. Eager rebalancing (range, roundrobin):
// librdkafka 2.0.2 can lose the assignment when committing during a
// cooperative rebalance, so cooperative-sticky is not used.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kafka/client_config.h"
#include "kafka/commit_tracker.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"
#include "metrics/probes.h"

namespace reminder::kafka {

// How partitions go away in an eager rebalance.
enum class Revocation {
  kRevoked,  // handed back in a rebalance: this member may still commit for them
  kLost,     // the session expired (e.g. the coordinator was unreachable): they may
             // already belong to someone else, so nothing read from them may be committed
};

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Before the partitions are taken away. kRevoked: finish and commit what
  // was read. kLost: discard what was read and not committed.
  virtual void on_revoke(const std::vector<std::int32_t>& partitions, Revocation how) = 0;
  virtual void on_assign(const std::vector<std::int32_t>& partitions) = 0;
};

class Consumer {
 public:
  Consumer(const Properties& props, const std::string& group_id, const std::string& topic,
           metrics::KafkaProbe& probe, RebalanceListener& listener);
  ~Consumer();

  // Appends up to `max` records that are ready now; never waits.
  std::size_t poll_batch(std::size_t max, std::vector<MessageHandle>& out);
  KafkaError commit(const OffsetMap& offsets, bool async);
  // Leaves the group (commits nothing by itself).
  void close();
  const std::vector<std::int32_t>& assignment() const { return assignment_; }
  // For send_offsets_to_transaction: fencing by group generation (KIP-447).
  GroupMetadata group_metadata() const;
  // Moves the given partitions back to their committed offsets (after an
  // aborted transaction). Blocking, bounded.
  KafkaError rewind_to_committed(const std::vector<std::int32_t>& partitions,
                                 std::chrono::milliseconds timeout);
  // Set once librdkafka reports a fatal consumer error, e.g. a static member
  // fenced by another with the same group.instance.id (librdkafka 2.0.2 can
  // fence itself that way when its session times out while the coordinator
  // is down). The consumer never fetches again: the caller must exit.
  std::optional<KafkaError> fatal_error() const;
  // Messages behind the high watermark, per assigned partition (cached, no I/O).
  void report_lag();
  rd_kafka_t* handle() const { return rk_.get(); }
  const std::string& topic() const { return topic_; }

 private:
  static void on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*,
                           void* opaque);
  static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*,
                        void* opaque);

  KafkaHandle rk_;
  QueueHandle queue_;
  std::string topic_;
  metrics::KafkaProbe& probe_;
  RebalanceListener& listener_;
  std::vector<std::int32_t> assignment_;
  std::vector<rd_kafka_message_t*> batch_;  // poll_batch's buffer, reused
  bool closed_ = false;
};

}  // namespace reminder::kafka
