#include "kafka/client_config.h"

#include <gtest/gtest.h>

namespace reminder::kafka {
namespace {

TEST(ClientConfig, ProducerClientsGetTheSharedMapWithoutConsumerProperties) {
  const Properties shared = {{"bootstrap.servers", "127.0.0.1:9092"},
                             {"security.protocol", "SASL_SSL"},
                             {"group.instance.id", "reminderd-0"},
                             {"session.timeout.ms", "10000"},
                             {"isolation.level", "read_committed"},
                             {"linger.ms", "5"}};
  const Properties expected = {{"bootstrap.servers", "127.0.0.1:9092"},
                               {"security.protocol", "SASL_SSL"},
                               {"linger.ms", "5"}};
  EXPECT_EQ(without_consumer_properties(shared), expected);
}

// Every name in the list is one librdkafka knows, and a consumer may set it:
// a typo there would keep the property from a producer for nothing.
TEST(ClientConfig, TheFilteredNamesAreConsumerPropertiesLibrdkafkaAccepts) {
  const Properties probe = {{"group.id", "g"},
                            {"group.instance.id", "i"},
                            {"session.timeout.ms", "10000"},
                            {"heartbeat.interval.ms", "3000"},
                            {"max.poll.interval.ms", "300000"},
                            {"enable.auto.commit", "false"},
                            {"auto.offset.reset", "earliest"},
                            {"isolation.level", "read_committed"},
                            {"fetch.wait.max.ms", "100"},
                            {"partition.assignment.strategy", "range"}};
  EXPECT_NO_THROW(make_conf(probe, {}));
  EXPECT_TRUE(without_consumer_properties(probe).empty());
}

}  // namespace
}  // namespace reminder::kafka
