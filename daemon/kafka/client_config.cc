#include "kafka/client_config.h"

#include <stdexcept>

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

void route_logs(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, log_cb); }

}  // namespace reminder::kafka
