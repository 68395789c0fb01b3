#include "config/daemon_config.h"

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/strict_yaml.h"

namespace reminder::config {

std::string_view delivery_mode_name(DeliveryMode mode) {
  switch (mode) {
    case DeliveryMode::kAtLeastOnce:
      return "at_least_once";
    case DeliveryMode::kExactlyOnce:
      return "exactly_once";
  }
  return "unknown";
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

namespace {

using namespace strict_yaml;  // NOLINT(google-build-using-namespace): the loaders' own toolkit

int read_small_int(const Reader& r, const Val& v, int min, int max) {
  return static_cast<int>(read_int(r, v, min, max));
}

std::string read_word(const Reader& r, const Val& v,
                      std::initializer_list<absl::string_view> words) {
  std::string s = read_string(r, v);
  if (std::find(words.begin(), words.end(), s) == words.end()) {
    r.fail(v.mark, v.path,
           absl::StrCat("expected one of ", absl::StrJoin(words, ", "), "; got '", s, "'"));
  }
  return s;
}

// ---------------------------------------------------------------------------
// Daemon config values.
// ---------------------------------------------------------------------------

// Kafka's legal topic name: [a-zA-Z0-9._-], 1..249 characters.
std::string read_topic(const Reader& r, const Val& v) {
  std::string name = read_nonempty_string(r, v);
  const bool legal = name.size() <= 249 && name != "." && name != ".." &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                              c == '_' || c == '-';
                     });
  if (!legal) {
    r.fail(v.mark, v.path,
           absl::StrCat("'", name, "' is not a valid Kafka topic name (letters, digits, . _ -)"));
  }
  return name;
}

TopicsConfig read_topics(const Reader& r, const Val& v) {
  Fields f(r, v,
           {"input", "sms", "email", "call", "decisions", "dead_letter", "changelog",
            "partitions", "create_missing"});
  TopicsConfig t;
  const std::pair<absl::string_view, std::string*> roles[] = {
      {"input", &t.input},         {"sms", &t.sms},
      {"email", &t.email},         {"call", &t.call},
      {"decisions", &t.decisions}, {"dead_letter", &t.dead_letter},
      {"changelog", &t.changelog}};
  for (const auto& [key, field] : roles) {
    if (auto x = f.get(key)) *field = read_topic(r, *x);
  }
  // A topic serving two roles would loop outputs into the input or mix message types.
  for (std::size_t j = 1; j < std::size(roles); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (*roles[i].second != *roles[j].second) continue;
      // Report at the later key the file set (defaults have no position).
      const bool j_set = f.get(roles[j].first).has_value();
      const absl::string_view at_key = j_set ? roles[j].first : roles[i].first;
      const absl::string_view other_key = j_set ? roles[i].first : roles[j].first;
      const Val at = f.get(at_key).value_or(v);
      r.fail(at.mark, at.path,
             absl::StrCat("'", *roles[j].second, "' is also topics.", other_key,
                          "; each role needs its own topic"));
    }
  }
  if (auto x = f.get("partitions")) t.partitions = read_small_int(r, *x, 1, 10000);
  if (auto x = f.get("create_missing")) t.create_missing = read_bool(r, *x);
  return t;
}

ConsumerConfig read_consumer(const Reader& r, const Val& v) {
  Fields f(r, v, {"group_id", "batch_size", "poll_interval_ms"});
  ConsumerConfig c;
  if (auto x = f.get("group_id")) c.group_id = read_nonempty_string(r, *x);
  if (auto x = f.get("batch_size")) c.batch_size = read_small_int(r, *x, 1, 100000);
  if (auto x = f.get("poll_interval_ms")) c.poll_interval_ms = read_small_int(r, *x, 0, 10000);
  return c;
}

DeliveryConfig read_delivery(const Reader& r, const Val& v) {
  Fields f(r, v, {"mode", "commit_interval_ms", "max_batch_events", "transactional_id_prefix"});
  DeliveryConfig d;
  if (auto x = f.get("mode")) {
    d.mode = read_word(r, *x, {"at_least_once", "exactly_once"}) == "exactly_once"
                 ? DeliveryMode::kExactlyOnce
                 : DeliveryMode::kAtLeastOnce;
  }
  if (auto x = f.get("commit_interval_ms")) d.commit_interval_ms = read_small_int(r, *x, 1, 60000);
  if (auto x = f.get("max_batch_events")) d.max_batch_events = read_small_int(r, *x, 1, 1000000);
  if (auto x = f.get("transactional_id_prefix")) {
    d.transactional_id_prefix = read_nonempty_string(r, *x);
  }
  return d;
}

// HOST:PORT, HOST may be a name, an IPv4 address or a bracketed IPv6 address.
bool is_host_port(absl::string_view s) {
  const std::size_t colon = s.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  const absl::string_view host = s.substr(0, colon);
  const absl::string_view port = s.substr(colon + 1);
  if (host.front() == '[' ? host.back() != ']' || host.size() < 3
                          : host.find(':') != absl::string_view::npos) {
    return false;
  }
  int n = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  return ec == std::errc() && end == port.data() + port.size() && n >= 0 && n <= 65535;  // 0 = ephemeral (tests)
}

bool is_env_name(absl::string_view s) {
  if (s.empty() || absl::ascii_isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

HttpConfig read_http(const Reader& r, const Val& v) {
  Fields f(r, v, {"listen", "admin_token_file", "admin_token_env"});
  HttpConfig h;
  if (auto x = f.get("listen")) {
    h.listen = read_string(r, *x);
    if (!is_host_port(h.listen)) {
      r.fail(x->mark, x->path, absl::StrCat("expected HOST:PORT, got '", h.listen, "'"));
    }
  }
  if (auto x = f.get("admin_token_file")) h.admin_token_file = read_string(r, *x);
  if (auto x = f.get("admin_token_env")) {
    h.admin_token_env = read_string(r, *x);
    if (!h.admin_token_env.empty() && !is_env_name(h.admin_token_env)) {
      r.fail(x->mark, x->path,
             absl::StrCat("'", h.admin_token_env, "' is not an environment variable name"));
    }
  }
  return h;
}

LogConfig read_log(const Reader& r, const Val& v) {
  Fields f(r, v, {"level"});
  LogConfig l;
  if (auto x = f.get("level")) {
    const std::string w = read_word(r, *x, {"trace", "debug", "info", "warn", "error"});
    l.level = w == "trace"   ? LogLevel::kTrace
              : w == "debug" ? LogLevel::kDebug
              : w == "info"  ? LogLevel::kInfo
              : w == "warn"  ? LogLevel::kWarn
                             : LogLevel::kError;
  }
  return l;
}

ShutdownConfig read_shutdown(const Reader& r, const Val& v) {
  Fields f(r, v, {"drain_timeout_ms"});
  ShutdownConfig s;
  if (auto x = f.get("drain_timeout_ms")) s.drain_timeout_ms = read_small_int(r, *x, 0, 600000);
  return s;
}

EmbeddedKafkaConfig read_embedded(const Reader& r, const Val& v) {
  Fields f(r, v, {"enabled", "brokers", "partitions"});
  EmbeddedKafkaConfig e;
  if (auto x = f.get("enabled")) e.enabled = read_bool(r, *x);
  if (auto x = f.get("brokers")) e.brokers = read_small_int(r, *x, 1, 16);
  if (auto x = f.get("partitions")) e.partitions = read_small_int(r, *x, 1, 1000);
  return e;
}

DemoConfig read_demo(const Reader& r, const Val& v) {
  Fields f(r, v, {"enabled", "customers", "events_per_second", "seed"});
  DemoConfig d;
  if (auto x = f.get("enabled")) d.enabled = read_bool(r, *x);
  if (auto x = f.get("customers")) d.customers = read_small_int(r, *x, 1, 10000000);
  if (auto x = f.get("events_per_second")) d.events_per_second = read_small_int(r, *x, 1, 1000000);
  if (auto x = f.get("seed")) {
    d.seed =
        static_cast<std::uint64_t>(read_int(r, *x, 0, std::numeric_limits<std::int64_t>::max()));
  }
  return d;
}

// Properties the daemon sets itself from its own keys; a second source of
// truth in the pass-through map would silently win or lose.
constexpr std::pair<absl::string_view, absl::string_view> kOwnedKafkaKeys[] = {
    {"group.id", "consumer.group_id"},
    {"transactional.id", "delivery.transactional_id_prefix"},
};

// librdkafka 2.0.2's properties that carry a password or a private key.
constexpr absl::string_view kSecretKafkaKeys[] = {
    "sasl.password",         "ssl.key.password",  "ssl.keystore.password",
    "ssl.key.pem",           "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.config",
};

std::map<std::string, std::string> read_kafka(const Reader& r, const Val& v) {
  std::map<std::string, std::string> props;
  for (const Entry& e : read_entries(r, v)) {
    if (absl::StripAsciiWhitespace(e.key).empty()) {
      r.fail(e.key_mark, v.path, "empty property name");
    }
    if (is_secret_kafka_property(e.key)) {
      // A bank's config files are versioned, backed up and pasted into
      // tickets: a secret written in one is a leaked secret.
      r.fail(e.key_mark, v.path,
             absl::StrCat("'", e.key,
                          "' is a secret and may not be written in the config file; set it in "
                          "kafka_secrets with {file: PATH} or {env: VARIABLE}"));
    }
    for (const auto& [owned, instead] : kOwnedKafkaKeys) {
      if (e.key == owned) {
        r.fail(e.key_mark, v.path,
               absl::StrCat("'", owned, "' is set by the daemon; use ", instead, " instead"));
      }
    }
    if (!e.value.node.IsScalar()) wrong_type(r, e.value, "a scalar value");
    props[e.key] = e.value.node.Scalar();
  }
  return props;
}

std::map<std::string, SecretRef> read_kafka_secrets(const Reader& r, const Val& v,
                                                    const std::string& source) {
  std::map<std::string, SecretRef> secrets;
  for (const Entry& e : read_entries(r, v)) {
    if (!is_secret_kafka_property(e.key)) {
      r.fail(e.key_mark, v.path,
             absl::StrCat("'", e.key, "' is not a secret property (expected one of: ",
                          absl::StrJoin(kSecretKafkaKeys, ", "), "); set it in kafka"));
    }
    if (!e.value.node.IsMap()) {
      // Not wrong_type(): that would print the value, likely the secret itself.
      r.fail(e.value.mark, e.value.path, "expected {file: PATH} or {env: VARIABLE}");
    }
    Fields f(r, e.value, {"file", "env"});
    const auto file = f.get("file");
    const auto env = f.get("env");
    if (file.has_value() == env.has_value()) {
      r.fail(e.value.mark, e.value.path, "expected exactly one of 'file' or 'env'");
    }
    SecretRef ref;
    if (file) {
      ref.source = SecretSource::kFile;
      const std::filesystem::path p(read_nonempty_string(r, *file));
      ref.location = (p.is_absolute() ? p : std::filesystem::path(source).parent_path() / p)
                         .lexically_normal()
                         .string();
    } else {
      ref.source = SecretSource::kEnv;
      ref.location = read_nonempty_string(r, *env);
      if (!is_env_name(ref.location)) {
        r.fail(env->mark, env->path,
               absl::StrCat("'", ref.location, "' is not an environment variable name"));
      }
    }
    secrets[e.key] = std::move(ref);
  }
  return secrets;
}

std::string resolve_policy_path(const std::string& config_source, const std::string& policy) {
  const std::filesystem::path p(policy);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (std::filesystem::path(config_source).parent_path() / p).lexically_normal().string();
}

DaemonConfig read_daemon_config(const Reader& r, const Val& root, const std::string& source) {
  Fields f(r, root,
           {"policy", "kafka", "kafka_secrets", "topics", "consumer", "delivery", "http", "log",
            "shutdown", "embedded_kafka", "demo"});
  DaemonConfig c;
  c.policy_path = resolve_policy_path(source, read_nonempty_string(r, f.need("policy")));
  if (auto x = f.get("kafka")) c.kafka = read_kafka(r, *x);
  if (auto x = f.get("kafka_secrets")) c.kafka_secrets = read_kafka_secrets(r, *x, source);
  if (auto x = f.get("topics")) c.topics = read_topics(r, *x);
  if (auto x = f.get("consumer")) c.consumer = read_consumer(r, *x);
  if (auto x = f.get("delivery")) c.delivery = read_delivery(r, *x);
  if (auto x = f.get("http")) c.http = read_http(r, *x);
  if (auto x = f.get("log")) c.log = read_log(r, *x);
  if (auto x = f.get("shutdown")) c.shutdown = read_shutdown(r, *x);
  if (auto x = f.get("embedded_kafka")) c.embedded_kafka = read_embedded(r, *x);
  if (auto x = f.get("demo")) c.demo = read_demo(r, *x);
  return c;
}

}  // namespace

bool is_secret_kafka_property(std::string_view name) {
  return std::find(std::begin(kSecretKafkaKeys), std::end(kSecretKafkaKeys),
                   absl::string_view(name.data(), name.size())) != std::end(kSecretKafkaKeys);
}

Loaded<DaemonConfig> parse_daemon_config(std::string_view yaml_text, std::string_view source_name) {
  const std::string source(source_name);
  const Reader r(source);
  try {
    const Val root = load_root(r, std::string(yaml_text), "config");
    return read_daemon_config(r, root, source);
  } catch (const Invalid& e) {
    return e.error;
  } catch (const YAML::Exception& e) {
    return ConfigError{r.where(e.mark), absl::StrCat("YAML syntax error: ", e.msg)};
  } catch (const std::exception& e) {
    return ConfigError{source, absl::StrCat("cannot load config: ", e.what())};
  }
}

Loaded<DaemonConfig> load_daemon_config(const std::string& path) {
  std::variant<std::string, ConfigError> text = read_file(path);
  if (auto* error = std::get_if<ConfigError>(&text)) return std::move(*error);
  return parse_daemon_config(std::get<std::string>(text), path);
}

}  // namespace reminder::config
