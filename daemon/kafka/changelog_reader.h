#pragma once

// Reads partitions of the state changelog from their beginning to their end
// (the last stable offset: read_committed, once every transaction that wrote
// before the call has ended), for restoring state before any
// of those partitions' events are processed. One consumer reads them all at
// once. Blocking, bounded.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/client_config.h"
#include "kafka/kafka_error.h"

namespace reminder::kafka {

struct RestoreStats {
  std::int64_t records = 0;
  std::int64_t bytes = 0;
  double seconds = 0;
  // Of which waiting for open transactions to end (commit markers written).
  double waited_for_transactions_seconds = 0;
};

using ChangelogApply = std::function<void(std::int32_t partition, std::string_view key,
                                          std::string_view value)>;

// Calls `apply` for every record, in order within each partition. An error
// means some partition could not be read to its end: the caller must not
// process those partitions' events (processing without state breaks the rules).
KafkaError read_changelog(const Properties& props, const std::string& topic,
                          const std::vector<std::int32_t>& partitions,
                          std::chrono::milliseconds timeout, const ChangelogApply& apply,
                          RestoreStats& stats);

}  // namespace reminder::kafka
