// Both loaders count YAML documents before loading one: yaml-cpp 0.7's
// LoadAll never returns on some tiny inputs (found by fuzzing), which would
// hang `check-config` and a SIGHUP reload on a typo.

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "config/daemon_config.h"
#include "config/policy_loader.h"

namespace reminder::config {
namespace {

template <class T>
std::string error_of(const Loaded<T>& loaded) {
  if (const auto* e = std::get_if<ConfigError>(&loaded)) return e->to_string();
  return "(loaded)";
}

TEST(YamlDocuments, InputsThatHungLoadAllAreErrors) {
  for (const char* text : {"!,", "[],", "&a,", "!,\n!,", "[],\n"}) {
    const std::string policy = error_of(parse_policy(text, "p.yaml"));
    const std::string daemon = error_of(parse_daemon_config(text, "d.yaml"));
    EXPECT_NE(policy, "(loaded)") << text;
    EXPECT_NE(daemon, "(loaded)") << text;
  }
}

TEST(YamlDocuments, CountedWithTheSecondDocumentsPosition) {
  EXPECT_EQ(error_of(parse_daemon_config("policy: p.yaml\n---\npolicy: q.yaml\n", "d.yaml")),
            "d.yaml:3:1: expected one YAML document, found 2");
  std::string many = "policy: p.yaml\n";
  for (int i = 0; i < 40; ++i) many += "---\na: 1\n";
  EXPECT_EQ(error_of(parse_daemon_config(many, "d.yaml")),
            "d.yaml:3:1: expected one YAML document, found more than 16");
  EXPECT_EQ(error_of(parse_daemon_config("", "d.yaml")), "d.yaml: empty config (expected a map)");
  EXPECT_EQ(error_of(parse_daemon_config("---\n", "d.yaml")),
            "d.yaml: empty config (expected a map)");
}

}  // namespace
}  // namespace reminder::config
