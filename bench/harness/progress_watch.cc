// progress_watch: measures a consumer under test from the outside, the same
// way for the passthrough and for reminderd, while it works through a
// pre-produced input of --target records.
//
//   progress_watch --pid PID --target M --bootstrap H:P --group G --topic T
//                  (--metrics-url HOST:PORT | --status-file F)
//                  [--broker-pid PID] [--interval-ms 50] [--timeout-s 600] [--csv F]
//
// Every --interval-ms (50) it samples:
//   consumed   reminderd: the sum of reminderd_events_consumed_total{kind=...}
//              from GET /metrics (every sample until consumption starts, then
//              every 4th: rendering costs the daemon CPU); passthrough:
//              consumed= from its status file (rewritten every 100 ms)
//   committed  the group's committed offsets on the input topic, summed over
//              partitions (OffsetFetch; what a restart would resume from: for
//              at-least-once committed only after every output is
//              acknowledged, for exactly-once with the transaction)
//   cpu        utime+stime of PID (and of the broker) from /proc/PID/stat
//   rss, hwm   VmRSS and VmHWM from /proc/PID/status
// and stops when committed >= M (or the passthrough's status says done=1),
// when PID exits, or at the timeout.
//
// Reported (one JSON line): end-to-end seconds = from the first sample that
// saw consumption (midpoint with the sample before it) to the first sample
// with everything committed (midpoint likewise), events/s = M / that; the
// consumption-only rate; CPU seconds of PID and of the broker between those
// two samples, per million records; VmHWM (peak RSS) at the end; the load
// average before and after.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness_common.h"

namespace {

struct Sample {
  double t = 0;               // s since start
  std::int64_t consumed = 0;  // -1 unknown
  std::int64_t committed = -1;
  bool done = false;
  double cpu_s = 0;
  double broker_cpu_s = 0;
  std::int64_t rss_kb = 0;
  std::int64_t hwm_kb = 0;
  double sys_busy_s = 0;      // all CPUs, whole machine (/proc/stat)
  double self_cpu_s = 0;      // this watcher
};

// utime+stime in seconds, or -1 if the process is gone.
double cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(f, s)) return -1;
  const auto rp = s.rfind(')');
  if (rp == std::string::npos) return -1;
  std::istringstream in(s.substr(rp + 2));
  std::string field;
  // Fields after the comm: state(3) ppid pgrp session tty tpgid flags minflt
  // cminflt majflt cmajflt utime(14) stime(15).
  std::vector<std::string> fs;
  while (in >> field && fs.size() < 13) fs.push_back(field);
  if (fs.size() < 13) return -1;
  const double ticks = std::stod(fs[11]) + std::stod(fs[12]);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void mem_kb(int pid, std::int64_t& rss, std::int64_t& hwm) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stoll(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::stoll(line.substr(6));
  }
}

// Busy CPU seconds of the whole machine (all cores) since boot: user, nice,
// system and steal. Interrupt and softirq time is left out: it is mostly the
// loopback traffic of the processes under test, charged to no process.
double system_busy_seconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// GET /metrics over HTTP/1.1 with Connection: close; the body or "".
std::string http_get(const std::string& hostport, const std::string& path) {
  const auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1))));
  if (inet_pton(AF_INET, hostport.substr(0, colon).c_str(), &addr.sin_addr) != 1) return "";
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[65536];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  const auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

std::int64_t consumed_from_metrics(const std::string& text) {
  std::int64_t total = -1;
  std::istringstream in(text);
  std::string line;
  const std::string name = "reminderd_events_consumed_total";
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    if (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ') continue;
    const auto sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    if (total < 0) total = 0;
    total += static_cast<std::int64_t>(std::stod(line.substr(sp + 1)));
  }
  return total;
}

bool read_status(const std::string& path, std::int64_t& consumed, bool& done) {
  std::ifstream f(path);
  std::string tok;
  bool any = false;
  while (f >> tok) {
    if (tok.rfind("consumed=", 0) == 0) {
      consumed = std::stoll(tok.substr(9));
      any = true;
    }
    if (tok == "done=1") done = true;
  }
  return any;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Args args(argc, argv,
                   {"pid", "broker-pid", "target", "bootstrap", "group", "topic", "metrics-url",
                    "status-file", "interval-ms", "timeout-s", "csv"},
                   {},
                   "usage: progress_watch --pid PID --target M --bootstrap H:P --group G --topic T "
                   "(--metrics-url HOST:PORT | --status-file F) [--broker-pid PID] "
                   "[--interval-ms 50] [--timeout-s 600] [--csv F]");
  const int pid = static_cast<int>(args.num("pid", 0));
  const int broker_pid = static_cast<int>(args.num("broker-pid", 0));
  const std::int64_t target = args.num("target", 0);
  const std::string topic = args.need("topic");
  const std::string metrics = args.str("metrics-url");
  const std::string status = args.str("status-file");
  const auto interval = std::chrono::milliseconds(args.num("interval-ms", 50));
  const double timeout_s = static_cast<double>(args.num("timeout-s", 600));
  if (pid <= 0 || target <= 0) args.fail("--pid and --target are required");
  if (metrics.empty() == status.empty()) args.fail("exactly one of --metrics-url, --status-file");
  bench::install_stop_handlers();

  // A consumer handle that never subscribes: only OffsetFetch for the group.
  // read_uncommitted: no require_stable, so a pending transaction's offsets
  // are not waited for (they are not committed yet).
  bench::Props props = {{"bootstrap.servers", args.need("bootstrap")},
                        {"group.id", args.need("group")},
                        {"client.id", "bench-progress-watch"},
                        {"enable.auto.commit", "false"},
                        {"isolation.level", "read_uncommitted"}};
  rd_kafka_conf_t* conf = bench::make_conf(props);
  bench::quiet_logs(conf);
  auto rk = bench::make_handle(RD_KAFKA_CONSUMER, conf);
  int partitions = -1;
  for (int i = 0; i < 100 && partitions <= 0; ++i) {
    partitions = bench::partition_count(rk.get(), topic, 2000);
    if (partitions <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (partitions <= 0) bench::die("no topic " + topic);

  auto committed_sum = [&]() -> std::int64_t {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(l, topic.c_str(), p);
    std::int64_t sum = -1;
    if (rd_kafka_committed(rk.get(), l, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      sum = 0;
      for (int i = 0; i < l->cnt; ++i) {
        if (l->elems[i].offset > 0) sum += l->elems[i].offset;
      }
    }
    rd_kafka_topic_partition_list_destroy(l);
    return sum;
  };

  FILE* csv = args.has("csv") ? std::fopen(args.str("csv").c_str(), "w") : nullptr;
  if (csv) std::fprintf(csv, "t,consumed,committed,cpu_s,broker_cpu_s,rss_kb,hwm_kb\n");
  const std::string load_start = loadavg();
  std::vector<Sample> samples;
  const std::int64_t start = bench::mono_ns();
  bool exited = false, timed_out = false;
  auto next = std::chrono::steady_clock::now();
  while (!bench::stop_flag().load()) {
    Sample s;
    s.t = static_cast<double>(bench::mono_ns() - start) / 1e9;
    s.cpu_s = cpu_seconds(pid);
    if (s.cpu_s < 0) {
      exited = true;
      break;
    }
    s.broker_cpu_s = cpu_seconds(broker_pid);
    s.sys_busy_s = system_busy_seconds();
    s.self_cpu_s = cpu_seconds(static_cast<int>(getpid()));
    mem_kb(pid, s.rss_kb, s.hwm_kb);
    s.consumed = -1;
    if (!metrics.empty()) {
      // Rendering /metrics costs the daemon a little CPU: every sample until
      // consumption starts (that instant matters), then every 4th.
      const bool started = !samples.empty() && samples.back().consumed > 0;
      if (!started || samples.size() % 4 == 0) {
        s.consumed = consumed_from_metrics(http_get(metrics, "/metrics"));
      } else {
        s.consumed = samples.back().consumed;
      }
    } else {
      read_status(status, s.consumed, s.done);
    }
    s.committed = committed_sum();
    samples.push_back(s);
    if (csv) {
      std::fprintf(csv, "%.3f,%" PRId64 ",%" PRId64 ",%.2f,%.2f,%" PRId64 ",%" PRId64 "\n", s.t,
                   s.consumed, s.committed, s.cpu_s, s.broker_cpu_s, s.rss_kb, s.hwm_kb);
    }
    if (s.committed >= target || s.done) break;
    if (s.t > timeout_s) {
      timed_out = true;
      break;
    }
    next += interval;
    std::this_thread::sleep_until(next);
  }
  if (csv) std::fclose(csv);
  const std::string load_end = loadavg();

  // First sample with consumption; the one before it bounds the start.
  std::size_t first = samples.size(), done = samples.size(), consumed_all = samples.size();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (first == samples.size() && samples[i].consumed > 0) first = i;
    if (consumed_all == samples.size() && samples[i].consumed >= target) consumed_all = i;
    if (done == samples.size() && (samples[i].committed >= target || samples[i].done)) done = i;
  }
  const bool ok = first < samples.size() && done < samples.size() && first > 0;
  double seconds = -1, consume_seconds = -1, cpu = -1, broker_cpu = -1, other_cores = -1;
  if (ok) {
    const double t_first = (samples[first - 1].t + samples[first].t) / 2;
    const double t_done = (samples[done - 1].t + samples[done].t) / 2;
    seconds = t_done - t_first;
    if (consumed_all < samples.size()) {
      consume_seconds = (samples[consumed_all - 1].t + samples[consumed_all].t) / 2 - t_first;
    }
    cpu = samples[done].cpu_s - samples[first - 1].cpu_s;
    broker_cpu = samples[done].broker_cpu_s - samples[first - 1].broker_cpu_s;
    // Everything else the machine did meanwhile (other engineers' builds and
    // tests), in cores: the noise indicator for this figure.
    const double wall = samples[done].t - samples[first - 1].t;
    const double busy = samples[done].sys_busy_s - samples[first - 1].sys_busy_s;
    const double self = samples[done].self_cpu_s - samples[first - 1].self_cpu_s;
    if (wall > 0) other_cores = std::max(0.0, (busy - cpu - broker_cpu - self) / wall);
  }
  const Sample last = samples.empty() ? Sample{} : samples.back();
  const double m = static_cast<double>(target) / 1e6;
  std::printf(
      "{\"tool\":\"progress_watch\",\"ok\":%s,\"target\":%" PRId64 ",\"consumed\":%" PRId64
      ",\"committed\":%" PRId64 ",\"seconds\":%.3f,\"rate\":%.0f,\"consume_seconds\":%.3f,"
      "\"consume_rate\":%.0f,\"cpu_s\":%.2f,\"cpu_s_per_m\":%.2f,\"broker_cpu_s\":%.2f,"
      "\"broker_cpu_s_per_m\":%.2f,\"hwm_mb\":%.1f,\"rss_mb\":%.1f,\"samples\":%zu,"
      "\"other_cores\":%.2f,\"exited\":%s,\"timed_out\":%s,\"load_start\":\"%s\",\"load_end\":\"%s\"}\n",
      ok ? "true" : "false", target, last.consumed, last.committed, seconds,
      seconds > 0 ? static_cast<double>(target) / seconds : 0.0, consume_seconds,
      consume_seconds > 0 ? static_cast<double>(target) / consume_seconds : 0.0, cpu,
      ok ? cpu / m : -1.0, broker_cpu, ok ? broker_cpu / m : -1.0,
      static_cast<double>(last.hwm_kb) / 1024.0, static_cast<double>(last.rss_kb) / 1024.0,
      samples.size(), other_cores, exited ? "true" : "false", timed_out ? "true" : "false", load_start.c_str(),
      load_end.c_str());
  return ok ? 0 : 1;
}
