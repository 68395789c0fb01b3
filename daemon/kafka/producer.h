#pragma once

// The producer: idempotent, Java-compatible partitioner (murmur2_random), so
// keys land where Java producers put them. Delivery reports are served by
// poll(), called from the io_context timer; nothing here blocks except
// flush(), used at shutdown and on partition revocation.

#include <absl/container/flat_hash_map.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/client_config.h"
#include "kafka/handles.h"
#include "kafka/kafka_error.h"
#include "metrics/probes.h"

namespace reminder::kafka {

struct Header {
  std::string_view name;
  std::string_view value;
};

class Producer {
 public:
  // Called for each delivery report with the epoch the record was tagged with.
  using DeliveryHandler = std::function<void(std::uint64_t epoch, const KafkaError& error,
                                             std::string_view topic)>;

  Producer(const Properties& props, const Properties& overrides, metrics::KafkaProbe& probe,
           DeliveryHandler on_delivery);

  // Queues one record. Waits (briefly, serving delivery reports) if the
  // local queue is full; an error here is fatal to the caller.
  KafkaError produce(const std::string& topic, std::string_view key, std::string_view value,
                     std::span<const Header> headers, std::uint64_t epoch,
                     std::int32_t partition = RD_KAFKA_PARTITION_UA);

  // Transactions (exactly-once mode; the producer must have a
  // transactional.id). These block, bounded by their timeouts.
  KafkaError init_transactions(std::chrono::milliseconds timeout);
  KafkaError begin_transaction();
  KafkaError send_offsets_to_transaction(const std::string& topic,
                                         const std::map<std::int32_t, std::int64_t>& offsets,
                                         const rd_kafka_consumer_group_metadata_t* group,
                                         std::chrono::milliseconds timeout);
  KafkaError commit_transaction(std::chrono::milliseconds timeout);
  KafkaError abort_transaction(std::chrono::milliseconds timeout);
  void poll();
  bool flush(std::chrono::milliseconds timeout);

  // Exactly-once, while a commit runs on another thread (librdkafka takes
  // no record for the next transaction before commit_transaction returns):
  // produce() keeps copies here instead, and release_held() produces them,
  // in order, once the next transaction has begun. drop_held() forgets them
  // (the commit failed: their events are read and decided again).
  void hold() { holding_ = true; }
  KafkaError release_held();
  void drop_held();
  std::size_t held_records() const { return held_.size(); }

  // Replaces an unusable client with a new one of the same configuration.
  // What the old one still held is purged (its delivery reports are served
  // first, as failures). Exactly-once: call init_transactions() next; with
  // the same transactional.id it aborts whatever the old client left open.
  void restart();
  int queue_length() const { return rd_kafka_outq_len(rk_.get()); }
  // Set once librdkafka reports a fatal error (e.g. idempotence sequence).
  // Asks the client (not a copy kept by a callback): safe while another
  // thread is in a transaction call.
  std::optional<KafkaError> fatal_error() const;
  rd_kafka_t* handle() const { return rk_.get(); }

 private:
  void create_client();
  static void on_delivery_report(rd_kafka_t*, const rd_kafka_message_t*, void* opaque);
  static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque);

  // The topic's handle, made on first use and kept: producing by name makes
  // librdkafka look the topic up under its handle lock for every record.
  rd_kafka_topic_t* topic_handle(const std::string& topic);
  KafkaError produce_to(rd_kafka_topic_t* rkt, std::string_view key, std::string_view value,
                        std::span<const Header> headers, std::uint64_t epoch,
                        std::int32_t partition);

  Properties config_;  // kept for restart()
  // One held record: its bytes are ranges of held_bytes_ (no allocation per
  // record once the buffers have grown).
  struct HeldRecord {
    rd_kafka_topic_t* topic;  // a handle of topics_
    std::int32_t partition;
    std::uint64_t epoch;
    // key, then value, then each header's name and value, from `at`
    std::size_t at, key_len, value_len, headers_at;
    std::uint32_t header_count;
  };
  bool holding_ = false;
  std::vector<HeldRecord> held_;
  std::string held_bytes_;
  std::vector<std::size_t> held_header_lengths_;  // name, value, name, value...

  KafkaHandle rk_;
  // Declared after rk_: topic handles go before the client that owns them.
  absl::flat_hash_map<std::string, TopicHandle> topics_;
  metrics::KafkaProbe& probe_;
  DeliveryHandler on_delivery_;
};

}  // namespace reminder::kafka
