#pragma once

// Builds librdkafka configurations from the YAML `kafka:` map (passed
// through, like kcat -X) plus the settings a role requires.

#include <map>
#include <string>

#include "kafka/handles.h"

namespace reminder::kafka {

using Properties = std::map<std::string, std::string>;

// Throws std::runtime_error naming the property (never its value: it may be
// a secret) if librdkafka rejects it. Start-up only.
ConfHandle make_conf(const Properties& base, const Properties& overrides);

// The `kafka:` map serves every client, but librdkafka warns (CONFWARN, at
// each start) about a consumer property given to a producer. A producer-type
// client (producer, admin, probe) gets the map without them.
Properties without_consumer_properties(const Properties& props);

// librdkafka's own log lines go to our JSON log.
void route_logs(rd_kafka_conf_t* conf);

}  // namespace reminder::kafka
