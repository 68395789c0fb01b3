#pragma once

// Creates missing topics at start-up (blocking, bounded: start-up only).

#include <chrono>
#include <string>
#include <vector>

#include "kafka/client_config.h"

namespace reminder::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 12;
  bool compacted = false;
};

// Throws std::runtime_error with the topic and the broker's reason if a
// topic can neither be created nor already exists.
void ensure_topics(const Properties& props, const std::vector<TopicSpec>& topics,
                   std::chrono::milliseconds timeout);

// The topic's partition count from the cluster's metadata. Throws if the
// topic does not exist or the broker does not answer in time.
int partition_count(const Properties& props, const std::string& topic,
                    std::chrono::milliseconds timeout);

}  // namespace reminder::kafka
