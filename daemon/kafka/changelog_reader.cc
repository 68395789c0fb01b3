#include "kafka/changelog_reader.h"

#include <set>

#include "kafka/handles.h"

namespace reminder::kafka {

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
  ConfHandle conf = make_conf(props, {{"group.id", "reminderd-restore"},
                                      {"enable.auto.commit", "false"},
                                      {"enable.partition.eof", "true"},
                                      {"isolation.level", "read_committed"},
                                      {"fetch.wait.max.ms", "10"},
                                      {"fetch.message.max.bytes", "4194304"},
                                      {"queued.max.messages.kbytes", "262144"}});
  route_logs(conf.get());
  char err[512];
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err));
  if (!rk) return KafkaError{RD_KAFKA_RESP_ERR__FAIL, err, Severity::kFatal};
  conf.release();

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
