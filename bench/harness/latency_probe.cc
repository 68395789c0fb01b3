// latency_probe: end-to-end latency, from an input record's produce time to
// the moment its output is readable (isolation.level=read_committed) by a
// downstream consumer on the same machine.
//
//   latency_probe --bootstrap H:P --topic T --group G --mode header
//   latency_probe --bootstrap H:P --topic T --group G --mode decisions --produced F
//        [--expect N] [--idle-exit-s 5] [--max-s 600] [--warmup-s 2] [--ready-file F]
//        [-X key=value ...]
//
// --mode header     each output record carries the input's `bench-produced-ns`
//                   header (the passthrough copies it): latency = arrival - header.
// --mode decisions  the daemon's decision records (reminder.v1.Decision) do not
//                   carry it: the probe records the arrival time of the FIRST
//                   decision of each event_id, and at the end joins them with
//                   the loadgen's --produced-file ("event_id produced_ns").
//
// Arrival = CLOCK_REALTIME when the batch holding the record is returned by
// rd_kafka_consume_batch_queue (1 ms batch timeout; fetch.wait.max.ms 5
// unless overridden).
// Events produced before --since-ns (CLOCK_REALTIME ns; e.g. the
// introduction events produced before the paced phase) and in the first
// --warmup-s seconds after it are left out. Stops after --expect events (0 = no limit), after
// --idle-exit-s without a new record once at least one arrived, at --max-s, or
// on SIGTERM. Prints one JSON line: sample count, p50/p90/p99/p99.9/max in ms,
// events produced but never seen.

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "harness_common.h"
#include "reminder/v1/decision.pb.h"

namespace {

std::int64_t parse_i64(const void* p, std::size_t n) {
  std::int64_t v = 0;
  const auto* c = static_cast<const char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (c[i] < '0' || c[i] > '9') return -1;
    v = v * 10 + (c[i] - '0');
  }
  return v;
}

double pct(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return -1;
  const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size()))) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv,
                   {"bootstrap", "topic", "group", "mode", "produced", "expect", "idle-exit-s",
                    "max-s", "warmup-s", "ready-file", "since-ns"},
                   {},
                   "usage: latency_probe --bootstrap H:P --topic T --group G --mode header|decisions "
                   "[--produced F] [--expect N] [--idle-exit-s S] [--max-s S] [--warmup-s S] "
                   "[--ready-file F] [--since-ns NS] [-X k=v]");
  const std::string topic = args.need("topic");
  const std::string mode = args.str("mode", "header");
  if (mode != "header" && mode != "decisions") args.fail("--mode header|decisions");
  if (mode == "decisions" && !args.has("produced")) args.fail("--mode decisions needs --produced");
  const std::int64_t expect = args.num("expect", 0);
  const std::int64_t idle_ns = args.num("idle-exit-s", 5) * 1'000'000'000LL;
  const std::int64_t max_ns = args.num("max-s", 600) * 1'000'000'000LL;
  const auto warmup_ns = static_cast<std::int64_t>(args.real("warmup-s", 2) * 1e9);
  const std::int64_t since_ns = args.num("since-ns", 0);
  bench::install_stop_handlers();

  bench::Props props = {
      {"bootstrap.servers", args.need("bootstrap")},
      {"client.id", "bench-latency-probe"},
      {"group.id", args.need("group")},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "earliest"},
      {"isolation.level", "read_committed"},
      {"fetch.wait.max.ms", "5"},
  };
  rd_kafka_conf_t* conf = bench::make_conf(props, args.props());
  bench::quiet_logs(conf);
  auto rk = bench::make_handle(RD_KAFKA_CONSUMER, conf);
  // The topic may be created by the process under test: wait for it.
  const std::int64_t t0 = bench::mono_ns();
  while (bench::partition_count(rk.get(), topic, 2000) <= 0) {
    if (bench::stop_flag().load() || bench::mono_ns() - t0 > 120'000'000'000LL) bench::die("no topic " + topic);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  rd_kafka_poll_set_consumer(rk.get());
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk.get());
  {
    rd_kafka_topic_partition_list_t* subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, topic.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto e = rd_kafka_subscribe(rk.get(), subs)) bench::die(rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(subs);
  }

  // header mode: (produced, arrival); decisions mode: event_id -> arrival.
  std::vector<std::pair<std::int64_t, std::int64_t>> samples;
  absl::flat_hash_map<std::string, std::int64_t> first_arrival;
  std::int64_t records = 0, undecodable = 0, no_header = 0;
  reminder::v1::Decision decision;
  std::vector<rd_kafka_message_t*> msgs(1000);
  std::int64_t last_arrival_mono = -1;
  bool ready_written = false;
  const std::int64_t start = bench::mono_ns();
  while (!bench::stop_flag().load()) {
    const ssize_t n = rd_kafka_consume_batch_queue(queue, 1, msgs.data(), msgs.size());
    const std::int64_t arrival = bench::realtime_ns();
    const std::int64_t now = bench::mono_ns();
    if (!ready_written && args.has("ready-file")) {
      // Ready once the group has given us partitions.
      rd_kafka_topic_partition_list_t* a = nullptr;
      if (rd_kafka_assignment(rk.get(), &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
        if (a->cnt > 0) {
          bench::write_file_atomic(args.str("ready-file"), "ready\n");
          ready_written = true;
        }
        rd_kafka_topic_partition_list_destroy(a);
      }
    }
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = msgs[static_cast<std::size_t>(i)];
      if (!m->err) {
        ++records;
        if (mode == "header") {
          rd_kafka_headers_t* h = nullptr;
          const void* v = nullptr;
          size_t vn = 0;
          if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
              rd_kafka_header_get_last(h, "bench-produced-ns", &v, &vn) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            samples.emplace_back(parse_i64(v, vn), arrival);
          } else {
            ++no_header;
          }
        } else if (decision.ParseFromArray(m->payload, static_cast<int>(m->len))) {
          first_arrival.try_emplace(decision.event_id(), arrival);
        } else {
          ++undecodable;
        }
      }
      rd_kafka_message_destroy(m);
    }
    if (n > 0) last_arrival_mono = now;
    const auto seen = static_cast<std::int64_t>(mode == "header" ? samples.size() : first_arrival.size());
    if (expect > 0 && seen >= expect) break;
    if (last_arrival_mono > 0 && now - last_arrival_mono > idle_ns) break;
    if (now - start > max_ns) break;
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(rk.get());

  std::int64_t produced_total = 0, missing = 0;
  if (mode == "decisions") {
    std::ifstream in(args.str("produced"));
    if (!in) bench::die("cannot read " + args.str("produced"));
    std::string id;
    std::int64_t ns = 0;
    while (in >> id >> ns) {
      ++produced_total;
      auto it = first_arrival.find(id);
      if (it == first_arrival.end()) {
        ++missing;
      } else {
        samples.emplace_back(ns, it->second);
      }
    }
  }
  std::int64_t first_produced = INT64_MAX, before_since = 0;
  for (const auto& s : samples) {
    if (s.first >= since_ns) first_produced = std::min(first_produced, s.first);
  }
  std::vector<double> ms;
  ms.reserve(samples.size());
  std::int64_t warm = 0;
  for (const auto& s : samples) {
    if (s.first < since_ns) {
      ++before_since;
      continue;
    }
    if (s.first < first_produced + warmup_ns) {
      ++warm;
      continue;
    }
    ms.push_back(static_cast<double>(s.second - s.first) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  double mean = 0;
  for (double v : ms) mean += v;
  if (!ms.empty()) mean /= static_cast<double>(ms.size());
  std::printf(
      "{\"tool\":\"latency_probe\",\"mode\":\"%s\",\"topic\":\"%s\",\"records\":%" PRId64
      ",\"samples\":%zu,\"before_since\":%" PRId64 ",\"warmup_excluded\":%" PRId64 ",\"produced\":%" PRId64 ",\"missing\":%" PRId64
      ",\"undecodable\":%" PRId64 ",\"no_header\":%" PRId64
      ",\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"p999_ms\":%.2f,\"max_ms\":%.2f,\"mean_ms\":%.2f,\"cpu_s\":%.2f}\n",
      mode.c_str(), topic.c_str(), records, ms.size(), before_since, warm, produced_total, missing, undecodable,
      no_header, pct(ms, 0.50), pct(ms, 0.90), pct(ms, 0.99), pct(ms, 0.999), ms.empty() ? -1.0 : ms.back(),
      mean, bench::self_cpu_seconds());
  return ms.empty() ? 1 : 0;
}
