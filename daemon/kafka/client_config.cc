#include "kafka/client_config.h"

#include <array>
#include <stdexcept>
#include <string_view>

#include "logging/log.h"

namespace reminder::kafka {
namespace {

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    throw std::runtime_error("kafka property '" + key + "': " + err);
  }
}

void log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  // syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug
  const auto lvl = level <= 3   ? logging::Level::kError
                   : level == 4 ? logging::Level::kWarn
                   : level <= 6 ? logging::Level::kInfo
                                : logging::Level::kDebug;
  logging::log(lvl, "librdkafka", {{"facility", fac}, {"message", buf}});
}

}  // namespace

ConfHandle make_conf(const Properties& base, const Properties& overrides) {
  ConfHandle conf(rd_kafka_conf_new());
  for (const auto& [k, v] : base) set(conf.get(), k, v);
  for (const auto& [k, v] : overrides) set(conf.get(), k, v);
  return conf;
}

Properties without_consumer_properties(const Properties& props) {
  // librdkafka's CONFIGURATION.md, properties marked "C" (consumer only).
  static constexpr std::array<std::string_view, 26> kConsumerOnly = {
      "group.id", "group.instance.id", "partition.assignment.strategy", "session.timeout.ms",
      "heartbeat.interval.ms", "group.protocol.type", "coordinator.query.interval.ms",
      "max.poll.interval.ms", "enable.auto.commit", "auto.commit.interval.ms",
      "enable.auto.offset.store", "queued.min.messages", "queued.max.messages.kbytes",
      "fetch.wait.max.ms", "fetch.message.max.bytes", "max.partition.fetch.bytes",
      "fetch.max.bytes", "fetch.min.bytes", "fetch.error.backoff.ms", "isolation.level",
      "enable.partition.eof", "check.crcs", "auto.offset.reset", "offset.store.method",
      "consume.callback.max.messages", "auto.commit.enable"};
  Properties out;
  for (const auto& [k, v] : props) {
    bool consumer_only = false;
    for (auto c : kConsumerOnly) consumer_only = consumer_only || k == c;
    if (!consumer_only) out.emplace(k, v);
  }
  return out;
}

void route_logs(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, log_cb); }

}  // namespace reminder::kafka
