// state_memory: memory per customer held in state, measured through the real
// pipeline::Dispatcher (no Kafka).
//
//   state_memory [--customers 1000000,10000000] [--partitions 12] [--seed 1]
//                [--policy deploy/policies/us-reg-f.yaml] [--no-deferred-probe]
//                [--bytes-per-customer-estimate 900]
//
// For each customer count N, in a fresh child process (fork) so each figure
// starts from a clean heap:
//   - the demo feed's own introduction events (each customer's ContactProfile
//     and, right after it, its first Delinquency) for --template-customers
//     customers (DemoFeed picks customers at random, so this draws from the
//     feed until every one of them is introduced; built before the baseline);
//   - customer j of N (id "C%07d") gets template j mod T's two events with its
//     own customer_id and event_id: the same mix of zones, jurisdictions,
//     contact points, products and DPDs as the feed, without drawing ~N ln N
//     events from it (10M customers would take over 10 minutes);
//   - customers are spread over --partitions Dispatchers by the Java-compatible
//     murmur2 of the key, as the daemon keeps one Dispatcher per input partition;
//   - simulated time: Wednesday 2026-03-18 15:00-20:00Z, advancing with the
//     customers: US and UK windows open, China's closed (those contacts are
//     deferred to the next morning), some contacts capped or suppressed as the
//     policy says; a no-op sink;
//   - RSS growth (resident pages of /proc/self/statm, after minus before) per
//     customer, and StateStore::approximate_bytes() per customer.
// Then, for the first N, the same with every channel paused (kill switch):
// every contact becomes a deferred contact, so
//   bytes per deferred contact ~= (RSS_paused - RSS_normal) / (deferred_paused - deferred_normal)
// (the contacts sent in the normal run leave an Attempt, ~16-32 bytes,
// which the paused run does not: the figure is a slight underestimate).
//
// A count is skipped (reported, not run) when MemAvailable is below
// N x --bytes-per-customer-estimate x 1.3.
//
// One JSON line per run on stdout; a summary line at the end.

#include <absl/strings/str_split.h>
#include <absl/time/civil_time.h>
#include <absl/time/clock.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/policy_loader.h"
#include "demo/demo_feed.h"
#include "harness_common.h"
#include "metrics/probes.h"
#include "pipeline/dispatch_sink.h"
#include "pipeline/dispatcher.h"
#include "rules/zone_catalog.h"
#include "scheduler/deferred_schedule.h"

#ifndef REMINDERD_SOURCE_DIR
#define REMINDERD_SOURCE_DIR "."
#endif

namespace {

class NoopSink final : public reminder::pipeline::DispatchSink {
 public:
  void on_decision(const reminder::v1::Decision&) override { ++decisions; }
  void on_sms(const reminder::v1::SmsMessage&) override { ++messages; }
  void on_email(const reminder::v1::EmailMessage&) override { ++messages; }
  void on_call(const reminder::v1::CallTask&) override { ++messages; }
  std::int64_t decisions = 0;
  std::int64_t messages = 0;
};

std::int64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  std::int64_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

std::int64_t mem_available_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  std::int64_t kb = 0;
  std::string unit;
  while (f >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return -1;
}

// Kafka's Java partitioner: murmur2 of the key bytes, positive, mod partitions.
std::int32_t murmur2_partition(std::string_view key, int partitions) {
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto len = static_cast<std::uint32_t>(key.size());
  std::uint32_t h = 0x9747b28c ^ len;
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  std::size_t i = 0;
  for (; i + 4 <= key.size(); i += 4) {
    std::uint32_t k = static_cast<std::uint32_t>(data[i]) | (static_cast<std::uint32_t>(data[i + 1]) << 8) |
                      (static_cast<std::uint32_t>(data[i + 2]) << 16) |
                      (static_cast<std::uint32_t>(data[i + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (key.size() - i) {
    case 3: h ^= static_cast<std::uint32_t>(data[i + 2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<std::uint32_t>(data[i + 1]) << 8; [[fallthrough]];
    case 1: h ^= data[i]; h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>((h & 0x7fffffff) % static_cast<std::uint32_t>(partitions));
}

struct Result {
  std::int64_t customers = 0;
  std::int64_t events = 0;
  std::int64_t draws = 0;
  std::int64_t rss_before = 0;
  std::int64_t rss_after = 0;
  std::int64_t approx_bytes = 0;
  std::int64_t deferred = 0;
  std::int64_t attempts = 0;
  std::int64_t accounts = 0;
  std::int64_t decisions = 0;
  std::int64_t messages = 0;
  std::int64_t deferred_heap_bytes = 0;  // the deferred vectors' capacity (fixed-size records)
  double seconds = 0;
};

// The demo feed's own introduction events (each customer's ContactProfile
// and first Delinquency), serialized, for `count` customers.
std::vector<std::pair<std::string, std::string>> introductions(int count, std::uint64_t seed,
                                                               absl::Time now, std::int64_t& draws) {
  reminder::demo::DemoFeed feed(reminder::demo::DemoFeedOptions{count, seed});
  std::vector<std::pair<std::string, std::string>> out(static_cast<std::size_t>(count));
  std::vector<std::uint8_t> state(static_cast<std::size_t>(count), 0);
  std::vector<reminder::v1::AccountEvent> buf;
  int introduced = 0;
  while (introduced < count) {
    buf.clear();
    feed.next(now, 4096, buf);
    draws += static_cast<std::int64_t>(buf.size());
    for (const auto& e : buf) {
      const auto ci = static_cast<std::size_t>(std::atoi(e.customer_id().c_str() + 1));
      if (e.has_profile() && state[ci] == 0) {
        state[ci] = 1;
        e.SerializeToString(&out[ci].first);
      } else if (e.has_delinquency() && state[ci] == 1) {
        state[ci] = 2;
        e.SerializeToString(&out[ci].second);
        ++introduced;
      }
    }
  }
  return out;
}

Result build(int customers, int partitions, int template_customers, std::uint64_t seed, bool paused,
             const reminder::rules::PolicyPtr& policy) {
  Result r;
  reminder::rules::ZoneCatalog zones;
  reminder::metrics::NullProbes probes;
  std::vector<std::unique_ptr<reminder::pipeline::Dispatcher>> dispatchers;
  for (int p = 0; p < partitions; ++p) {
    dispatchers.push_back(std::make_unique<reminder::pipeline::Dispatcher>(
        policy, zones, probes, probes, reminder::scheduler::PacingShare{p, partitions}));
    if (paused) {
      for (auto ch : reminder::rules::kAllChannels) dispatchers.back()->set_channel_paused(ch, true);
    }
  }
  const absl::Time t0 =
      absl::FromCivil(absl::CivilSecond(2026, 3, 18, 15, 0, 0), absl::UTCTimeZone());
  const double span_s = 5 * 3600;
  const int templates = std::min(customers, template_customers);
  const auto intro = introductions(templates, seed, t0, r.draws);
  NoopSink sink;
  reminder::v1::AccountEvent e;
  char id[32];

  r.rss_before = rss_bytes();
  const std::int64_t start = bench::mono_ns();
  for (int j = 0; j < customers; ++j) {
    const absl::Time now =
        t0 + absl::Seconds(span_s * static_cast<double>(j) / static_cast<double>(customers));
    const auto& [profile, delinquency] = intro[static_cast<std::size_t>(j % templates)];
    std::snprintf(id, sizeof id, "C%07d", j);
    auto& d = *dispatchers[static_cast<std::size_t>(murmur2_partition(id, partitions))];
    for (const std::string* bytes : {&profile, &delinquency}) {
      e.ParseFromString(*bytes);
      e.set_customer_id(id);
      e.set_event_id(absl::StrCat("sm-", j, bytes == &profile ? "-p" : "-d"));
      e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(now));
      e.mutable_occurred_at()->set_nanos(0);
      if (auto rej = d.on_event(e, now, sink)) std::fprintf(stderr, "rejected: %s\n", rej->detail.c_str());
      ++r.events;
    }
    // As the daemon's tick does (it writes them to the changelog): drain the
    // changed-customer lists every 1000 customers.
    if (j % 1000 == 999) {
      for (auto& dp : dispatchers) dp->take_changed([](const reminder::state::CustomerState&) {});
    }
  }
  for (auto& dp : dispatchers) dp->take_changed([](const reminder::state::CustomerState&) {});
  r.seconds = static_cast<double>(bench::mono_ns() - start) / 1e9;
  r.rss_after = rss_bytes();
  for (const auto& d : dispatchers) {
    const auto& store = d->store();
    r.customers += static_cast<std::int64_t>(store.size());
    r.approx_bytes += static_cast<std::int64_t>(store.approximate_bytes());
    r.deferred += static_cast<std::int64_t>(d->deferred_count());
    for (std::size_t i = 0; i < store.size(); ++i) {
      const auto& c = store.at(static_cast<reminder::state::CustomerIndex>(i));
      r.attempts += static_cast<std::int64_t>(c.attempts.size());
      r.accounts += static_cast<std::int64_t>(c.accounts.size());
      r.deferred_heap_bytes +=
          static_cast<std::int64_t>(c.deferred.capacity() * sizeof(reminder::state::DeferredContact));
    }
  }
  r.decisions = sink.decisions;
  r.messages = sink.messages;
  return r;
}

void print(const char* label, int customers, int partitions, bool paused, const Result& r) {
  const double n = static_cast<double>(r.customers);
  std::printf(
      "{\"tool\":\"state_memory\",\"run\":\"%s\",\"customers\":%" PRId64 ",\"requested\":%d,"
      "\"partitions\":%d,\"paused\":%s,\"events\":%" PRId64 ",\"draws\":%" PRId64
      ",\"seconds\":%.1f,\"rss_growth_mb\":%.1f,\"rss_bytes_per_customer\":%.1f,"
      "\"approx_bytes_per_customer\":%.1f,\"accounts\":%" PRId64 ",\"attempts\":%" PRId64
      ",\"deferred\":%" PRId64 ",\"decisions\":%" PRId64 ",\"messages\":%" PRId64
      ",\"deferred_vector_and_string_bytes\":%" PRId64 ",\"sizeof_customer_state\":%zu,"
      "\"sizeof_account_state\":%zu,\"sizeof_deferred_contact\":%zu,\"sizeof_attempt\":%zu,"
      "\"schedule_entry_bytes\":%zu}\n",
      label, r.customers, customers, partitions, paused ? "true" : "false", r.events, r.draws, r.seconds,
      static_cast<double>(r.rss_after - r.rss_before) / 1048576.0,
      n > 0 ? static_cast<double>(r.rss_after - r.rss_before) / n : 0.0,
      n > 0 ? static_cast<double>(r.approx_bytes) / n : 0.0, r.accounts, r.attempts, r.deferred,
      r.decisions, r.messages, r.deferred_heap_bytes, sizeof(reminder::state::CustomerState),
      sizeof(reminder::state::AccountState), sizeof(reminder::state::DeferredContact),
      sizeof(reminder::state::Attempt), reminder::scheduler::DeferredSchedule::entry_bytes());
  std::fflush(stdout);
}

// Runs build() in a child; the child writes the Result through a pipe.
bool run_child(int customers, int partitions, int templates, std::uint64_t seed, bool paused,
               const reminder::rules::PolicyPtr& policy, Result& out) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the parent (driver stopped)
    close(fds[0]);
    Result r = build(customers, partitions, templates, seed, paused, policy);
    const auto* p = reinterpret_cast<const char*>(&r);
    std::size_t left = sizeof r;
    while (left > 0) {
      const ssize_t n = write(fds[1], p, left);
      if (n <= 0) _exit(1);
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    _exit(0);  // no destructors: tearing down 10M customers takes a while
  }
  close(fds[1]);
  auto* p = reinterpret_cast<char*>(&out);
  std::size_t got = 0;
  while (got < sizeof out) {
    const ssize_t n = read(fds[0], p + got, sizeof out - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return got == sizeof out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv,
                   {"customers", "partitions", "seed", "policy", "bytes-per-customer-estimate",
                    "template-customers"},
                   {"no-deferred-probe"},
                   "usage: state_memory [--customers 1000000,10000000] [--partitions 12] [--seed 1] "
                   "[--template-customers 100000] [--policy FILE] [--no-deferred-probe] "
                   "[--bytes-per-customer-estimate 900]");
  std::vector<int> counts;
  for (auto s : absl::StrSplit(args.str("customers", "1000000,10000000"), ',')) {
    counts.push_back(std::atoi(std::string(s).c_str()));
    if (counts.back() < 1) args.fail("--customers: a comma-separated list of counts");
  }
  const int partitions = static_cast<int>(args.num("partitions", 12));
  const int templates = static_cast<int>(args.num("template-customers", 100'000));
  if (templates < 1) args.fail("--template-customers must be >= 1");
  const auto seed = static_cast<std::uint64_t>(args.num("seed", 1));
  const double estimate = args.real("bytes-per-customer-estimate", 900);
  const std::string policy_path =
      args.str("policy", std::string(REMINDERD_SOURCE_DIR) + "/deploy/policies/us-reg-f.yaml");
  auto loaded = reminder::config::load_policy_file(policy_path);
  if (auto* err = std::get_if<reminder::config::ConfigError>(&loaded)) bench::die(err->to_string());
  const auto policy = std::get<reminder::rules::PolicyPtr>(loaded);

  Result first_normal, paused;
  bool have_first = false, have_paused = false;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const int n = counts[i];
    const double need = static_cast<double>(n) * estimate * 1.3;
    const auto avail = static_cast<double>(mem_available_bytes());
    if (avail > 0 && need > avail) {
      std::printf("{\"tool\":\"state_memory\",\"run\":\"normal\",\"requested\":%d,\"skipped\":"
                  "\"MemAvailable %.1f GB < %.1f GB needed\"}\n",
                  n, avail / 1e9, need / 1e9);
      continue;
    }
    Result r;
    if (!run_child(n, partitions, templates, seed, false, policy, r)) bench::die("child failed for " + std::to_string(n));
    print("normal", n, partitions, false, r);
    if (i == 0) {
      first_normal = r;
      have_first = true;
      if (!args.flag("no-deferred-probe")) {
        if (!run_child(n, partitions, templates, seed, true, policy, paused)) bench::die("paused child failed");
        print("all_channels_paused", n, partitions, true, paused);
        have_paused = true;
      }
    }
  }
  if (have_first && have_paused && paused.deferred > first_normal.deferred) {
    const double d = static_cast<double>(paused.deferred - first_normal.deferred);
    std::printf(
        "{\"tool\":\"state_memory\",\"run\":\"deferred_probe\",\"customers\":%" PRId64
        ",\"extra_deferred\":%.0f,\"rss_bytes_per_deferred\":%.1f,\"approx_bytes_per_deferred\":%.1f,"
        "\"deferred_vector_and_string_bytes_per_deferred\":%.1f}\n",
        paused.customers, d, static_cast<double>((paused.rss_after - paused.rss_before) -
                                                (first_normal.rss_after - first_normal.rss_before)) / d,
        static_cast<double>(paused.approx_bytes - first_normal.approx_bytes) / d,
        paused.deferred > 0 ? static_cast<double>(paused.deferred_heap_bytes) / static_cast<double>(paused.deferred)
                            : 0.0);
  }
  return 0;
}
