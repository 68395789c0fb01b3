// passthrough: the limit. A bare librdkafka consume -> produce loop on one
// thread, like the daemon's tick but with no decode, no state and no rules:
// every input record is copied unchanged (key, value, headers) to an output
// topic, partitioned by key with the daemon's producer settings (idempotent,
// lz4, linger.ms 5, murmur2_random) and consumed with the daemon's consumer
// settings, in batches (rd_kafka_consume_batch_queue).
//
//   passthrough --bootstrap H:P --input T --output T2 --group G
//               [--transactions N [--txn-interval-ms MS]] [--batch 1000]
//               [--poll-timeout-ms 5] [--expect M] [--status-file F]
//               [--create-partitions P] [-X key=value ...]
//
// Delivery:
//   default          at-least-once, as the daemon: offsets are committed only
//                    for records whose outputs are all acknowledged, every
//                    --commit-interval-ms (default 100; skipped while the
//                    producer queue is not empty) and at the end (after a flush).
//   --transactions N one Kafka transaction per N records (or per
//                    --txn-interval-ms, whichever comes first), with the
//                    consumed offsets sent in it (send_offsets_to_transaction).
//
// --expect M: stop after M records consumed and their outputs acknowledged and
// committed. --status-file: "consumed=<n> acked=<n> assigned=<partitions>
// done=<0|1>" rewritten
// every 20 ms, for the driver's progress watcher. One JSON line on stdout at
// the end.

#include <cinttypes>
#include <map>
#include <string>
#include <vector>

#include "harness_common.h"

namespace {

std::int64_t g_acked = 0;
std::int64_t g_failed = 0;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    if (g_failed++ < 5) std::fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    ++g_acked;
  }
}

void check(rd_kafka_error_t* e, const char* what) {
  if (!e) return;
  std::fprintf(stderr, "%s: %s (fatal=%d abortable=%d)\n", what, rd_kafka_error_string(e),
               rd_kafka_error_is_fatal(e), rd_kafka_error_txn_requires_abort(e));
  rd_kafka_error_destroy(e);
  std::exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv,
                   {"bootstrap", "input", "output", "group", "transactions", "txn-interval-ms",
                    "batch", "poll-timeout-ms", "expect", "status-file", "create-partitions",
                    "commit-interval-ms"},
                   {},
                   "usage: passthrough --bootstrap H:P --input T --output T2 --group G "
                   "[--transactions N [--txn-interval-ms MS]] [--batch 1000] [--poll-timeout-ms 5] "
                   "[--commit-interval-ms 100] [--expect M] [--status-file F] "
                   "[--create-partitions P] [-X k=v]");
  const std::string input = args.need("input");
  const std::string output = args.need("output");
  const std::int64_t txn_every = args.num("transactions", 0);
  const std::int64_t txn_interval_ns = args.num("txn-interval-ms", 0) * 1'000'000;
  const std::int64_t commit_interval_ns = args.num("commit-interval-ms", 100) * 1'000'000;
  const auto batch = static_cast<std::size_t>(args.num("batch", 1000));
  const int poll_timeout = static_cast<int>(args.num("poll-timeout-ms", 5));
  const std::int64_t expect = args.num("expect", 0);
  const std::string status_file = args.str("status-file");
  const bool txn = txn_every > 0;
  bench::install_stop_handlers();

  // Producer.
  bench::Props pprops = bench::daemon_producer_defaults();
  pprops["bootstrap.servers"] = args.need("bootstrap");
  pprops["client.id"] = "bench-passthrough";
  if (txn) {
    pprops["transactional.id"] = "bench-passthrough-" + args.need("group");
    pprops["transaction.timeout.ms"] = "10000";  // as the daemon
  }
  rd_kafka_conf_t* pconf = bench::make_conf(pprops, args.props());
  bench::quiet_logs(pconf);
  rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
  auto producer = bench::make_handle(RD_KAFKA_PRODUCER, pconf);
  if (args.has("create-partitions")) {
    bench::ensure_topics(producer.get(), {output}, static_cast<int>(args.num("create-partitions", 12)));
  }
  if (bench::partition_count(producer.get(), output, 10000) <= 0) bench::die("no topic " + output);
  if (txn) check(rd_kafka_init_transactions(producer.get(), 60000), "init_transactions");

  // Consumer.
  bench::Props cprops = bench::daemon_consumer_defaults();
  cprops["bootstrap.servers"] = args.need("bootstrap");
  cprops["client.id"] = "bench-passthrough";
  cprops["group.id"] = args.need("group");
  rd_kafka_conf_t* cconf = bench::make_conf(cprops, args.props());
  bench::quiet_logs(cconf);
  auto consumer = bench::make_handle(RD_KAFKA_CONSUMER, cconf);
  rd_kafka_poll_set_consumer(consumer.get());
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(consumer.get());
  {
    rd_kafka_topic_partition_list_t* subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, input.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto e = rd_kafka_subscribe(consumer.get(), subs)) bench::die(rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(subs);
  }

  std::map<std::int32_t, std::int64_t> consumed_next;  // partition -> next offset
  auto offsets_list = [&] {
    rd_kafka_topic_partition_list_t* l =
        rd_kafka_topic_partition_list_new(static_cast<int>(consumed_next.size()));
    for (const auto& [p, o] : consumed_next) rd_kafka_topic_partition_list_add(l, input.c_str(), p)->offset = o;
    return l;
  };

  std::int64_t consumed = 0, produced = 0, txns = 0, commits = 0, queue_full_waits = 0;
  std::int64_t first_ns = -1, last_consumed_ns = -1;
  bool txn_open = false;
  std::int64_t txn_count = 0, txn_started = 0;

  auto commit_txn = [&] {
    if (!txn_open) return;
    rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer.get());
    rd_kafka_topic_partition_list_t* l = offsets_list();
    check(rd_kafka_send_offsets_to_transaction(producer.get(), l, cgmd, 30000), "send_offsets_to_transaction");
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    check(rd_kafka_commit_transaction(producer.get(), 60000), "commit_transaction");
    txn_open = false;
    ++txns;
  };
  // At-least-once: commit what has been consumed once everything produced
  // before it is acknowledged (a flush: bounded, the bare loop's simplest
  // correct form; the daemon instead tracks acknowledgements per epoch).
  std::int64_t last_commit = bench::mono_ns();
  auto commit_acked = [&](bool force) {
    const std::int64_t now = bench::mono_ns();
    if (!force && now - last_commit < commit_interval_ns) return;
    last_commit = now;
    if (consumed_next.empty()) return;
    if (force) {
      rd_kafka_flush(producer.get(), 60000);
    } else if (rd_kafka_outq_len(producer.get()) > 0) {
      return;  // not everything acknowledged yet: try at the next interval
    }
    rd_kafka_topic_partition_list_t* l = offsets_list();
    const auto e = rd_kafka_commit(consumer.get(), l, force ? 0 : 1);
    if (e) std::fprintf(stderr, "commit: %s\n", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
    ++commits;
  };

  std::int64_t last_status = 0;
  auto write_status = [&](bool done) {
    if (status_file.empty()) return;
    int assigned = 0;
    rd_kafka_topic_partition_list_t* a = nullptr;
    if (rd_kafka_assignment(consumer.get(), &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
      assigned = a->cnt;
      rd_kafka_topic_partition_list_destroy(a);
    }
    bench::write_file_atomic(status_file, "consumed=" + std::to_string(consumed) +
                                              " acked=" + std::to_string(g_acked) +
                                              " assigned=" + std::to_string(assigned) +
                                              " done=" + (done ? "1" : "0") + "\n");
  };

  std::vector<rd_kafka_message_t*> msgs(batch);
  bool done = false;
  while (!done && !bench::stop_flag().load()) {
    rd_kafka_poll(producer.get(), 0);
    const ssize_t n = rd_kafka_consume_batch_queue(queue, poll_timeout, msgs.data(), batch);
    if (n > 0 && txn && !txn_open) {
      check(rd_kafka_begin_transaction(producer.get()), "begin_transaction");
      txn_open = true;
      txn_count = 0;
      txn_started = bench::mono_ns();
    }
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = msgs[static_cast<std::size_t>(i)];
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          std::fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
        continue;
      }
      if (first_ns < 0) first_ns = bench::mono_ns();
      rd_kafka_headers_t* in_hdrs = nullptr;
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &in_hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && in_hdrs) {
        hdrs = rd_kafka_headers_copy(in_hdrs);
      }
      while (true) {
        const auto err = rd_kafka_producev(
            producer.get(), RD_KAFKA_V_TOPIC(output.c_str()), RD_KAFKA_V_KEY(m->key, m->key_len),
            RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) bench::die(std::string("produce: ") + rd_kafka_err2str(err));
        ++queue_full_waits;
        rd_kafka_poll(producer.get(), 1);
      }
      ++produced;
      ++consumed;
      ++txn_count;
      consumed_next[m->partition] = m->offset + 1;
      rd_kafka_message_destroy(m);
    }
    if (n > 0) last_consumed_ns = bench::mono_ns();
    if (txn) {
      if (txn_open && (txn_count >= txn_every ||
                       (txn_interval_ns > 0 && bench::mono_ns() - txn_started >= txn_interval_ns))) {
        commit_txn();
      }
    } else {
      commit_acked(false);
    }
    if (expect > 0 && consumed >= expect) done = true;
    const std::int64_t now = bench::mono_ns();
    if (now - last_status > 20'000'000) {
      last_status = now;
      write_status(false);
    }
  }
  // Finish: everything consumed is produced, acknowledged and committed.
  if (txn) {
    commit_txn();
  } else {
    commit_acked(true);
  }
  rd_kafka_flush(producer.get(), 60000);
  const std::int64_t done_ns = bench::mono_ns();
  write_status(true);
  // Linger a moment so a progress watcher sampling every 50 ms sees done=1
  // while this process (whose CPU time it reads) still exists.
  if (!status_file.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(consumer.get());

  const double secs = first_ns < 0 ? 0 : static_cast<double>(done_ns - first_ns) / 1e9;
  std::printf(
      "{\"tool\":\"passthrough\",\"mode\":\"%s\",\"consumed\":%" PRId64 ",\"produced\":%" PRId64
      ",\"acked\":%" PRId64 ",\"failed\":%" PRId64 ",\"transactions\":%" PRId64 ",\"commits\":%" PRId64
      ",\"seconds\":%.3f,\"consume_seconds\":%.3f,\"rate\":%.0f,\"queue_full_waits\":%" PRId64 "}\n",
      txn ? "transactions" : "idempotent", consumed, produced, g_acked, g_failed, txns, commits, secs,
      first_ns < 0 ? 0.0 : static_cast<double>(last_consumed_ns - first_ns) / 1e9,
      secs > 0 ? static_cast<double>(consumed) / secs : 0.0, queue_full_waits);
  return g_failed > 0 ? 1 : 0;
}
