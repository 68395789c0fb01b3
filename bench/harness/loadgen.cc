// loadgen: produces realistic AccountEvents (demo::DemoFeed) to a Kafka topic,
// keyed by customer_id, with the daemon's producer settings (idempotent,
// lz4, linger.ms 5, murmur2_random).
//
//   loadgen --bootstrap H:P --topic T --customers N --events M [--rate R]
//           [--seed S] [--phase all|intro|mix] [--profiles-only [--replicate-from T]]
//           [--produced-file F] [--create-partitions P] [-X key=value ...]
//
// Order: first the introduction of every customer (its ContactProfile and,
// right after it, its first Delinquency: DemoFeed's own pairing), then the
// feed's mix (delinquency, payment, promise, contact outcome, flag, profile
// change) until M events in all. DemoFeed picks customers at random, so the
// introduction phase draws from the feed and keeps only introductions; the
// draws it drops still advance the feed's per-customer cursors (a later
// delinquency may skip a ladder rung, as a missed daily file would).
// --phase intro: only the introduction events; --phase mix: the same sequence
// with the introduction generated but not produced (run after --phase intro
// with the same options: the feed is deterministic), i.e. the mix only.
// --profiles-only: the N profile events only (for the restore benchmark);
// with --replicate-from T, T customers' profiles drawn from the feed are
// reused for all N (own customer_id and event_id): much faster for large N.
//
// Every record carries a header `bench-produced-ns`: CLOCK_REALTIME ns taken
// just before it is handed to librdkafka. --produced-file writes
// "event_id produced_ns" per record, for latency measured at the daemon's
// decisions topic (whose records do not carry the header).
//
// --rate R paces to R events/s (0 = as fast as possible); a record more than
// 5 ms late moves the schedule (counted as pace_slips: the machine did not
// give this process the CPU). All records are generated and serialized before
// the first is produced. Prints one JSON summary line on stdout; progress on
// stderr.

#include <absl/time/clock.h>

#include <cinttypes>
#include <string>
#include <vector>

#include "demo/demo_feed.h"
#include "harness_common.h"
#include "reminder/v1/account_event.pb.h"

namespace {

std::atomic<std::int64_t> g_acked{0};
std::atomic<std::int64_t> g_failed{0};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    if (g_failed.fetch_add(1) < 5) std::fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    g_acked.fetch_add(1, std::memory_order_relaxed);
  }
}

int customer_index(const std::string& id) {  // "C000123" -> 123
  return std::atoi(id.c_str() + 1);
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv,
                   {"bootstrap", "topic", "customers", "events", "rate", "seed", "produced-file",
                    "create-partitions", "replicate-from", "phase"},
                   {"profiles-only"},
                   "usage: loadgen --bootstrap H:P --topic T --customers N --events M [--rate R] "
                   "[--seed S] [--phase all|intro|mix] [--profiles-only [--replicate-from T]] [--produced-file F] "
                   "[--create-partitions P] [-X k=v]");
  const std::string topic = args.need("topic");
  const int customers = static_cast<int>(args.num("customers", 200'000));
  const bool profiles_only = args.flag("profiles-only");
  const std::int64_t events = profiles_only ? customers : args.num("events", 2'000'000);
  const double rate = args.real("rate", 0);
  const auto seed = static_cast<std::uint64_t>(args.num("seed", 1));
  if (customers < 1) args.fail("--customers must be >= 1");
  const int replicate_from = static_cast<int>(args.num("replicate-from", 0));
  const std::string phase = args.str("phase", "all");
  if (phase != "all" && phase != "intro" && phase != "mix") args.fail("--phase all|intro|mix");
  if (replicate_from < 0 || (replicate_from > 0 && !profiles_only)) {
    args.fail("--replicate-from T needs --profiles-only");
  }
  if (!profiles_only && events < 2LL * customers) {
    args.fail("--events must be at least 2 x --customers (every customer's profile and first "
              "delinquency come first)");
  }
  bench::install_stop_handlers();

  bench::Props props = bench::daemon_producer_defaults();
  props["bootstrap.servers"] = args.need("bootstrap");
  props["client.id"] = "bench-loadgen";
  props["queue.buffering.max.messages"] = "1000000";
  rd_kafka_conf_t* conf = bench::make_conf(props, args.props());
  bench::quiet_logs(conf);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  auto rk = bench::make_handle(RD_KAFKA_PRODUCER, conf);

  if (args.has("create-partitions")) {
    bench::ensure_topics(rk.get(), {topic}, static_cast<int>(args.num("create-partitions", 12)));
  }
  // Metadata before the clock starts: the first produce does not wait for it.
  if (bench::partition_count(rk.get(), topic, 10000) <= 0) bench::die("topic " + topic + " does not exist");

  FILE* produced_file = nullptr;
  if (args.has("produced-file")) {
    produced_file = std::fopen(args.str("produced-file").c_str(), "w");
    if (!produced_file) bench::die("cannot write " + args.str("produced-file"));
    std::setvbuf(produced_file, nullptr, _IOFBF, 1 << 20);
  }

  // --replicate-from T: the profiles of T customers, drawn from the feed, are
  // reused for all N (customer j gets template j mod T's profile, with its own
  // customer_id and event_id): N profile events without drawing ~N ln N events.
  std::vector<std::string> templates;
  if (replicate_from > 0 && replicate_from < customers) {
    reminder::demo::DemoFeed tfeed(reminder::demo::DemoFeedOptions{replicate_from, seed});
    templates.resize(static_cast<std::size_t>(replicate_from));
    std::vector<reminder::v1::AccountEvent> tbuf;
    int have = 0;
    while (have < replicate_from) {
      tbuf.clear();
      tfeed.next(absl::Now(), 4096, tbuf);
      for (const auto& e : tbuf) {
        auto& t = templates[static_cast<std::size_t>(customer_index(e.customer_id()))];
        if (e.has_profile() && t.empty()) {
          e.SerializeToString(&t);
          ++have;
        }
      }
    }
  }
  std::int64_t replicated = 0;
  auto replica = [&](std::vector<reminder::v1::AccountEvent>& out) {
    reminder::v1::AccountEvent& e = out.emplace_back();
    const int j = static_cast<int>(replicated++);
    e.ParseFromString(templates[static_cast<std::size_t>(j % replicate_from)]);
    e.set_customer_id(reminder::demo::DemoFeed::customer_id(j));
    e.set_event_id("bench-" + std::to_string(seed) + "-p" + std::to_string(j));
    const absl::Time now = absl::Now();
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(now));
    e.mutable_occurred_at()->set_nanos(0);
  };

  reminder::demo::DemoFeed feed(reminder::demo::DemoFeedOptions{customers, seed});
  // 0 = not introduced, 1 = profile sent (its delinquency comes next), 2 = introduced.
  std::vector<std::uint8_t> intro(static_cast<std::size_t>(customers), 0);
  int introduced = 0;

  // Phase 1: generate and serialize every record up front, so that producing
  // (and pacing) is all this process does while the clock runs. Records are
  // packed into one buffer: key, event id, value.
  struct Rec {
    std::uint64_t off;
    std::uint32_t value_len;
    std::uint16_t key_len;
    std::uint16_t id_len;
  };
  std::vector<Rec> recs;
  recs.reserve(static_cast<std::size_t>(events));
  std::string blob;
  std::vector<reminder::v1::AccountEvent> buf;
  std::string value;
  std::int64_t intro_events = 0, dropped_draws = 0, bytes = 0;
  const std::int64_t gen_start = bench::mono_ns();
  std::int64_t total = 0;  // records of the whole sequence so far, produced or skipped
  while (total < events && !bench::stop_flag().load()) {
    if (phase == "intro" && introduced >= customers) break;
    buf.clear();
    if (!templates.empty()) {
      for (int k = 0; k < 256 && replicated < customers; ++k) replica(buf);
    } else {
      feed.next(absl::Now(), 256, buf);
    }
    for (auto& e : buf) {
      if (total >= events) break;
      const bool intro_phase = introduced < customers;
      if (phase == "intro" && !intro_phase) break;
      if (intro_phase) {
        const int ci = customer_index(e.customer_id());
        auto& st = intro[static_cast<std::size_t>(ci)];
        if (e.has_profile() && st == 0) {
          st = profiles_only ? 2 : 1;
          if (profiles_only) ++introduced;
        } else if (e.has_delinquency() && st == 1) {
          st = 2;
          ++introduced;
        } else {
          ++dropped_draws;
          continue;
        }
        ++intro_events;
      } else if (profiles_only) {
        break;
      }
      ++total;
      if (phase == "mix" && intro_phase) continue;  // generated (the feed's state), not produced
      value.clear();
      e.SerializeToString(&value);
      recs.push_back(Rec{blob.size(), static_cast<std::uint32_t>(value.size()),
                         static_cast<std::uint16_t>(e.customer_id().size()),
                         static_cast<std::uint16_t>(e.event_id().size())});
      blob += e.customer_id();
      blob += e.event_id();
      blob += value;
      bytes += static_cast<std::int64_t>(value.size());
    }
    if (profiles_only && introduced >= customers) break;
  }
  const double gen_seconds = static_cast<double>(bench::mono_ns() - gen_start) / 1e9;
  std::fprintf(stderr, "loadgen: %zu records generated in %.1f s (%d/%d customers introduced)\n",
               recs.size(), gen_seconds, introduced, customers);

  // Phase 2: produce, paced when --rate is given.
  std::int64_t sent = 0;
  const std::int64_t start = bench::mono_ns();
  std::int64_t pace_start = -1;  // pacing starts with the first record
  std::int64_t last_report = start;
  std::int64_t queue_full_waits = 0;
  std::int64_t pace_slips = 0;
  for (const Rec& r : recs) {
    if (bench::stop_flag().load()) break;
    const char* key = blob.data() + r.off;
    const char* id = key + r.key_len;
    const char* val = id + r.id_len;
    if (rate > 0) {
      const std::int64_t now = bench::mono_ns();
      if (pace_start < 0) pace_start = now;
      auto due = pace_start + static_cast<std::int64_t>(static_cast<double>(sent) * 1e9 / rate);
      if (now - due > 5'000'000) {
        // More than 5 ms behind (this process did not get the CPU): move the
        // schedule rather than catch up in a burst; counted as a slip.
        pace_start += now - due;
        due = now;
        ++pace_slips;
      }
      while (true) {
        const std::int64_t t = bench::mono_ns();
        if (t >= due) break;
        rd_kafka_poll(rk.get(), 0);
        const std::int64_t wait = due - t;
        if (wait > 200'000) std::this_thread::sleep_for(std::chrono::nanoseconds(wait - 100'000));
      }
    }
    const std::int64_t produced_ns = bench::realtime_ns();
    char stamp[24];
    const int stamp_len = std::snprintf(stamp, sizeof stamp, "%" PRId64, produced_ns);
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(1);
    rd_kafka_header_add(hdrs, "bench-produced-ns", -1, stamp, stamp_len);
    while (true) {
      const auto err = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key, r.key_len),
          RD_KAFKA_V_VALUE(const_cast<char*>(val), r.value_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) bench::die(std::string("produce: ") + rd_kafka_err2str(err));
      ++queue_full_waits;
      rd_kafka_poll(rk.get(), 5);
    }
    if (produced_file) {
      std::fwrite(id, 1, r.id_len, produced_file);
      std::fprintf(produced_file, " %" PRId64 "\n", produced_ns);
    }
    ++sent;
    if ((sent & 1023) == 0) {
      rd_kafka_poll(rk.get(), 0);
      const std::int64_t now = bench::mono_ns();
      if (now - last_report > 5'000'000'000LL) {
        last_report = now;
        std::fprintf(stderr, "loadgen: %" PRId64 " sent, %.0f/s\n", sent,
                     static_cast<double>(sent) * 1e9 / static_cast<double>(now - start));
      }
    }
  }
  const std::int64_t produced_done = bench::mono_ns();
  const auto flush_err = rd_kafka_flush(rk.get(), 120'000);
  const std::int64_t end = bench::mono_ns();
  if (produced_file) std::fclose(produced_file);
  const double secs = static_cast<double>(end - start) / 1e9;
  std::printf(
      "{\"tool\":\"loadgen\",\"topic\":\"%s\",\"events\":%" PRId64 ",\"intro_events\":%" PRId64
      ",\"customers\":%d,\"dropped_draws\":%" PRId64 ",\"acked\":%" PRId64 ",\"failed\":%" PRId64
      ",\"value_bytes_mean\":%.1f,\"generate_seconds\":%.1f,\"seconds\":%.3f,\"produce_seconds\":%.3f,\"rate\":%.0f,"
      "\"target_rate\":%.0f,\"queue_full_waits\":%" PRId64 ",\"pace_slips\":%" PRId64 ",\"cpu_s\":%.2f}\n",
      topic.c_str(), sent, intro_events, introduced, dropped_draws, g_acked.load(), g_failed.load(),
      recs.empty() ? 0.0 : static_cast<double>(bytes) / static_cast<double>(recs.size()), gen_seconds, secs,
      static_cast<double>(produced_done - start) / 1e9, static_cast<double>(sent) / secs, rate,
      queue_full_waits, pace_slips, bench::self_cpu_seconds());
  if (flush_err || g_failed.load() > 0 || g_acked.load() != sent) return 1;
  return 0;
}
