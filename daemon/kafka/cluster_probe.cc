#include "kafka/cluster_probe.h"

#include <algorithm>
#include <mutex>
#include <string_view>

#include "kafka/handles.h"

namespace reminder::kafka {
namespace {

// The last error librdkafka reported through error_cb (auth, TLS, all
// brokers down): more telling than the metadata call's "timed out".
struct LastError {
  std::mutex mu;
  std::string text;
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  bool all_brokers_down = false;
};

// Errors after which waiting out the timeout cannot help: the caller's
// backoff decides when to try again, and the event loop is not held.
bool hopeless(const LastError& e) {
  return e.all_brokers_down || e.code == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
         e.code == RD_KAFKA_RESP_ERR__SSL || e.code == RD_KAFKA_RESP_ERR__RESOLVE;
}

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* last = static_cast<LastError*>(opaque);
  std::lock_guard lock(last->mu);
  // Keep the first specific cause: "all brokers down" follows it and says less.
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) last->all_brokers_down = true;
  if (!last->text.empty() && code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) return;
  last->text = reason != nullptr ? reason : rd_kafka_err2str(code);
  last->code = code;
}

}  // namespace

std::optional<std::string> probe_cluster(const Properties& props,
                                         const std::vector<std::string>& must_exist,
                                         std::chrono::milliseconds timeout) {
  LastError last;
  ConfHandle conf = make_conf(without_consumer_properties(props), {});  // a bad property throws: a config error, not a wait
  route_logs(conf.get());
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_opaque(conf.get(), &last);
  char err[512];
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), err, sizeof err));
  if (!rk) return std::string("cannot create Kafka client: ") + err;
  conf.release();

  // Short metadata attempts until `timeout`, so that a refused connection or
  // a failed login ends the probe at once instead of after the whole timeout.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const rd_kafka_metadata_t* md = nullptr;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const auto slice = std::clamp<std::chrono::milliseconds>(left, std::chrono::milliseconds(1),
                                                             std::chrono::milliseconds(500));
    const auto e = rd_kafka_metadata(rk.get(), 1, nullptr, &md, static_cast<int>(slice.count()));
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    rd_kafka_poll(rk.get(), 0);  // serves error_cb
    std::lock_guard lock(last.mu);
    if (hopeless(last) || std::chrono::steady_clock::now() >= deadline) {
      return last.text.empty() ? std::string(rd_kafka_err2str(e)) : last.text;
    }
  }
  std::optional<std::string> missing;
  for (const auto& name : must_exist) {
    bool found = false;
    for (int i = 0; i < md->topic_cnt && !found; ++i) {
      const auto& t = md->topics[i];
      found = name == t.topic && t.err == RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt > 0;
    }
    if (!found) {
      missing = "topic '" + name + "' does not exist or is not visible to this client";
      break;
    }
  }
  rd_kafka_metadata_destroy(md);
  return missing;
}

std::optional<std::string> client_caveat(const Properties& props) {
  constexpr int kScramFixedIn = 0x020601ff;  // 2.6.1
  if (rd_kafka_version() >= kScramFixedIn) return std::nullopt;
  for (const char* key : {"sasl.mechanism", "sasl.mechanisms"}) {
    auto it = props.find(key);
    if (it != props.end() && std::string_view(it->second).substr(0, 6) == "SCRAM-") {
      return std::string("librdkafka ") + rd_kafka_version_str() +
             " sends a SCRAM proof that Kafka 4.x brokers reject (fixed in librdkafka 2.6.1, "
             "librdkafka#4895): against them use SASL PLAIN over TLS, or upgrade librdkafka";
    }
  }
  return std::nullopt;
}

}  // namespace reminder::kafka
