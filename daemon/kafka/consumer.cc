#include "kafka/consumer.h"

#include <stdexcept>

#include "logging/log.h"

namespace reminder::kafka {
namespace {

std::vector<std::int32_t> partitions_of(const rd_kafka_topic_partition_list_t* list) {
  std::vector<std::int32_t> out;
  for (int i = 0; i < list->cnt; ++i) out.push_back(list->elems[i].partition);
  return out;
}

std::string join(const std::vector<std::int32_t>& v) {
  std::string s;
  for (auto p : v) {
    if (!s.empty()) s += ',';
    s += std::to_string(p);
  }
  return s;
}

}  // namespace

Consumer::Consumer(const Properties& props, const std::string& group_id, const std::string& topic,
                   metrics::KafkaProbe& probe, RebalanceListener& listener)
    : topic_(topic), probe_(probe), listener_(listener) {
  Properties defaults = {
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"partition.assignment.strategy", "range,roundrobin"},
      {"isolation.level", "read_committed"},
      {"fetch.wait.max.ms", "50"},
  };
  for (const auto& [k, v] : props) defaults[k] = v;
  ConfHandle conf = make_conf(defaults, {{"group.id", group_id}});
  route_logs(conf.get());
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &Consumer::on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), &Consumer::on_commit);
  char err[512];
  rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err));
  if (!rk_) throw std::runtime_error(std::string("cannot create Kafka consumer: ") + err);
  conf.release();
  rd_kafka_poll_set_consumer(rk_.get());
  queue_.reset(rd_kafka_queue_get_consumer(rk_.get()));

  PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto e = rd_kafka_subscribe(rk_.get(), topics.get())) {
    throw std::runtime_error("cannot subscribe to '" + topic + "': " + rd_kafka_err2str(e));
  }
}

Consumer::~Consumer() { close(); }

void Consumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  const auto list = partitions_of(partitions);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, partitions);
    self->assignment_ = list;
    self->probe_.on_rebalance("assign");
    self->probe_.set_assigned_partitions(static_cast<int>(list.size()));
    logging::info("consumer.assigned", {{"partitions", join(list)}});
    self->listener_.on_assign(list);
  } else {
    // Lost partitions may belong to someone else already: nothing read from
    // them may be committed. Nor by a member fenced by a newer instance.
    const bool lost = rd_kafka_assignment_lost(rk) ||
                      rd_kafka_fatal_error(rk, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR;
    self->listener_.on_revoke(self->assignment_, lost ? Revocation::kLost : Revocation::kRevoked);
    rd_kafka_assign(rk, nullptr);
    self->assignment_.clear();
    self->probe_.on_rebalance(lost ? "lost" : "revoke");
    self->probe_.set_assigned_partitions(0);
    logging::info("consumer.revoked", {{"partitions", join(list)}, {"lost", lost ? "true" : "false"}});
  }
}

void Consumer::on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*,
                         void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;  // nothing to commit
  self->probe_.on_commit(err == RD_KAFKA_RESP_ERR_NO_ERROR, std::chrono::duration<double>(0));
  if (err) logging::warn("consumer.commit_failed", {{"code", rd_kafka_err2name(err)}});
}

std::size_t Consumer::poll_batch(std::size_t max, std::vector<MessageHandle>& out) {
  // A member, not a fresh 8 KB vector per poll: that allocation (and the
  // malloc_consolidate it triggered) was 8.6% of the event loop.
  if (batch_.size() < max) batch_.resize(max);
  auto& raw = batch_;
  const ssize_t n = rd_kafka_consume_batch_queue(queue_.get(), 0, raw.data(), max);
  std::size_t added = 0;
  for (ssize_t i = 0; i < n; ++i) {
    MessageHandle m(raw[i]);
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        // Surfaced to the caller by fatal_error().
        logging::error("consumer.fatal", {{"reason", rd_kafka_message_errstr(m.get())}});
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        logging::warn("consumer.error", {{"code", rd_kafka_err2name(m->err)},
                                         {"reason", rd_kafka_message_errstr(m.get())}});
      }
      continue;
    }
    out.push_back(std::move(m));
    ++added;
  }
  return added;
}

KafkaError Consumer::commit(const OffsetMap& offsets, bool async) {
  if (offsets.empty()) return KafkaError::none();
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [p, o] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset = o;
  }
  const auto started = std::chrono::steady_clock::now();
  const auto err = rd_kafka_commit(rk_.get(), list.get(), async ? 1 : 0);
  if (!async) {
    probe_.on_commit(err == RD_KAFKA_RESP_ERR_NO_ERROR,
                     std::chrono::steady_clock::now() - started);
  }
  return err ? KafkaError::from_code(err) : KafkaError::none();
}

void Consumer::report_lag() {
  for (auto p : assignment_) {
    std::int64_t low = 0, high = 0;
    if (rd_kafka_get_watermark_offsets(rk_.get(), topic_.c_str(), p, &low, &high) != 0) continue;
    PartitionList pos(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(pos.get(), topic_.c_str(), p);
    if (rd_kafka_position(rk_.get(), pos.get()) != 0) continue;
    const std::int64_t at = pos->elems[0].offset;
    if (at >= 0 && high >= at) probe_.set_consumer_lag(p, high - at);
  }
}

std::optional<KafkaError> Consumer::fatal_error() const {
  char reason[512];
  const auto code = rd_kafka_fatal_error(rk_.get(), reason, sizeof reason);
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  return KafkaError{code, reason, Severity::kFatal};
}

GroupMetadata Consumer::group_metadata() const {
  return GroupMetadata(rd_kafka_consumer_group_metadata(rk_.get()));
}

KafkaError Consumer::rewind_to_committed(const std::vector<std::int32_t>& partitions,
                                         std::chrono::milliseconds timeout) {
  if (partitions.empty()) return KafkaError::none();
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (auto p : partitions) rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p);
  if (auto e = rd_kafka_committed(rk_.get(), list.get(), static_cast<int>(timeout.count()))) {
    return KafkaError::from_code(e);
  }
  for (int i = 0; i < list->cnt; ++i) {
    // A partition whose committed offset could not be read is not "never
    // committed": seeking it to the beginning would decide its events again.
    if (list->elems[i].err) return KafkaError::from_code(list->elems[i].err);
    // No committed offset yet: start of the partition, as auto.offset.reset=earliest.
    if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  // librdkafka before 2.1.0 waits the timeout in microseconds, not
  // milliseconds (confluentinc/librdkafka#4230): 30 s became 30 ms, short
  // enough to time out (and exit) on a loaded machine.
  const bool timeout_in_us = rd_kafka_version() < 0x020100ff;
  const auto seek_timeout = timeout_in_us ? timeout.count() * 1000 : timeout.count();
  if (auto e = KafkaError::from(
          rd_kafka_seek_partitions(rk_.get(), list.get(), static_cast<int>(seek_timeout)))) {
    return e;
  }
  // rd_kafka_seek_partitions reports per partition: a seek refused there
  // leaves that partition where it was.
  std::string sought;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (!sought.empty()) sought += ',';
    sought += std::to_string(e.partition) + ":" +
              (e.offset == RD_KAFKA_OFFSET_BEGINNING ? std::string("beginning") : std::to_string(e.offset));
    if (e.err) sought += std::string("(") + rd_kafka_err2name(e.err) + ")";
  }
  logging::info("consumer.rewound", {{"offsets", sought}});
  for (int i = 0; i < list->cnt; ++i) {
    switch (const auto err = list->elems[i].err) {
      case RD_KAFKA_RESP_ERR_NO_ERROR:
      // Not fetching (yet, or any more): when its fetcher starts, it starts
      // from the committed offset of the (new) assignment, read from nothing
      // this process has seen.
      case RD_KAFKA_RESP_ERR__STATE:
      case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS:
        break;
      default:
        return KafkaError::from_code(err);
    }
  }
  return KafkaError::none();
}

void Consumer::close() {
  if (closed_ || !rk_) return;
  closed_ = true;
  rd_kafka_consumer_close(rk_.get());
}

}  // namespace reminder::kafka
