#pragma once

// The composition root: builds every part by constructor injection, owns
// start-up and shutdown order, and drives the one io_context thread that
// owns all state. Nothing else creates long-lived objects. (In exactly-once
// mode one other thread runs each transaction's commit; it touches only the
// producer's client, which the loop leaves alone meanwhile: start_commit.)

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "clock/clock.h"
#include "config/daemon_config.h"
#include "http/admin_api.h"
#include "ingest/event_decoder.h"
#include "kafka/commit_tracker.h"
#include "kafka/consumer.h"
#include "kafka/embedded_kafka.h"
#include "kafka/producer.h"
#include "metrics/prometheus_probes.h"
#include "pipeline/dispatcher.h"
#include "rules/zone_catalog.h"
#include "app/retry_backoff.h"
#include "app/watchdog.h"

namespace reminder::demo {
class DemoFeed;
}
namespace reminder::http {
class HttpServer;
}
namespace reminder::sinks {
class KafkaDispatchSink;
class DeadLetterWriter;
}

namespace reminder::app {

class CountingSink;

struct RunOptions {
  std::string config_path = "deploy/reminderd.yaml";
  std::optional<std::string> bootstrap_servers;  // overrides kafka.bootstrap.servers
  bool embedded_kafka = false;
  bool demo = false;
  std::optional<std::string> http_listen;
};

// Exit codes, for the supervisor and the runbook.
enum ExitCode : int {
  kExitOk = 0,
  kExitConfig = 2,        // bad config or policy at start-up
  kExitKafkaFatal = 3,    // fatal Kafka error: restart us
  kExitDrainTimeout = 4,  // SIGTERM drain did not finish in time
  kExitStartup = 5,       // anything else that stopped start-up
  kExitRestoreFailed = 6, // a partition's state could not be restored: refuse to run without it
};

class App final : public kafka::RebalanceListener, public http::AdminBackend {
 public:
  App(config::DaemonConfig config, rules::PolicyPtr policy, RunOptions options);
  ~App() override;

  // Runs until SIGTERM/SIGINT (drain) or a fatal error; returns the exit code.
  int run();

  // kafka::RebalanceListener
  void on_revoke(const std::vector<std::int32_t>& partitions, kafka::Revocation how) override;
  void on_assign(const std::vector<std::int32_t>& partitions) override;

  // http::AdminBackend
  std::string metrics_text() override;
  bool live() override;
  http::ReadyState ready() override;
  std::string explain_customer_json(std::string_view customer_id) override;
  void set_channel_paused(rules::Channel channel, bool paused) override;
  std::string channels_json() override;
  http::ReloadOutcome reload_policy() override;

 private:
  void start();
  void schedule_tick(bool immediately);
  void tick();
  void process(rd_kafka_message_t& message);
  void maybe_commit(bool force_seal);
  // State by input partition: restore on assignment, drop on revocation.
  bool restore_partitions(const std::vector<std::int32_t>& partitions);
  pipeline::Dispatcher* dispatcher_for(std::int32_t partition);
  // Exactly-once: the changed customers' records into the transaction.
  // At-least-once: nothing (seal_epoch() takes them).
  void write_changelog();
  // At-least-once: closes the epoch with the offsets consumed and the
  // changelog records of the customers changed since the last seal.
  void seal_epoch();
  // At-least-once: produces the changelog records whose events' outputs are
  // all acknowledged.
  void release_changelog();
  // Exactly-once: one transaction holds outputs, changelog and offsets.
  // carry_over: the transaction takes what was decided while the last
  // commit ran (its age and size are counted from that commit's start).
  void begin_transaction_if_needed(bool carry_over = false);
  // Commits the open transaction (and one under way first) and waits.
  bool commit_transaction();
  // The commit runs on commit_thread_ while the loop goes on deciding; the
  // producer holds what is decided meanwhile (Producer::hold) until
  // collect_commit() sees the commit end and opens the next transaction.
  void start_commit();
  kafka::KafkaError run_commit(const kafka::OffsetMap& offsets,
                               const rd_kafka_consumer_group_metadata_t* group);
  // Ends a commit under way if it is done (or, with wait, once it is):
  // success opens the next transaction with the held records, failure
  // aborts and rewinds. False when the daemon stopped.
  bool collect_commit(bool wait);
  // Aborts the open transaction; false (and finished) when that fails.
  bool abort_transaction(std::string_view why);
  void abort_and_rewind(std::string_view why);
  // After an abort: input back to the committed offsets, state back from
  // the changelog, and a doubling hold before the next transaction.
  void rewind_and_hold();
  // Exactly-once: swaps a producer that librdkafka declared fatal for a new
  // one of the same transactional.id; false (and the process stops) when a
  // new client cannot help, e.g. fenced by a newer instance.
  bool replace_fatal_producer(const kafka::KafkaError& error);
  std::string transactional_id() const;
  void begin_drain(std::string_view why);
  void finish(int code);
  void report();
  void produce_demo_events();
  void wait_for_signal();
  void pet_watchdog();
  // Until the cluster answers (and topics it will not create exist): retries
  // with backoff, the loop serving HTTP and signals in between. False if a
  // signal or failure ended the wait.
  bool wait_for_kafka();
  void start_http();

  config::DaemonConfig config_;
  RunOptions options_;
  clock::SystemClock clock_;
  rules::ZoneCatalog zones_;
  ingest::ValidationLimits limits_;
  metrics::PrometheusProbes probes_;
  metrics::NullProbes metrics_null_;
  rules::PolicyPtr policy_;
  bool exactly_once_ = false;
  std::map<std::int32_t, std::unique_ptr<pipeline::Dispatcher>> partitions_;
  // Of the input topic: each partition's Dispatcher paces to 1/this of the
  // group's channel capacity.
  int input_partitions_ = 1;
  std::unique_ptr<BlockingCallWatchdog> watchdog_;
  bool txn_open_ = false;
  std::uint64_t rebalances_ = 0;  // revocations + assignments seen
  absl::Time txn_started_ = absl::InfinitePast();
  std::int64_t txn_events_ = 0;
  std::string changelog_buffer_;
  std::array<bool, 3> paused_ = {false, false, false};
  kafka::CommitTracker tracker_;
  kafka::OffsetMap consumed_;
  kafka::OffsetMap txn_committed_;  // exactly-once: offsets in the last committed transaction
  // Exactly-once: transactions aborted in a row hold processing a doubling
  // while (a denied or missing output otherwise aborts ~10 times a second).
  RetryBackoff abort_backoff_{std::chrono::milliseconds(250), std::chrono::seconds(16)};
  std::chrono::steady_clock::time_point held_until_{};
  std::int64_t producer_replacements_ = 0;
  std::thread commit_thread_;
  bool commit_in_flight_ = false;
  std::atomic<bool> commit_done_{false};
  kafka::KafkaError commit_error_;  // written by commit_thread_ before commit_done_
  kafka::OffsetMap commit_offsets_;              // of the commit under way (read by its thread)
  std::chrono::duration<double> commit_took_{};  // written by commit_thread_, like commit_error_
  http::AdminAuth admin_auth_;
  std::string kafka_wait_reason_;  // non-empty while start-up waits for Kafka (/readyz says it)

  boost::asio::io_context io_;
  boost::asio::steady_timer tick_timer_{io_};
  boost::asio::steady_timer report_timer_{io_};
  boost::asio::steady_timer demo_timer_{io_};
  boost::asio::steady_timer watchdog_timer_{io_};
  boost::asio::signal_set signals_{io_};

  // Built in start(), in this order; destroyed in reverse.
  std::unique_ptr<kafka::EmbeddedKafka> embedded_;
  kafka::Properties kafka_props_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<sinks::KafkaDispatchSink> sink_;
  std::unique_ptr<CountingSink> counting_sink_;
  std::unique_ptr<sinks::DeadLetterWriter> dead_letters_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<kafka::Producer> demo_producer_;
  std::unique_ptr<demo::DemoFeed> demo_feed_;

  reminder::v1::AccountEvent event_;  // reused per record
  std::vector<kafka::MessageHandle> batch_;
  absl::Time last_seal_ = absl::InfinitePast();
  bool draining_ = false;
  absl::Time drain_deadline_ = absl::InfiniteFuture();
  std::optional<kafka::KafkaError> delivery_error_;
  int exit_code_ = kExitOk;
  bool stopped_ = false;
  std::uint64_t consumed_total_ = 0;
  std::uint64_t dead_lettered_total_ = 0;
};

}  // namespace reminder::app
