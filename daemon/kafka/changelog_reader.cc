#include "kafka/changelog_reader.h"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "kafka/handles.h"

namespace reminder::kafka {
namespace {

// A consumer handle of the restore (assign only, never a group member).
KafkaError restore_client(const Properties& props, Properties overrides, KafkaHandle& out) {
  overrides.emplace("group.id", "reminderd-restore");
  ConfHandle conf = make_conf(props, overrides);
  route_logs(conf.get());
  char err[512];
  out.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err));
  if (!out) return KafkaError{RD_KAFKA_RESP_ERR__FAIL, err, Severity::kFatal};
  conf.release();  // owned by the handle now
  return KafkaError::none();
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<std::int64_t>(left.count(), 1));
}

// Waits until each partition's last stable offset (what `committed_reader`,
// a read_committed client, is told is the end) is at or past its high
// watermark as of the call (asked by a read_uncommitted client).
KafkaError wait_for_stable_end(const Properties& props, const std::string& topic,
                               const std::vector<std::int32_t>& partitions,
                               rd_kafka_t* committed_reader,
                               std::chrono::steady_clock::time_point deadline,
                               RestoreStats& stats) {
  KafkaHandle uncommitted;
  if (auto e = restore_client(props, {{"isolation.level", "read_uncommitted"}}, uncommitted)) return e;
  std::map<std::int32_t, std::int64_t> target;
  for (auto p : partitions) {
    std::int64_t low = 0, high = 0;
    if (auto e = rd_kafka_query_watermark_offsets(uncommitted.get(), topic.c_str(), p, &low, &high,
                                                  remaining_ms(deadline))) {
      return KafkaError::from_code(e);
    }
    target[p] = high;
  }
  const auto started = std::chrono::steady_clock::now();
  auto pause = std::chrono::milliseconds(10);
  while (!target.empty()) {
    for (auto it = target.begin(); it != target.end();) {
      std::int64_t low = 0, stable = 0;
      if (auto e = rd_kafka_query_watermark_offsets(committed_reader, topic.c_str(), it->first, &low,
                                                    &stable, remaining_ms(deadline))) {
        return KafkaError::from_code(e);
      }
      it = stable >= it->second ? target.erase(it) : std::next(it);
    }
    if (target.empty()) break;
    if (std::chrono::steady_clock::now() + pause >= deadline) {
      return KafkaError{RD_KAFKA_RESP_ERR__TIMED_OUT,
                        "restoring " + topic + ": an open transaction holds the end back",
                        Severity::kRetriable};
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
  stats.waited_for_transactions_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return KafkaError::none();
}

}  // namespace

KafkaError read_changelog(const Properties& props, const std::string& topic,
                          const std::vector<std::int32_t>& partitions,
                          std::chrono::milliseconds timeout, const ChangelogApply& apply,
                          RestoreStats& stats) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + timeout;
  auto finish_stats = [&] {
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  if (partitions.empty()) return KafkaError::none();
  KafkaHandle rk;
  if (auto e = restore_client(props,
                              {{"enable.auto.commit", "false"},
                               {"enable.partition.eof", "true"},
                               {"isolation.level", "read_committed"},
                               {"fetch.wait.max.ms", "10"},
                               {"fetch.message.max.bytes", "4194304"},
                               {"queued.max.messages.kbytes", "262144"}},
                              rk)) {
    return e;
  }

  // A committed transaction's records become visible to read_committed only
  // once the coordinator has written its commit markers, and that lags the
  // commit's acknowledgement (by seconds under load or after a broker
  // restart). The input's committed offsets may already be past those
  // events: reading to an older end would miss their state changes for good.
  // So first wait until the last stable offset reaches the high watermark of
  // now: every transaction that wrote before now has then ended. (A crashed
  // instance's open transaction holds it until transaction.timeout.ms.)
  if (auto e = wait_for_stable_end(props, topic, partitions, rk.get(), deadline, stats)) return e;

  // Empty partitions (low == high) are done before reading anything.
  std::set<std::int32_t> pending;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (auto p : partitions) {
    std::int64_t low = 0, high = 0;
    if (auto e = rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &low, &high,
                                                  static_cast<int>(timeout.count()))) {
      return KafkaError::from_code(e);
    }
    if (high <= low) continue;
    pending.insert(p);
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (pending.empty()) {
    finish_stats();
    return KafkaError::none();
  }
  if (auto e = rd_kafka_assign(rk.get(), list.get())) return KafkaError::from_code(e);

  // read_committed stops at the last stable offset, which may be below the
  // high watermark: partition EOF, not the watermark, marks each end.
  while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
    MessageHandle m(rd_kafka_consumer_poll(rk.get(), 100));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      pending.erase(m->partition);
      continue;
    }
    if (m->err) return KafkaError::from_code(m->err);
    const std::string_view key(static_cast<const char*>(m->key), m->key ? m->key_len : 0);
    const std::string_view value(static_cast<const char*>(m->payload), m->payload ? m->len : 0);
    apply(m->partition, key, value);
    ++stats.records;
    stats.bytes += static_cast<std::int64_t>(m->len);
  }
  finish_stats();
  rd_kafka_consumer_close(rk.get());
  if (!pending.empty()) {
    return KafkaError{RD_KAFKA_RESP_ERR__TIMED_OUT, "restoring " + topic + " timed out",
                      Severity::kRetriable};
  }
  return KafkaError::none();
}

}  // namespace reminder::kafka
