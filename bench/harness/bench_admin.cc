// bench_admin: topic admin for the harness driver, without a JVM per call.
//
//   bench_admin --bootstrap H:P create --partitions 12 [--compact] TOPIC...
//   bench_admin --bootstrap H:P delete TOPIC...
//   bench_admin --bootstrap H:P lag --group G --topic T   (prints: committed end lag)
//   bench_admin --bootstrap H:P offsets TOPIC...           (prints: TOPIC end-offset-sum, per line;
//                                                          with transactions, markers count too)

#include <cinttypes>
#include <string>
#include <vector>

#include "harness_common.h"

int main(int argc, char** argv) {
  std::vector<std::string> topics;
  std::string bootstrap, command, group, topic;
  int partitions = 12;
  bool compact = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) bench::die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--bootstrap") bootstrap = value();
    else if (a == "--partitions") partitions = std::stoi(value());
    else if (a == "--compact") compact = true;
    else if (a == "--group") group = value();
    else if (a == "--topic") topic = value();
    else if (command.empty()) command = a;
    else topics.push_back(a);
  }
  if (bootstrap.empty() || (command != "create" && command != "delete" && command != "lag" &&
                             command != "offsets")) {
    bench::die("usage: bench_admin --bootstrap H:P (create [--partitions N] [--compact] | delete) TOPIC... "
               "| lag --group G --topic T");
  }
  if (command == "lag") {
    // read_uncommitted: no require_stable, a pending transaction's offsets
    // are simply not counted yet.
    rd_kafka_conf_t* conf = bench::make_conf({{"bootstrap.servers", bootstrap}, {"group.id", group},
                                              {"enable.auto.commit", "false"},
                                              {"isolation.level", "read_uncommitted"}});
    bench::quiet_logs(conf);
    auto rk = bench::make_handle(RD_KAFKA_CONSUMER, conf);
    const int n = bench::partition_count(rk.get(), topic);
    if (n <= 0) bench::die("no topic " + topic);
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(n);
    for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(l, topic.c_str(), p);
    if (auto e = rd_kafka_committed(rk.get(), l, 10000)) bench::die(rd_kafka_err2str(e));
    std::int64_t committed = 0, end = 0;
    for (int p = 0; p < n; ++p) {
      std::int64_t lo = 0, hi = 0;
      rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &lo, &hi, 10000);
      end += hi;
      if (l->elems[p].offset > 0) committed += l->elems[p].offset;
    }
    rd_kafka_topic_partition_list_destroy(l);
    std::printf("%" PRId64 " %" PRId64 " %" PRId64 "\n", committed, end, end - committed);
    return 0;
  }
  rd_kafka_conf_t* conf = bench::make_conf({{"bootstrap.servers", bootstrap}});
  bench::quiet_logs(conf);
  auto rk = bench::make_handle(RD_KAFKA_PRODUCER, conf);
  if (command == "offsets") {
    for (const auto& t : topics) {
      const int n = bench::partition_count(rk.get(), t);
      std::int64_t end = 0;
      for (int p = 0; p < n; ++p) {
        std::int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(rk.get(), t.c_str(), p, &lo, &hi, 10000) == 0) end += hi;
      }
      std::printf("%s %" PRId64 "\n", t.c_str(), n > 0 ? end : -1);
    }
    return 0;
  }
  try {
    if (command == "create") {
      bench::ensure_topics(rk.get(), topics, partitions, compact);
    } else {
      bench::delete_topics(rk.get(), topics);
    }
  } catch (const std::exception& e) {
    bench::die(e.what());
  }
  return 0;
}
