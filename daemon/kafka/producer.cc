#include "kafka/producer.h"

#include <stdexcept>
#include <thread>

#include "logging/log.h"

namespace reminder::kafka {

Producer::Producer(const Properties& props, const Properties& overrides,
                   metrics::KafkaProbe& probe, DeliveryHandler on_delivery)
    : probe_(probe), on_delivery_(std::move(on_delivery)) {
  config_ = {
      {"enable.idempotence", "true"},
      {"partitioner", "murmur2_random"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
  };
  for (const auto& [k, v] : without_consumer_properties(props)) config_[k] = v;
  for (const auto& [k, v] : overrides) config_[k] = v;
  create_client();
}

void Producer::create_client() {
  ConfHandle conf = make_conf(config_, {});
  route_logs(conf.get());
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery_report);
  rd_kafka_conf_set_error_cb(conf.get(), &Producer::on_error);
  char err[512];
  rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk_) throw std::runtime_error(std::string("cannot create Kafka producer: ") + err);
  conf.release();  // owned by rk_ now
  probe_.set_producer_healthy(true);
}

std::optional<KafkaError> Producer::fatal_error() const {
  char reason[512];
  const auto code = rd_kafka_fatal_error(rk_.get(), reason, sizeof reason);
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  return KafkaError{code, reason, Severity::kFatal};
}

void Producer::restart() {
  drop_held();  // they point at topic handles of the old client
  rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  // Bounded: purged records report at once, in-flight ones when their
  // request ends (at most the request timeout; usually at once).
  rd_kafka_flush(rk_.get(), 5000);
  topics_.clear();  // before the client that owns them
  rk_.reset();
  create_client();
}

void Producer::on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  const auto epoch = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m->_private));
  const std::string_view topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
  KafkaError error;
  if (m->err) {
    error = KafkaError::from_code(m->err, Severity::kFatal);
    self->probe_.on_produce_error(topic);
  }
  self->on_delivery_(epoch, error, topic);
}

void Producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    const auto code = rd_kafka_fatal_error(rk, buf, sizeof buf);
    self->probe_.set_producer_healthy(false);
    logging::error("producer.fatal", {{"code", rd_kafka_err2name(code)}, {"reason", buf}});
    return;
  }
  // Transient (broker down, all brokers down...): librdkafka retries.
  logging::warn("producer.error", {{"code", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))},
                                   {"reason", reason}});
}

rd_kafka_topic_t* Producer::topic_handle(const std::string& topic) {
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second.get();
  TopicHandle rkt(rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr));
  if (!rkt) return nullptr;
  return topics_.emplace(topic, std::move(rkt)).first->second.get();
}

KafkaError Producer::produce(const std::string& topic, std::string_view key,
                             std::string_view value, std::span<const Header> headers,
                             std::uint64_t epoch, std::int32_t partition) {
  rd_kafka_topic_t* rkt = topic_handle(topic);
  if (rkt == nullptr) return KafkaError::from_code(rd_kafka_last_error(), Severity::kFatal);
  if (holding_) {
    held_.push_back({rkt, partition, epoch, held_bytes_.size(), key.size(), value.size(),
                     held_header_lengths_.size(), static_cast<std::uint32_t>(headers.size())});
    held_bytes_.append(key);
    held_bytes_.append(value);
    for (const auto& h : headers) {
      held_header_lengths_.push_back(h.name.size());
      held_header_lengths_.push_back(h.value.size());
      held_bytes_.append(h.name);
      held_bytes_.append(h.value);
    }
    return KafkaError::none();
  }
  return produce_to(rkt, key, value, headers, epoch, partition);
}

KafkaError Producer::produce_to(rd_kafka_topic_t* rkt, std::string_view key,
                                std::string_view value, std::span<const Header> headers,
                                std::uint64_t epoch, std::int32_t partition) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& h : headers) {
      rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                          static_cast<ssize_t>(h.value.size()));
    }
  }
  // Bounded wait while the local queue is full: backpressure, not loss.
  for (int attempt = 0; attempt < 30000; ++attempt) {
    const auto err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::uintptr_t>(epoch))),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError::none();  // headers now owned
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      return KafkaError::from_code(err, Severity::kFatal);
    }
    rd_kafka_poll(rk_.get(), 1);
  }
  if (hdrs) rd_kafka_headers_destroy(hdrs);
  return KafkaError::from_code(RD_KAFKA_RESP_ERR__QUEUE_FULL, Severity::kFatal);
}

KafkaError Producer::release_held() {
  holding_ = false;
  KafkaError first;
  std::vector<Header> headers;
  for (const auto& r : held_) {
    const char* bytes = held_bytes_.data() + r.at;
    const std::string_view key(bytes, r.key_len);
    const std::string_view value(bytes + r.key_len, r.value_len);
    std::size_t at = r.at + r.key_len + r.value_len;
    headers.clear();
    for (std::uint32_t i = 0; i < r.header_count; ++i) {
      const auto name_len = held_header_lengths_[r.headers_at + 2 * i];
      const auto value_len = held_header_lengths_[r.headers_at + 2 * i + 1];
      headers.push_back({std::string_view(held_bytes_.data() + at, name_len),
                         std::string_view(held_bytes_.data() + at + name_len, value_len)});
      at += name_len + value_len;
    }
    auto err = produce_to(r.topic, key, value, headers, r.epoch, r.partition);
    if (err && !first) first = std::move(err);
  }
  drop_held();
  return first;
}

void Producer::drop_held() {
  holding_ = false;
  held_.clear();
  held_bytes_.clear();
  held_header_lengths_.clear();
}

void Producer::poll() { rd_kafka_poll(rk_.get(), 0); }

KafkaError Producer::init_transactions(std::chrono::milliseconds timeout) {
  return KafkaError::from(rd_kafka_init_transactions(rk_.get(), static_cast<int>(timeout.count())));
}

KafkaError Producer::begin_transaction() {
  return KafkaError::from(rd_kafka_begin_transaction(rk_.get()));
}

KafkaError Producer::send_offsets_to_transaction(
    const std::string& topic, const std::map<std::int32_t, std::int64_t>& offsets,
    const rd_kafka_consumer_group_metadata_t* group, std::chrono::milliseconds timeout) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [p, o] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = o;
  }
  return KafkaError::from(rd_kafka_send_offsets_to_transaction(
      rk_.get(), list.get(), group, static_cast<int>(timeout.count())));
}

KafkaError Producer::commit_transaction(std::chrono::milliseconds timeout) {
  return KafkaError::from(rd_kafka_commit_transaction(rk_.get(), static_cast<int>(timeout.count())));
}

KafkaError Producer::abort_transaction(std::chrono::milliseconds timeout) {
  return KafkaError::from(rd_kafka_abort_transaction(rk_.get(), static_cast<int>(timeout.count())));
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count())) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace reminder::kafka
