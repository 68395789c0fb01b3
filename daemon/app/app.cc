#include "app/app.h"

#include <systemd/sd-daemon.h>

#include <boost/asio/post.hpp>
#include <csignal>
#include <thread>
#include <iostream>

#include "config/policy_loader.h"
#include "demo/demo_feed.h"
#include "explain/customer_explain.h"
#include "http/http_server.h"
#include "kafka/changelog_reader.h"
#include "kafka/cluster_probe.h"
#include "kafka/topic_admin.h"
#include "state/state_codec.h"

#include <absl/strings/str_cat.h>
#include <unistd.h>
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
      policy_(std::move(policy)),
      exactly_once_(config_.delivery.mode == config::DeliveryMode::kExactlyOnce) {}

App::~App() {
  if (commit_thread_.joinable()) commit_thread_.join();
}

void App::start() {
  // First, so a SIGTERM during a slow start-up (topic creation, transactions
  // init, restore) is a drain once the loop runs, not a kill.
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  kafka_props_ = config_.kafka;
  if (options_.bootstrap_servers) kafka_props_["bootstrap.servers"] = *options_.bootstrap_servers;
  const auto& t = config_.topics;
  const bool embedded = options_.embedded_kafka || config_.embedded_kafka.enabled;
  // HTTP and signals first: while Kafka is out of reach, /readyz says why
  // and SIGTERM ends the wait.
  start_http();
  wait_for_signal();
  if (!embedded && !wait_for_kafka()) return;

  if (embedded) {
    embedded_ = std::make_unique<kafka::EmbeddedKafka>(config_.embedded_kafka.brokers);
    for (const auto* name : {&t.input, &t.sms, &t.email, &t.call, &t.decisions, &t.dead_letter}) {
      embedded_->create_topic(*name, config_.embedded_kafka.partitions);
    }
    embedded_->create_topic(t.changelog, config_.embedded_kafka.partitions);
    kafka_props_["bootstrap.servers"] = embedded_->bootstrap_servers();
    if (exactly_once_) {
      // The 2.0.2 mock cluster stores no transactional offsets.
      logging::warn("delivery.mode_downgraded",
                    {{"from", "exactly_once"}, {"to", "at_least_once"}, {"why", "embedded Kafka"}});
      exactly_once_ = false;
    }
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
                          {t.dead_letter, t.partitions},
                          {t.changelog, t.partitions, true}},
                         std::chrono::seconds(30));
  }
  if (!embedded_) {
    // State is co-partitioned with the input: partition p of the changelog
    // holds the customers whose events arrive on partition p.
    const int in = kafka::partition_count(kafka_props_, t.input, std::chrono::seconds(30));
    const int cl = kafka::partition_count(kafka_props_, t.changelog, std::chrono::seconds(30));
    if (in != cl) {
      throw std::runtime_error("topic '" + t.changelog + "' has " + std::to_string(cl) +
                               " partitions but '" + t.input + "' has " + std::to_string(in) +
                               ": the changelog must be co-partitioned with the input");
    }
    input_partitions_ = in;
  } else {
    input_partitions_ = t.partitions;
  }
  watchdog_ = std::make_unique<BlockingCallWatchdog>(std::chrono::seconds(120), kExitKafkaFatal);

  kafka::Properties producer_overrides;
  if (exactly_once_) {
    producer_overrides["transactional.id"] = transactional_id();
    if (!kafka_props_.count("transaction.timeout.ms")) {
      // Bounds how long a crashed instance's open transaction can hold back
      // read_committed readers.
      producer_overrides["transaction.timeout.ms"] = "10000";
    }
  }
  producer_ = std::make_unique<kafka::Producer>(
      kafka_props_, producer_overrides, probes_,
      [this](std::uint64_t epoch, const kafka::KafkaError& error, std::string_view topic) {
        if (exactly_once_) {
          // May run on the commit thread (its flush serves these): touches
          // nothing of the loop's. A failed record fails its transaction.
          if (error) {
            logging::error("producer.delivery_failed", {{"topic", topic},
                                                        {"code", rd_kafka_err2name(error.code)},
                                                        {"reason", error.message}});
          }
          return;
        }
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
  if (exactly_once_) {
    BlockingCallWatchdog::Guard guard(*watchdog_, "init_transactions");
    if (auto err = producer_->init_transactions(std::chrono::seconds(60))) {
      throw std::runtime_error("init_transactions failed: " + err.message);
    }
  }
  consumer_ = std::make_unique<kafka::Consumer>(kafka_props_, config_.consumer.group_id, t.input,
                                                probes_, *this);

  if (options_.demo || config_.demo.enabled) {
    demo_producer_ = std::make_unique<kafka::Producer>(kafka_props_, kafka::Properties{}, metrics_null_,
                                                       [](std::uint64_t, const kafka::KafkaError&, std::string_view) {});
    demo_feed_ = std::make_unique<demo::DemoFeed>(
        demo::DemoFeedOptions{config_.demo.customers, config_.demo.seed});
    produce_demo_events();
    logging::info("demo.started", {{"customers", config_.demo.customers},
                                   {"events_per_second", config_.demo.events_per_second}});
  }

  report_timer_.expires_after(kReportEvery);
  report_timer_.async_wait([this](auto ec) {
    if (!ec) report();
  });
  logging::info("reminderd.started", {{"version", REMINDERD_VERSION},
                                      {"group", config_.consumer.group_id},
                                      {"input", t.input},
                                      {"delivery", exactly_once_ ? "exactly_once" : "at_least_once"},
                                      {"policy", policy_->name + "@" + policy_->version}});
  sd_notify(0, "READY=1");
  pet_watchdog();
  schedule_tick(true);
}

void App::start_http() {
  admin_auth_ = http::load_admin_token(config_.http.admin_token_file, config_.http.admin_token_env);
  if (!config_.http.admin_token_file.empty() && !admin_auth_.enabled()) {
    // Fail closed, loudly: a configured but unreadable token would silently
    // disable the kill switch.
    throw std::runtime_error("http.admin_token_file '" + config_.http.admin_token_file +
                             "' is unreadable or empty");
  }
  const std::string listen = options_.http_listen.value_or(config_.http.listen);
  if (!listen.empty() && listen != "off") {
    http_ = std::make_unique<http::HttpServer>(
        io_, listen,
        [this](const http::HttpRequest& r) { return http::handle_request(r, *this, admin_auth_); });
    http_->start();
    logging::info("http.listening", {{"listen", listen}, {"port", http_->port()},
                                     {"admin", admin_auth_.enabled() ? admin_auth_.source : "disabled"}});
  }
}

bool App::wait_for_kafka() {
  if (auto caveat = kafka::client_caveat(kafka_props_)) {
    logging::warn("kafka.client_caveat", {{"reason", *caveat}});
  }
  const auto& t = config_.topics;
  // Topics the daemon will not create must exist before anything is read:
  // an output that is missing would stop the daemon at its first record.
  std::vector<std::string> must_exist;
  if (!t.create_missing) {
    must_exist = {t.input, t.sms, t.email, t.call, t.decisions, t.dead_letter, t.changelog};
  }
  constexpr auto kProbeTimeout = std::chrono::seconds(5);
  RetryBackoff retry(std::chrono::milliseconds(500), std::chrono::seconds(30));
  for (int attempt = 1;; ++attempt) {
    auto why = kafka::probe_cluster(kafka_props_, must_exist, kProbeTimeout);
    if (!why) break;
    kafka_wait_reason_ = "waiting for Kafka: " + *why;
    const auto backoff = retry.next();
    logging::error("kafka.unavailable",
                   {{"attempt", attempt}, {"reason", *why}, {"retry_in_ms", backoff.count()}});
    // Serve HTTP and signals meanwhile (the probe itself blocks up to kProbeTimeout).
    io_.restart();
    io_.run_for(backoff);
    if (stopped_) return false;
    if (draining_) {
      logging::info("drain.done", {{"consumed", consumed_total_}});
      finish(kExitOk);
      return false;
    }
  }
  if (!kafka_wait_reason_.empty()) logging::info("kafka.available", {});
  kafka_wait_reason_.clear();
  return true;
}

void App::pet_watchdog() {
  // Under systemd with WatchdogSec=, prove the event loop still turns: the
  // ping comes from a timer on the same loop that does the work.
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  sd_notify(0, "WATCHDOG=1");
  watchdog_timer_.expires_after(std::chrono::microseconds(usec / 2));
  watchdog_timer_.async_wait([this](auto ec) {
    if (!ec) pet_watchdog();
  });
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
  if (commit_in_flight_) {
    // Deciding goes on while a commit runs, up to a transaction's worth of
    // held records; then the loop waits for the commit.
    const bool full =
        producer_->held_records() >= static_cast<std::size_t>(config_.delivery.max_batch_events);
    if (!collect_commit(full)) return;
  }
  // While a commit runs, its thread owns the client (and its callbacks).
  if (!commit_in_flight_) producer_->poll();
  if (auto fatal = commit_in_flight_ ? std::nullopt : producer_->fatal_error()) {
    logging::error("kafka.fatal", {{"client", "producer"}, {"code", rd_kafka_err2name(fatal->code)},
                                   {"reason", fatal->message}});
    if (exactly_once_ && replace_fatal_producer(*fatal)) {
      rewind_and_hold();
      schedule_tick(false);
      return;
    }
    finish(kExitKafkaFatal);
    return;
  }
  if (auto fatal = consumer_->fatal_error()) {
    // E.g. a static member fenced: the consumer never fetches again, so
    // carrying on would stall every assigned partition without a word.
    logging::error("kafka.fatal", {{"client", "consumer"}, {"code", rd_kafka_err2name(fatal->code)},
                                   {"reason", fatal->message}});
    finish(kExitKafkaFatal);
    return;
  }
  if (!exactly_once_ && (delivery_error_ || sink_->error())) {
    // An output that cannot be delivered: stop before committing past it;
    // after a restart the input is read again from the last commit.
    finish(kExitKafkaFatal);
    return;
  }

  const absl::Time now = clock_.now();
  if (draining_) {
    if (exactly_once_) {
      if ((txn_open_ || commit_in_flight_) && !commit_transaction()) return;
      logging::info("drain.done", {{"consumed", consumed_total_}});
      finish(kExitOk);
    } else {
      maybe_commit(true);
      if (tracker_.settled()) {
        // Outputs, then the changelog behind them, all acknowledged.
        if (auto offsets = tracker_.committable()) consumer_->commit(*offsets, false);
        logging::info("drain.done", {{"consumed", consumed_total_}});
        finish(kExitOk);
      } else if (now > drain_deadline_) {
        logging::error("drain.timeout", {{"outstanding", tracker_.outstanding()}});
        finish(kExitDrainTimeout);
      } else {
        schedule_tick(false);
      }
    }
    return;
  }

  if (std::chrono::steady_clock::now() < held_until_) {
    schedule_tick(false);  // backing off after aborted transactions
    return;
  }
  begin_transaction_if_needed();
  if (stopped_) return;
  bool full = false;
  // Backpressure: leave input unread while the producer queue is deep.
  if (producer_->queue_length() < 200000) {
    batch_.clear();
    const auto max = static_cast<std::size_t>(config_.consumer.batch_size);
    const std::uint64_t rebalances_before = rebalances_;
    full = consumer_->poll_batch(max, batch_) == max;  // may run a rebalance
    if (stopped_) return;
    if (rebalances_ != rebalances_before) {
      // A rebalance ran inside this poll: the batch may hold records read
      // before it (stale) and the revocation closed the transaction. Drop
      // the batch, go back to the committed offsets, start afresh next tick.
      batch_.clear();
      if (auto e = consumer_->rewind_to_committed(consumer_->assignment(), std::chrono::seconds(30))) {
        logging::error("consumer.rewind_failed", {{"reason", e.message}});
        finish(kExitKafkaFatal);
        return;
      }
      for (auto p : consumer_->assignment()) consumed_.erase(p);
      schedule_tick(true);
      return;
    }
    for (auto& m : batch_) process(*m);
    txn_events_ += static_cast<std::int64_t>(batch_.size());
    batch_.clear();
  }
  for (auto& [p, d] : partitions_) d->fire_due(clock_.now(), *counting_sink_);
  if (exactly_once_) {
    if (txn_open_ && !commit_in_flight_ &&
        (clock_.now() - txn_started_ >= absl::Milliseconds(config_.delivery.commit_interval_ms) ||
         txn_events_ >= config_.delivery.max_batch_events)) {
      start_commit();  // collected by a later tick
    }
  } else {
    maybe_commit(false);
  }
  schedule_tick(full);
}

std::string App::transactional_id() const {
  // Stable across restarts of the same instance, so init_transactions fences
  // and aborts a crashed predecessor's open transaction at once.
  std::string who;
  if (auto it = kafka_props_.find("group.instance.id"); it != kafka_props_.end()) {
    who = it->second;
  } else {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    who = std::string(host) + "-" + std::to_string(::getpid());
  }
  return config_.delivery.transactional_id_prefix + "-" + who;
}

void App::begin_transaction_if_needed(bool carry_over) {
  if (!exactly_once_ || txn_open_ || commit_in_flight_) return;
  if (auto err = producer_->begin_transaction()) {
    logging::error("transaction.begin_failed", {{"code", rd_kafka_err2name(err.code)}, {"reason", err.message}});
    finish(kExitKafkaFatal);
    return;
  }
  txn_open_ = true;
  if (carry_over) return;  // counted since start_commit()
  txn_started_ = clock_.now();
  txn_events_ = 0;
}

bool App::commit_transaction() {
  if (commit_in_flight_ && !collect_commit(true)) return false;
  if (!txn_open_) return true;
  start_commit();
  return collect_commit(true);
}

void App::start_commit() {
  // Each customer changed in this transaction, once, however many ticks
  // changed it: its state as of the offsets committed with it.
  write_changelog();
  // Read by the commit thread, then by collect_commit(); the loop leaves
  // them alone in between.
  commit_offsets_.clear();
  for (auto p : consumer_->assignment()) {
    auto it = consumed_.find(p);
    if (it == consumed_.end()) continue;
    // Only what moved: an idle instance commits empty transactions, which
    // cost no round trip.
    if (auto done = txn_committed_.find(p); done != txn_committed_.end() && done->second == it->second) continue;
    commit_offsets_[p] = it->second;
  }
  kafka::GroupMetadata group;
  if (!commit_offsets_.empty()) group = consumer_->group_metadata();
  txn_open_ = false;
  // What is decided from now on belongs to the next transaction.
  txn_started_ = clock_.now();
  txn_events_ = 0;
  commit_in_flight_ = true;
  commit_done_.store(false, std::memory_order_relaxed);
  // From here until collect_commit() the loop touches the producer only to
  // hand it records, which it keeps: the commit thread owns the client.
  producer_->hold();
  commit_thread_ = std::thread([this, group = std::move(group)] {
    const auto started = std::chrono::steady_clock::now();
    commit_error_ = run_commit(commit_offsets_, group.get());
    commit_took_ = std::chrono::steady_clock::now() - started;
    commit_done_.store(true, std::memory_order_release);
  });
}

kafka::KafkaError App::run_commit(const kafka::OffsetMap& offsets,
                                  const rd_kafka_consumer_group_metadata_t* group) {
  // A retriable error (e.g. a request timed out while the coordinator was
  // away) means the same call may be made again (librdkafka docs); a few
  // times, then the transaction is aborted. The transaction is never
  // committed without its offsets: its outputs would stay while the input
  // is read and decided again.
  const auto with_retries = [this](const char* call, const auto& attempt_call) {
    constexpr int kAttempts = 3;
    kafka::KafkaError e;
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      BlockingCallWatchdog::Guard guard(*watchdog_, call);
      e = attempt_call();
      if (!e || e.severity != kafka::Severity::kRetriable) break;
      logging::warn("transaction.retrying", {{"call", call},
                                             {"attempt", attempt},
                                             {"code", rd_kafka_err2name(e.code)},
                                             {"reason", e.message}});
    }
    return e;
  };
  kafka::KafkaError err;
  if (!offsets.empty()) {
    err = with_retries("send_offsets_to_transaction", [&] {
      return producer_->send_offsets_to_transaction(config_.topics.input, offsets, group,
                                                    std::chrono::seconds(30));
    });
  }
  if (!err) {
    err = with_retries("commit_transaction",
                       [&] { return producer_->commit_transaction(std::chrono::seconds(60)); });
  }
  return err;
}

bool App::collect_commit(bool wait) {
  if (!commit_in_flight_) return true;
  if (!wait && !commit_done_.load(std::memory_order_acquire)) return true;
  commit_thread_.join();
  commit_in_flight_ = false;
  const kafka::KafkaError err = std::move(commit_error_);
  commit_error_ = {};
  if (!err) {
    for (const auto& [p, o] : commit_offsets_) txn_committed_[p] = o;
    probes_.on_transaction("committed", commit_took_);
    abort_backoff_.reset();
    // What was decided meanwhile opens the next transaction.
    if (producer_->held_records() > 0) {
      begin_transaction_if_needed(true);
      if (stopped_) return false;
      if (auto e = producer_->release_held()) {
        logging::error("producer.produce_failed",
                       {{"code", rd_kafka_err2name(e.code)}, {"reason", e.message}});
        abort_and_rewind(e.message);
        return !stopped_;
      }
    } else {
      producer_->drop_held();
    }
    return true;
  }
  // The records held meanwhile go with the transaction's events: all are
  // read and decided again after the rewind.
  producer_->drop_held();
  if (err.severity == kafka::Severity::kFatal) {
    logging::error("transaction.fatal", {{"code", rd_kafka_err2name(err.code)}, {"reason", err.message}});
    // Committed or not, the new client's init_transactions settles it, and
    // the rewind reads back whichever it was.
    if (!replace_fatal_producer(err)) return false;
    rewind_and_hold();
    return !stopped_;
  }
  abort_and_rewind(err.message);
  return !stopped_;
}

bool App::replace_fatal_producer(const kafka::KafkaError& error) {
  // The client's own fatal code says more than the failed call's (which
  // can be a generic "invalid state").
  const auto fatal = producer_->fatal_error();
  const bool recoverable =
      kafka::new_client_recovers(error.code) && (!fatal || kafka::new_client_recovers(fatal->code));
  if (!recoverable) {
    // E.g. fenced: another instance owns our transactional.id. Exit; a
    // supervisor's restart comes back as a new member.
    finish(kExitKafkaFatal);
    return false;
  }
  ++producer_replacements_;
  probes_.on_transaction("producer_replaced", std::chrono::duration<double>(0));
  logging::warn("producer.replacing", {{"code", rd_kafka_err2name(error.code)},
                                       {"replacements", producer_replacements_}});
  {
    BlockingCallWatchdog::Guard guard(*watchdog_, "producer_restart");
    producer_->restart();
  }
  kafka::KafkaError err;
  {
    BlockingCallWatchdog::Guard guard(*watchdog_, "init_transactions");
    err = producer_->init_transactions(std::chrono::seconds(60));
  }
  if (err) {
    logging::error("producer.replace_failed",
                   {{"code", rd_kafka_err2name(err.code)}, {"reason", err.message}});
    finish(kExitKafkaFatal);
    return false;
  }
  txn_open_ = false;  // the old client's transaction went with it
  return true;
}

bool App::abort_transaction(std::string_view why) {
  logging::warn("transaction.aborting", {{"reason", why}});
  kafka::KafkaError err;
  {
    BlockingCallWatchdog::Guard guard(*watchdog_, "abort_transaction");
    err = producer_->abort_transaction(std::chrono::seconds(60));
  }
  txn_open_ = false;
  probes_.on_transaction("aborted", std::chrono::duration<double>(0));
  if (err) {
    logging::error("transaction.abort_failed", {{"code", rd_kafka_err2name(err.code)}, {"reason", err.message}});
    // librdkafka 2.0.2 sends EndTxn even when no partition made it into the
    // transaction (each AddPartitionsToTxn refused, e.g. by an ACL); the
    // coordinator answers INVALID_TXN_STATE and the client turns fatal
    // (librdkafka#4849). Nothing was written: a new client carries on.
    if (err.severity == kafka::Severity::kFatal) return replace_fatal_producer(err);
    finish(kExitKafkaFatal);
    return false;
  }
  return true;
}

void App::abort_and_rewind(std::string_view why) {
  if (!abort_transaction(why)) return;
  rewind_and_hold();
}

void App::rewind_and_hold() {
  // Discard what the aborted transaction changed: state comes back from the
  // changelog (read_committed hides the aborted writes), input from the
  // committed offsets.
  const auto assigned = consumer_->assignment();
  if (auto e = consumer_->rewind_to_committed(assigned, std::chrono::seconds(30))) {
    logging::error("consumer.rewind_failed", {{"reason", e.message}});
    finish(kExitKafkaFatal);
    return;
  }
  consumed_.clear();
  txn_committed_.clear();
  partitions_.clear();
  if (!restore_partitions(assigned)) return;
  // A fault that outlives the retry (a denied write, a missing topic) would
  // abort the next transaction too: wait a doubling while before it.
  const auto delay = abort_backoff_.next();
  held_until_ = std::chrono::steady_clock::now() + delay;
  logging::warn("transaction.retry_held", {{"aborted_in_a_row", abort_backoff_.failures()},
                                           {"retry_in_ms", delay.count()}});
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
    auto* dispatcher = dispatcher_for(m.partition);
    if (dispatcher == nullptr) return;  // not ours any more (revoked in this poll)
    rejection = dispatcher->on_event(event_, now, *counting_sink_);
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
    if (exactly_once_) tracker_.on_produced();  // (epochs unused in transactions)
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
    seal_epoch();
    last_seal_ = now;
  }
  release_changelog();
  if (auto offsets = tracker_.committable(); offsets && !offsets->empty()) {
    consumer_->commit(*offsets, true);
  }
}

void App::on_revoke(const std::vector<std::int32_t>& partitions, kafka::Revocation how) {
  ++rebalances_;
  // After a failure nothing more is committed: the input is re-read from the
  // last commit by whoever gets these partitions.
  if (stopped_ && exit_code_ != kExitOk) return;
  switch (how) {
    case kafka::Revocation::kRevoked:
      // Everything read from these partitions must be delivered and committed
      // before someone else reads them. Blocking here is bounded and rare.
      if (exactly_once_) {
        // On failure the new owner restores the committed state.
        if (txn_open_ || commit_in_flight_) commit_transaction();
      } else {
        // Outputs first, then the changelog behind them, then the offsets.
        seal_epoch();
        producer_->flush(std::chrono::seconds(30));
        release_changelog();
        producer_->flush(std::chrono::seconds(30));
        if (tracker_.settled() && !delivery_error_) {
          if (auto offsets = tracker_.committable()) consumer_->commit(*offsets, false);
        }
        tracker_.reset();
      }
      break;
    case kafka::Revocation::kLost:
      // The session expired: another member may own these partitions and
      // re-read them from the last commit already. Committing the open
      // transaction would send its outputs a second time, so it is aborted
      // (eager rebalancing: it covers only partitions lost now). The state
      // changes go with the dispatchers below; a later assignment restores
      // from the changelog and reads from the committed offsets.
      logging::warn("consumer.assignment_lost",
                    {{"partitions", static_cast<std::int64_t>(partitions.size())}});
      if (exactly_once_) {
        // A commit under way cannot be called back: it ends first.
        if (commit_in_flight_ && !collect_commit(true)) return;
        if (txn_open_ && !abort_transaction("assignment lost")) return;
      } else {
        tracker_.reset();  // at-least-once: commit nothing; the outputs may come twice
      }
      break;
  }
  for (auto p : partitions) {
    consumed_.erase(p);
    txn_committed_.erase(p);
    partitions_.erase(p);
  }
  probes_.set_ready(false);
}

void App::on_assign(const std::vector<std::int32_t>& partitions) {
  ++rebalances_;
  // State first: no event of a partition is processed before its customers
  // are restored from the changelog.
  if (!restore_partitions(partitions)) return;
  probes_.set_ready(!draining_);
}

bool App::restore_partitions(const std::vector<std::int32_t>& partitions) {
  std::map<std::int32_t, std::unique_ptr<pipeline::Dispatcher>> restored;
  for (auto p : partitions) {
    auto d = std::make_unique<pipeline::Dispatcher>(policy_, zones_, probes_, probes_,
                                                    scheduler::PacingShare{p, input_partitions_});
    for (auto ch : rules::kAllChannels) {
      if (paused_[rules::channel_index(ch)]) d->set_channel_paused(ch, true);
    }
    restored[p] = std::move(d);
  }
  kafka::RestoreStats stats;
  std::int64_t refused = 0;
  kafka::KafkaError err;
  // A just-created changelog may have no leader yet: retry a little (each
  // attempt starts over, from fresh dispatchers).
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (attempt > 0) {
      logging::warn("state.restore_retry", {{"attempt", attempt}, {"reason", err.message}});
      std::this_thread::sleep_for(std::chrono::milliseconds(500 * attempt));
      for (auto& [p, d] : restored) {
        d = std::make_unique<pipeline::Dispatcher>(policy_, zones_, probes_, probes_,
                                                   scheduler::PacingShare{p, input_partitions_});
      }
      stats = kafka::RestoreStats{};
    }
    err = kafka::read_changelog(
        kafka_props_, config_.topics.changelog, partitions, std::chrono::seconds(300),
        [&](std::int32_t p, std::string_view, std::string_view value) {
          if (value.empty()) return;  // tombstone
          if (!restored[p]->restore_record(value)) ++refused;
        },
        stats);
    if (!err || refused > 0 || err.severity == kafka::Severity::kFatal) break;
  }
  if (err || refused > 0) {
    // Processing without state would break caps and lose deferred contacts.
    logging::error("state.restore_failed",
                   {{"reason", err ? err.message
                                   : std::to_string(refused) + " records of an unknown format"}});
    finish(kExitRestoreFailed);
    return false;
  }
  std::int64_t customers = 0;
  for (auto& [p, d] : restored) {
    d->take_changed([](const state::CustomerState&) {});  // restored, not changed
    customers += static_cast<std::int64_t>(d->store().size());
    partitions_[p] = std::move(d);
  }
  logging::info("state.restored", {{"partitions", static_cast<std::int64_t>(partitions.size())},
                                   {"records", stats.records},
                                   {"customers", customers},
                                   {"bytes", stats.bytes},
                                   {"seconds", absl::StrCat(stats.seconds)},
                                   {"waited_for_transactions_seconds",
                                    absl::StrCat(stats.waited_for_transactions_seconds)}});
  return true;
}

pipeline::Dispatcher* App::dispatcher_for(std::int32_t partition) {
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? nullptr : it->second.get();
}

void App::write_changelog() {
  // Exactly-once, at each commit (a customer changed in many ticks is encoded
  // once per transaction). At-least-once has seal_epoch() instead.
  for (auto& [partition, dispatcher] : partitions_) {
    const std::int32_t p = partition;
    dispatcher->take_changed([&](const state::CustomerState& c) {
      dispatcher->encode(c, changelog_buffer_);
      const auto epoch = tracker_.on_produced();
      if (auto err = producer_->produce(config_.topics.changelog, c.customer_id, changelog_buffer_,
                                        {}, epoch, p)) {
        tracker_.on_acknowledged(epoch);
        if (!delivery_error_) delivery_error_ = err;
      }
    });
  }
}

void App::seal_epoch() {
  // The state and the offsets of the same instant: held until the outputs of
  // these events are acknowledged (kafka::CommitTracker, release_changelog()).
  kafka::ChangelogBatch changelog = tracker_.take_spare_batch();
  for (auto& [partition, dispatcher] : partitions_) {
    const std::int32_t p = partition;
    dispatcher->take_changed([&](const state::CustomerState& c) {
      dispatcher->encode(c, changelog_buffer_);
      changelog.add(p, c.customer_id, changelog_buffer_);
    });
  }
  tracker_.seal(consumed_, std::move(changelog));
}

void App::release_changelog() {
  // A failed output counts as acknowledged: never let its events' state out.
  if (delivery_error_ || sink_->error()) return;
  tracker_.release_changelog([&](std::uint64_t epoch, const kafka::ChangelogBatch::Record& r) {
    tracker_.on_produced(epoch);
    if (auto err = producer_->produce(config_.topics.changelog, r.key, r.value, {}, epoch,
                                      r.partition)) {
      tracker_.on_acknowledged(epoch);
      if (!delivery_error_) delivery_error_ = err;
    }
  });
}

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
  if (commit_thread_.joinable()) {
    // Bounded by the commit's own timeouts (and the watchdog). Its outcome
    // does not matter now: the next owner reads what was committed.
    commit_thread_.join();
    commit_in_flight_ = false;
    producer_->drop_held();
  }
  exit_code_ = code;
  tick_timer_.cancel();
  report_timer_.cancel();
  watchdog_timer_.cancel();
  demo_timer_.cancel();
  signals_.cancel();
  if (http_) http_->stop();
  if (code == kExitOk && consumer_) {
    consumer_->close();
    producer_->flush(std::chrono::seconds(5));
  }
  if (demo_producer_) demo_producer_->flush(std::chrono::seconds(2));
  logging::info("reminderd.stopped", {{"exit_code", code}});
  io_.stop();
}

void App::report() {
  const absl::Time now = clock_.now();
  std::int64_t customers = 0, bytes = 0, deferred = 0;
  std::array<std::int64_t, 3> by_channel{};
  double oldest = 0;
  for (auto& [p, d] : partitions_) {
    const auto s = d->summarize(now);
    customers += s.customers;
    bytes += s.bytes;
    deferred += s.deferred_total;
    for (int i = 0; i < 3; ++i) by_channel[i] += s.deferred_by_channel[i];
    oldest = std::max(oldest, s.oldest_overdue_seconds);
  }
  probes_.set_customers(customers);
  probes_.set_state_bytes(bytes);
  for (auto ch : rules::kAllChannels) probes_.set_deferred(ch, by_channel[rules::channel_index(ch)]);
  probes_.set_oldest_overdue_seconds(oldest);
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
                          {"customers", customers},
                          {"deferred_pending", deferred},
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

bool App::live() { return !stopped_ && (!producer_ || !producer_->fatal_error()); }

http::ReadyState App::ready() {
  if (draining_) return {false, "draining"};
  if (!kafka_wait_reason_.empty()) return {false, kafka_wait_reason_};
  if (!consumer_ || consumer_->assignment().empty()) return {false, "no partitions assigned"};
  if (producer_->fatal_error()) return {false, "producer failed"};
  return {true, ""};
}

std::string App::explain_customer_json(std::string_view customer_id) {
  for (auto& [p, d] : partitions_) {
    if (const auto i = d->store().find(customer_id)) {
      return explain::explain_customer(d->store().at(*i), d->store().labels(), *policy_, zones_,
                                       clock_.now());
    }
  }
  return "";
}

void App::set_channel_paused(rules::Channel channel, bool paused) {
  paused_[rules::channel_index(channel)] = paused;
  for (auto& [p, d] : partitions_) d->set_channel_paused(channel, paused);
  probes_.set_channel_paused(channel, paused);
  logging::warn(paused ? "channel.paused" : "channel.resumed", {{"channel", rules::channel_name(channel)}});
}

std::string App::channels_json() {
  std::string j = "{";
  for (auto ch : rules::kAllChannels) {
    if (j.size() > 1) j += ',';
    j += "\"" + std::string(rules::channel_name(ch)) + "\":{\"paused\":" +
         (paused_[rules::channel_index(ch)] ? "true" : "false") + "}";
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
  policy_ = std::move(policy);
  for (auto& [p, d] : partitions_) d->set_policy(policy_);
  logging::info("policy.reloaded", {{"policy", name}});
  return {true, "policy " + name + " in force"};
}

}  // namespace reminder::app
