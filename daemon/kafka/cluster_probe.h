#pragma once

// Start-up check: can the daemon reach the cluster with its client settings
// (TLS, SASL), and do the topics it will not create exist? One metadata
// round trip, bounded; the caller retries with backoff while /readyz says why.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kafka/client_config.h"

namespace reminder::kafka {

// Empty when the cluster answered and every topic of `must_exist` is there
// (and visible to us); otherwise why not, in words fit for a log line and
// /readyz: the client's own error where it has one ("SASL authentication
// error: ...", "SSL handshake failed: ..."), else the metadata error, or the
// first missing topic. Never contains a property value. Throws
// std::runtime_error (as make_conf) on a property librdkafka rejects.
std::optional<std::string> probe_cluster(const Properties& props,
                                         const std::vector<std::string>& must_exist,
                                         std::chrono::milliseconds timeout);

// A known defect of the linked librdkafka for these settings, or empty:
// before 2.6.1 its SCRAM proof is rejected by Kafka 4.x brokers
// (librdkafka#4895), so `sasl.mechanism(s): SCRAM-*` cannot authenticate there.
std::optional<std::string> client_caveat(const Properties& props);

}  // namespace reminder::kafka
