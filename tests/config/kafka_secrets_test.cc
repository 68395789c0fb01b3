// `kafka_secrets:`: librdkafka passwords and keys come from a file or an
// environment variable, never from the config file itself; errors name the
// property and the file or variable, never the secret.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "config/daemon_config.h"
#include "config/secrets.h"

namespace reminder::config {
namespace {

std::string error_of(const Loaded<DaemonConfig>& loaded) {
  if (const auto* e = std::get_if<ConfigError>(&loaded)) return e->to_string();
  ADD_FAILURE() << "expected an error, the config loaded";
  return "";
}

DaemonConfig config_of(const Loaded<DaemonConfig>& loaded) {
  if (const auto* e = std::get_if<ConfigError>(&loaded)) {
    ADD_FAILURE() << e->to_string();
    return {};
  }
  return std::get<DaemonConfig>(loaded);
}

TEST(KafkaSecrets, EverySecretPropertyIsRejectedInTheKafkaMap) {
  for (const char* key :
       {"sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem",
        "sasl.oauthbearer.client.secret", "sasl.oauthbearer.config"}) {
    EXPECT_TRUE(is_secret_kafka_property(key)) << key;
    const std::string yaml =
        std::string("policy: p.yaml\nkafka:\n  sasl.username: u\n  ") + key + ": hunter2\n";
    const std::string error = error_of(parse_daemon_config(yaml, "/etc/r/reminderd.yaml"));
    EXPECT_EQ(error, std::string("/etc/r/reminderd.yaml:4:3: kafka: '") + key +
                         "' is a secret and may not be written in the config file; set it in "
                         "kafka_secrets with {file: PATH} or {env: VARIABLE}");
    EXPECT_EQ(error.find("hunter2"), std::string::npos) << "the secret echoed in the error";
  }
  EXPECT_FALSE(is_secret_kafka_property("sasl.username"));
  EXPECT_FALSE(is_secret_kafka_property("ssl.key.location"));
}

TEST(KafkaSecrets, FileAndEnvReferencesAreRead) {
  const auto c =
      config_of(parse_daemon_config("policy: p.yaml\n"
                                    "kafka:\n  security.protocol: SASL_SSL\n"
                                    "kafka_secrets:\n"
                                    "  sasl.password: {file: secrets/kafka-password}\n"
                                    "  ssl.key.password: {env: REMINDERD_KEY_PASSWORD}\n",
                                    "/etc/reminderd/reminderd.yaml"));
  ASSERT_EQ(c.kafka_secrets.size(), 2u);
  EXPECT_EQ(c.kafka_secrets.at("sasl.password").source, SecretSource::kFile);
  EXPECT_EQ(c.kafka_secrets.at("sasl.password").location, "/etc/reminderd/secrets/kafka-password");
  EXPECT_EQ(c.kafka_secrets.at("ssl.key.password").source, SecretSource::kEnv);
  EXPECT_EQ(c.kafka_secrets.at("ssl.key.password").location, "REMINDERD_KEY_PASSWORD");
  EXPECT_EQ(c.kafka.count("sasl.password"), 0u);
}

TEST(KafkaSecrets, BadReferencesFailWithExactMessages) {
  const std::pair<const char*, const char*> cases[] = {
      {"kafka_secrets:\n  sasl.username: {env: X}\n",
       "c.yaml:3:3: kafka_secrets: 'sasl.username' is not a secret property (expected one of: "
       "sasl.password, ssl.key.password, ssl.keystore.password, ssl.key.pem, "
       "sasl.oauthbearer.client.secret, sasl.oauthbearer.config); set it in kafka"},
      {"kafka_secrets:\n  sasl.password: {file: a, env: B}\n",
       "c.yaml:3:18: kafka_secrets.sasl.password: expected exactly one of 'file' or 'env'"},
      {"kafka_secrets:\n  sasl.password: {}\n",
       "c.yaml:3:18: kafka_secrets.sasl.password: expected exactly one of 'file' or 'env'"},
      {"kafka_secrets:\n  sasl.password: hunter2\n",
       "c.yaml:3:18: kafka_secrets.sasl.password: expected {file: PATH} or {env: VARIABLE}"},
      {"kafka_secrets:\n  sasl.password: {value: x}\n",
       "c.yaml:3:19: kafka_secrets.sasl.password: unknown key 'value' (expected one of: file, "
       "env)"},
      {"kafka_secrets:\n  sasl.password: {env: 1BAD-NAME}\n",
       "c.yaml:3:24: kafka_secrets.sasl.password.env: '1BAD-NAME' is not an environment variable "
       "name"},
      {"kafka_secrets:\n  sasl.password: {file: \"\"}\n",
       "c.yaml:3:25: kafka_secrets.sasl.password.file: must not be empty"},
  };
  for (const auto& [yaml, expected] : cases) {
    EXPECT_EQ(error_of(parse_daemon_config(std::string("policy: p.yaml\n") + yaml, "c.yaml")),
              expected);
  }
}

class SecretFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("reminderd-secrets-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name, const std::string& content) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  static std::map<std::string, SecretRef> one(SecretSource s, const std::string& where) {
    return {{"sasl.password", SecretRef{s, where}}};
  }
  static std::string value_of(const Loaded<std::map<std::string, std::string>>& r) {
    if (const auto* e = std::get_if<ConfigError>(&r)) {
      ADD_FAILURE() << e->to_string();
      return "";
    }
    return std::get<0>(r).at("sasl.password");
  }
  static std::string error_of(const Loaded<std::map<std::string, std::string>>& r) {
    if (const auto* e = std::get_if<ConfigError>(&r)) return e->to_string();
    ADD_FAILURE() << "expected an error";
    return "";
  }
  std::filesystem::path dir_;
};

TEST_F(SecretFiles, FileContentLessOneTrailingNewline) {
  EXPECT_EQ(value_of(resolve_secrets(one(SecretSource::kFile, file("a", "s3cret\n")))), "s3cret");
  EXPECT_EQ(value_of(resolve_secrets(one(SecretSource::kFile, file("b", "s3cret\r\n")))), "s3cret");
  EXPECT_EQ(value_of(resolve_secrets(one(SecretSource::kFile, file("c", "s3cret")))), "s3cret");
  EXPECT_EQ(value_of(resolve_secrets(one(SecretSource::kFile, file("d", " spaced \n\n")))),
            " spaced \n");
  // A PEM key keeps its inner newlines.
  const std::string pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  const auto r = resolve_secrets({{"ssl.key.pem", SecretRef{SecretSource::kFile, file("k", pem)}}});
  ASSERT_EQ(r.index(), 0u);
  EXPECT_EQ(std::get<0>(r).at("ssl.key.pem"), pem.substr(0, pem.size() - 1));
}

TEST_F(SecretFiles, FileErrorsNameTheFileNeverTheContent) {
  EXPECT_EQ(error_of(resolve_secrets(one(SecretSource::kFile, "/nonexistent/pw"))),
            "kafka_secrets.sasl.password: cannot open file '/nonexistent/pw': No such file or "
            "directory");
  EXPECT_EQ(error_of(resolve_secrets(one(SecretSource::kFile, file("empty", "\n")))),
            "kafka_secrets.sasl.password: file '" + (dir_ / "empty").string() + "' is empty");
  EXPECT_EQ(error_of(resolve_secrets(one(SecretSource::kFile, dir_.string()))),
            "kafka_secrets.sasl.password: '" + dir_.string() + "' is not a regular file");
  const std::string with_nul = error_of(
      resolve_secrets(one(SecretSource::kFile, file("nul", std::string("ab\0cd-hunter2", 13)))));
  EXPECT_EQ(with_nul, "kafka_secrets.sasl.password: contains a NUL byte");
  EXPECT_EQ(error_of(resolve_secrets(
                one(SecretSource::kFile, file("big", std::string(kMaxSecretBytes + 1, 'x'))))),
            "kafka_secrets.sasl.password: file '" + (dir_ / "big").string() +
                "' is larger than 65536 bytes");
}

TEST_F(SecretFiles, EnvironmentVariable) {
  ASSERT_EQ(::setenv("REMINDERD_TEST_SECRET", "from-env", 1), 0);
  EXPECT_EQ(value_of(resolve_secrets(one(SecretSource::kEnv, "REMINDERD_TEST_SECRET"))),
            "from-env");
  ASSERT_EQ(::setenv("REMINDERD_TEST_SECRET", "", 1), 0);
  EXPECT_EQ(error_of(resolve_secrets(one(SecretSource::kEnv, "REMINDERD_TEST_SECRET"))),
            "kafka_secrets.sasl.password: environment variable 'REMINDERD_TEST_SECRET' is unset "
            "or empty");
  ::unsetenv("REMINDERD_TEST_SECRET");
  EXPECT_EQ(error_of(resolve_secrets(one(SecretSource::kEnv, "REMINDERD_TEST_SECRET"))),
            "kafka_secrets.sasl.password: environment variable 'REMINDERD_TEST_SECRET' is unset "
            "or empty");
}

}  // namespace
}  // namespace reminder::config
