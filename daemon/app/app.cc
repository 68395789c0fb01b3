#include "app/app.h"

#include <systemd/sd-daemon.h>

#include <boost/asio/post.hpp>
#include <csignal>
#include <iostream>

#include "config/policy_loader.h"
#include "demo/demo_feed.h"
#include "explain/customer_explain.h"
#include "http/http_server.h"
#include "kafka/topic_admin.h"
#include "logging/log.h"
#include "sinks/dead_letter_writer.h"
#include "sinks/kafka_dispatch_sink.h"

#ifndef REMINDERD_VERSION
#define REMINDERD_VERSION "dev"
#endif
#ifndef REMINDERD_GIT_SHA
#define REMINDERD_GIT_SHA "unknown"
#endif

namespace reminder::app {
namespace {

constexpr auto kReportEvery = std::chrono::seconds(10);

metrics::EventKind kind_of(const reminder::v1::AccountEvent& e) {
  switch (e.kind_case()) {
    case reminder::v1::AccountEvent::kDelinquency: return metrics::EventKind::kDelinquency;
    case reminder::v1::AccountEvent::kPayment: return metrics::EventKind::kPayment;
    case reminder::v1::AccountEvent::kPromise: return metrics::EventKind::kPromise;
    case reminder::v1::AccountEvent::kContactOutcome: return metrics::EventKind::kContactOutcome;
    case reminder::v1::AccountEvent::kFlag: return metrics::EventKind::kFlag;
    case reminder::v1::AccountEvent::kProfile: return metrics::EventKind::kProfile;
    case reminder::v1::AccountEvent::KIND_NOT_SET: return metrics::EventKind::kInvalid;
  }
  return metrics::EventKind::kInvalid;
}

}  // namespace

// Counts what flows through, for the periodic stats log line, and forwards.
class CountingSink final : public pipeline::DispatchSink {
 public:
  explicit CountingSink(pipeline::DispatchSink& next) : next_(next) {}
  void on_decision(const reminder::v1::Decision& d) override {
    ++outcomes[d.outcome() & 7];
    next_.on_decision(d);
  }
  void on_sms(const reminder::v1::SmsMessage& m) override {
    ++sent[0];
    next_.on_sms(m);
  }
  void on_email(const reminder::v1::EmailMessage& m) override {
    ++sent[1];
    next_.on_email(m);
  }
  void on_call(const reminder::v1::CallTask& t) override {
    ++sent[2];
    next_.on_call(t);
  }
  std::array<std::uint64_t, 3> sent{};
  std::array<std::uint64_t, 8> outcomes{};

 private:
  pipeline::DispatchSink& next_;
};

App::App(config::DaemonConfig config, rules::PolicyPtr policy, RunOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      probes_(REMINDERD_VERSION, REMINDERD_GIT_SHA),
      dispatcher_(std::move(policy), zones_, probes_, probes_) {}

App::~App() = default;

void App::start() {
  kafka_props_ = config_.kafka;
  if (options_.bootstrap_servers) kafka_props_["bootstrap.servers"] = *options_.bootstrap_servers;
  const auto& t = config_.topics;

  if (options_.embedded_kafka || config_.embedded_kafka.enabled) {
    embedded_ = std::make_unique<kafka::EmbeddedKafka>(config_.embedded_kafka.brokers);
    for (const auto* name : {&t.input, &t.sms, &t.email, &t.call, &t.decisions, &t.dead_letter}) {
      embedded_->create_topic(*name, config_.embedded_kafka.partitions);
    }
    kafka_props_["bootstrap.servers"] = embedded_->bootstrap_servers();
    // On stdout, so a newcomer can point kcat at it.
    std::cout << "embedded Kafka (librdkafka mock cluster) at " << embedded_->bootstrap_servers()
              << "\n  try: kcat -b " << embedded_->bootstrap_servers() << " -C -t " << t.decisions
              << " -o beginning -c 5\n"
              << std::flush;
    logging::info("embedded_kafka.started", {{"bootstrap", embedded_->bootstrap_servers()}});
  } else if (t.create_missing) {
    kafka::ensure_topics(kafka_props_,
                         {{t.input, t.partitions},
                          {t.sms, t.partitions},
                          {t.email, t.partitions},
                          {t.call, t.partitions},
                          {t.decisions, t.partitions},
                          {t.dead_letter, t.partitions}},
                         std::chrono::seconds(30));
  }

  producer_ = std::make_unique<kafka::Producer>(
      kafka_props_, kafka::Properties{}, probes_,
      [this](std::uint64_t epoch, const kafka::KafkaError& error, std::string_view topic) {
        tracker_.on_acknowledged(epoch);
        if (error && !delivery_error_) {
          delivery_error_ = error;
          logging::error("producer.delivery_failed",
                         {{"topic", topic}, {"code", rd_kafka_err2name(error.code)}, {"reason", error.message}});
        }
      });
  sink_ = std::make_unique<sinks::KafkaDispatchSink>(
      *producer_, tracker_, sinks::OutputTopics{t.sms, t.email, t.call, t.decisions, t.dead_letter});
  counting_sink_ = std::make_unique<CountingSink>(*sink_);
  dead_letters_ = std::make_unique<sinks::DeadLetterWriter>(*producer_, tracker_, t.dead_letter);
  consumer_ = std::make_unique<kafka::Consumer>(kafka_props_, config_.consumer.group_id, t.input,
                                                probes_, *this);

  admin_auth_ = http::load_admin_token(config_.http.admin_token_file, config_.http.admin_token_env);
  const std::string listen = options_.http_listen.value_or(config_.http.listen);
  if (!listen.empty() && listen != "off") {
    http_ = std::make_unique<http::HttpServer>(
        io_, listen,
        [this](const http::HttpRequest& r) { return http::handle_request(r, *this, admin_auth_); });
    http_->start();
    logging::info("http.listening", {{"listen", listen}, {"port", http_->port()},
                                     {"admin", admin_auth_.enabled() ? admin_auth_.source : "disabled"}});
  }

  if (options_.demo || config_.demo.enabled) {
    demo_producer_ = std::make_unique<kafka::Producer>(kafka_props_, kafka::Properties{}, metrics_null_,
                                                       [](std::uint64_t, const kafka::KafkaError&, std::string_view) {});
    demo_feed_ = std::make_unique<demo::DemoFeed>(
        demo::DemoFeedOptions{config_.demo.customers, config_.demo.seed});
    produce_demo_events();
    logging::info("demo.started", {{"customers", config_.demo.customers},
                                   {"events_per_second", config_.demo.events_per_second}});
  }

  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  wait_for_signal();

  report_timer_.expires_after(kReportEvery);
  report_timer_.async_wait([this](auto ec) {
    if (!ec) report();
  });
  logging::info("reminderd.started", {{"version", REMINDERD_VERSION},
                                      {"group", config_.consumer.group_id},
                                      {"input", t.input},
                                      {"policy", dispatcher_.policy().name + "@" + dispatcher_.policy().version}});
  sd_notify(0, "READY=1");
  schedule_tick(true);
}

void App::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload_policy();  // logs the outcome; an invalid policy keeps the old one
    } else {
      begin_drain(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    wait_for_signal();
  });
}

int App::run() {
  try {
    start();
  } catch (const std::exception& e) {
    logging::error("startup.failed", {{"reason", e.what()}});
    return kExitStartup;
  }
  io_.run();
  return exit_code_;
}

void App::schedule_tick(bool immediately) {
  if (stopped_) return;
  if (immediately) {
    boost::asio::post(io_, [this] { tick(); });
    return;
  }
  tick_timer_.expires_after(std::chrono::milliseconds(config_.consumer.poll_interval_ms));
  tick_timer_.async_wait([this](auto ec) {
    if (!ec) tick();
  });
}

void App::tick() {
  if (stopped_) return;
  producer_->poll();
  if (auto fatal = producer_->fatal_error()) {
    logging::error("kafka.fatal", {{"code", rd_kafka_err2name(fatal->code)}, {"reason", fatal->message}});
    finish(kExitKafkaFatal);
    return;
  }
  if (delivery_error_ || sink_->error()) {
    // An output that cannot be delivered: stop before committing past it;
    // after a restart the input is read again from the last commit.
    finish(kExitKafkaFatal);
    return;
  }

  const absl::Time now = clock_.now();
  if (draining_) {
    if (tracker_.outstanding() == 0) {
      maybe_commit(true);
      if (auto offsets = tracker_.committable()) consumer_->commit(*offsets, false);
      logging::info("drain.done", {{"consumed", consumed_total_}});
      finish(kExitOk);
    } else if (now > drain_deadline_) {
      logging::error("drain.timeout", {{"outstanding", tracker_.outstanding()}});
      finish(kExitDrainTimeout);
    } else {
      schedule_tick(false);
    }
    return;
  }

  bool full = false;
  // Backpressure: leave input unread while the producer queue is deep.
  if (producer_->queue_length() < 200000) {
    batch_.clear();
    const auto max = static_cast<std::size_t>(config_.consumer.batch_size);
    full = consumer_->poll_batch(max, batch_) == max;
    for (auto& m : batch_) process(*m);
    batch_.clear();
  }
  dispatcher_.fire_due(clock_.now(), *counting_sink_);
  maybe_commit(false);
  schedule_tick(full);
}

void App::process(rd_kafka_message_t& m) {
  const auto started = std::chrono::steady_clock::now();
  const std::string_view key(static_cast<const char*>(m.key), m.key ? m.key_len : 0);
  const std::string_view value(static_cast<const char*>(m.payload), m.payload ? m.len : 0);
  const absl::Time now = clock_.now();
  ++consumed_total_;
  auto rejection = ingest::decode_event(key, value, now, zones_, limits_, event_);
  if (!rejection) {
    probes_.on_event_consumed(kind_of(event_));
    rejection = dispatcher_.on_event(event_, now, *counting_sink_);
  } else {
    probes_.on_event_consumed(metrics::EventKind::kInvalid);
  }
  if (rejection) {
    ++dead_lettered_total_;
    probes_.on_dead_letter(rejection->reason);
    // Ids only: the detail names fields, never their (personal) values.
    logging::warn("event.dead_lettered", {{"reason", ingest::reject_code(rejection->reason)},
                                          {"detail", rejection->detail},
                                          {"partition", m.partition},
                                          {"offset", m.offset}});
    if (auto err = dead_letters_->write(m, consumer_->topic(), *rejection)) {
      delivery_error_ = err;
    }
  }
  consumed_[m.partition] = m.offset + 1;
  probes_.observe_consume_to_produce(std::chrono::steady_clock::now() - started);
}

void App::maybe_commit(bool force_seal) {
  const absl::Time now = clock_.now();
  if (force_seal || now - last_seal_ >= absl::Milliseconds(config_.delivery.commit_interval_ms)) {
    tracker_.seal(consumed_);
    last_seal_ = now;
  }
  if (auto offsets = tracker_.committable(); offsets && !offsets->empty()) {
    consumer_->commit(*offsets, true);
  }
}

void App::on_revoke(const std::vector<std::int32_t>& partitions) {
  // Everything read from these partitions must be delivered and committed
  // before someone else reads them. Blocking here is bounded and rare.
  producer_->flush(std::chrono::seconds(30));
  if (tracker_.outstanding() == 0 && !delivery_error_) {
    tracker_.seal(consumed_);
    if (auto offsets = tracker_.committable()) consumer_->commit(*offsets, false);
  }
  tracker_.reset();
  for (auto p : partitions) consumed_.erase(p);
}

void App::on_assign(const std::vector<std::int32_t>&) {}

void App::begin_drain(std::string_view why) {
  if (draining_) return;
  draining_ = true;
  drain_deadline_ = clock_.now() + absl::Milliseconds(config_.shutdown.drain_timeout_ms);
  probes_.set_ready(false);
  sd_notify(0, "STOPPING=1");
  logging::info("drain.started", {{"signal", why}, {"timeout_ms", config_.shutdown.drain_timeout_ms}});
  demo_timer_.cancel();
}

void App::finish(int code) {
  if (stopped_) return;
  stopped_ = true;
  exit_code_ = code;
  tick_timer_.cancel();
  report_timer_.cancel();
  demo_timer_.cancel();
  signals_.cancel();
  if (http_) http_->stop();
  if (code == kExitOk) {
    consumer_->close();
    producer_->flush(std::chrono::seconds(5));
  }
  if (demo_producer_) demo_producer_->flush(std::chrono::seconds(2));
  logging::info("reminderd.stopped", {{"exit_code", code}});
  io_.stop();
}

void App::report() {
  const absl::Time now = clock_.now();
  dispatcher_.report_state(now);
  consumer_->report_lag();
  probes_.set_ready(!draining_ && !consumer_->assignment().empty() && !producer_->fatal_error());
  logging::info("stats", {{"consumed", consumed_total_},
                          {"dead_lettered", dead_lettered_total_},
                          {"sent_sms", counting_sink_->sent[0]},
                          {"sent_email", counting_sink_->sent[1]},
                          {"sent_call", counting_sink_->sent[2]},
                          {"decided_sent", counting_sink_->outcomes[reminder::v1::OUTCOME_SENT]},
                          {"decided_deferred", counting_sink_->outcomes[reminder::v1::OUTCOME_DEFERRED]},
                          {"decided_suppressed", counting_sink_->outcomes[reminder::v1::OUTCOME_SUPPRESSED]},
                          {"customers", dispatcher_.store().size()},
                          {"deferred_pending", dispatcher_.deferred_count()},
                          {"partitions", consumer_->assignment().size()}});
  report_timer_.expires_after(kReportEvery);
  report_timer_.async_wait([this](auto ec) {
    if (!ec) report();
  });
}

void App::produce_demo_events() {
  constexpr int kTicksPerSecond = 10;
  const int n = std::max(1, config_.demo.events_per_second / kTicksPerSecond);
  std::vector<reminder::v1::AccountEvent> events;
  demo_feed_->next(clock_.now(), n, events);
  std::string bytes;
  for (const auto& e : events) {
    bytes.clear();
    e.SerializeToString(&bytes);
    demo_producer_->produce(config_.topics.input, e.customer_id(), bytes, {}, 0);
  }
  demo_producer_->poll();
  demo_timer_.expires_after(std::chrono::milliseconds(1000 / kTicksPerSecond));
  demo_timer_.async_wait([this](auto ec) {
    if (!ec && !draining_) produce_demo_events();
  });
}

std::string App::metrics_text() { return probes_.render(); }

bool App::live() { return !stopped_ && !producer_->fatal_error(); }

http::ReadyState App::ready() {
  if (draining_) return {false, "draining"};
  if (!consumer_ || consumer_->assignment().empty()) return {false, "no partitions assigned"};
  if (producer_->fatal_error()) return {false, "producer failed"};
  return {true, ""};
}

std::string App::explain_customer_json(std::string_view customer_id) {
  const auto i = dispatcher_.store().find(customer_id);
  if (!i) return "";
  return explain::explain_customer(dispatcher_.store().at(*i), dispatcher_.policy(), zones_,
                                   clock_.now());
}

void App::set_channel_paused(rules::Channel channel, bool paused) {
  dispatcher_.set_channel_paused(channel, paused);
  logging::warn(paused ? "channel.paused" : "channel.resumed", {{"channel", rules::channel_name(channel)}});
}

std::string App::channels_json() {
  std::string j = "{";
  for (auto ch : rules::kAllChannels) {
    if (j.size() > 1) j += ',';
    j += "\"" + std::string(rules::channel_name(ch)) + "\":{\"paused\":" +
         (dispatcher_.channel_paused(ch) ? "true" : "false") + "}";
  }
  return j + "}";
}

http::ReloadOutcome App::reload_policy() {
  auto loaded = config::load_policy_file(config_.policy_path);
  if (auto* err = std::get_if<config::ConfigError>(&loaded)) {
    logging::error("policy.reload_rejected", {{"error", err->to_string()}});
    return {false, err->to_string() + " (the previous policy stays in force)"};
  }
  auto policy = std::get<rules::PolicyPtr>(std::move(loaded));
  const std::string name = policy->name + "@" + policy->version;
  dispatcher_.set_policy(std::move(policy));
  logging::info("policy.reloaded", {{"policy", name}});
  return {true, "policy " + name + " in force"};
}

}  // namespace reminder::app
