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

// ---------------------------------------------------------------------------
// Strict YAML reading: the core of policy_loader.cc, trimmed to what this file
// needs (each loader owns one file); keep the two in step. Errors unwind to
// the entry point through `Invalid`, which never leaves this file.
// ---------------------------------------------------------------------------

struct Invalid {
  ConfigError error;
};

constexpr std::size_t kMaxFileBytes = 16 << 20;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  std::string where(const YAML::Mark& mark) const {
    if (mark.is_null()) return source_;
    return absl::StrCat(source_, ":", mark.line + 1, ":", mark.column + 1);
  }

  [[noreturn]] void fail(const YAML::Mark& mark, absl::string_view path,
                         absl::string_view what) const {
    throw Invalid{ConfigError{where(mark),
                              path.empty() ? std::string(what) : absl::StrCat(path, ": ", what)}};
  }

 private:
  std::string source_;
};

// A node, the dotted path naming it, and the mark errors point at (the key's
// for an empty value, which yaml-cpp marks at the next token).
struct Val {
  YAML::Node node;
  std::string path;
  YAML::Mark mark;
};

std::string child_path(absl::string_view parent, absl::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar: {
      std::string text = node.Scalar();
      if (text.size() > 40) text = text.substr(0, 37) + "...";
      // Say so when quotes made it a string: `'7'` alone would look like a number.
      if (node.Tag() != "?") return absl::StrCat("the string \"", text, "\"");
      return absl::StrCat("'", text, "'");
    }
  }
  return "an unknown node";
}

[[noreturn]] void wrong_type(const Reader& r, const Val& v, absl::string_view expected) {
  r.fail(v.mark, v.path, absl::StrCat("expected ", expected, ", got ", describe(v.node)));
}

// Only plain scalars are numbers or booleans: `batch_size: "7"` is a string.
bool is_plain_scalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

std::string read_string(const Reader& r, const Val& v) {
  if (!v.node.IsScalar()) wrong_type(r, v, "a string");
  return v.node.Scalar();
}

std::string read_nonempty_string(const Reader& r, const Val& v) {
  std::string s = read_string(r, v);
  if (absl::StripAsciiWhitespace(s).empty()) r.fail(v.mark, v.path, "must not be empty");
  return s;
}

std::int64_t read_int(const Reader& r, const Val& v, std::int64_t min, std::int64_t max) {
  if (!is_plain_scalar(v.node)) wrong_type(r, v, "an integer");
  const std::string& s = v.node.Scalar();
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) wrong_type(r, v, "an integer");
  if (value < min) r.fail(v.mark, v.path, absl::StrCat("must be at least ", min, ", got ", value));
  if (value > max) r.fail(v.mark, v.path, absl::StrCat("must be at most ", max, ", got ", value));
  return value;
}

int read_small_int(const Reader& r, const Val& v, int min, int max) {
  return static_cast<int>(read_int(r, v, min, max));
}

bool read_bool(const Reader& r, const Val& v) {
  if (is_plain_scalar(v.node)) {
    const std::string& s = v.node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  wrong_type(r, v, "true or false");
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

struct Entry {
  std::string key;
  YAML::Mark key_mark;
  Val value;
};

std::vector<Entry> read_entries(const Reader& r, const Val& v) {
  if (!v.node.IsMap()) wrong_type(r, v, "a map");
  std::vector<Entry> entries;
  std::map<std::string, int> first_line;
  for (const auto& kv : v.node) {
    const YAML::Node& key = kv.first;
    if (!key.IsScalar()) {
      r.fail(key.Mark(), v.path, absl::StrCat("expected a string key, got ", describe(key)));
    }
    const std::string& name = key.Scalar();
    auto [it, fresh] = first_line.emplace(name, key.Mark().line + 1);
    if (!fresh) {
      r.fail(key.Mark(), v.path,
             absl::StrCat("duplicate key '", name, "' (first at line ", it->second, ")"));
    }
    const YAML::Node& value = kv.second;
    entries.push_back(
        Entry{name, key.Mark(),
              Val{value, child_path(v.path, name), value.IsNull() ? key.Mark() : value.Mark()}});
  }
  return entries;
}

class Fields {
 public:
  Fields(const Reader& r, const Val& v, std::initializer_list<absl::string_view> allowed)
      : r_(r), path_(v.path), mark_(v.mark) {
    for (Entry& e : read_entries(r, v)) {
      if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
        r.fail(e.key_mark, path_,
               absl::StrCat("unknown key '", e.key,
                            "' (expected one of: ", absl::StrJoin(allowed, ", "), ")"));
      }
      entries_.push_back(std::move(e));
    }
  }

  std::optional<Val> get(absl::string_view key) const {
    for (const Entry& e : entries_) {
      if (e.key == key) return e.value;
    }
    return std::nullopt;
  }

  Val need(absl::string_view key) const {
    if (auto v = get(key)) return *v;
    r_.fail(mark_, path_, absl::StrCat("missing required key '", key, "'"));
  }

 private:
  const Reader& r_;
  std::string path_;
  YAML::Mark mark_;
  std::vector<Entry> entries_;
};

// How many YAML documents `text` holds (up to kMax + 1), and where the
// second one's root node starts. Events only: no nodes are built.
struct DocumentCount {
  static constexpr int kMax = 16;
  int documents = 0;
  YAML::Mark second_at = YAML::Mark::null_mark();
};

class DocumentCounter final : public YAML::EventHandler {
 public:
  explicit DocumentCounter(DocumentCount& count) : count_(count) {}
  void OnDocumentStart(const YAML::Mark&) override {
    ++count_.documents;
    root_pending_ = count_.documents == 2;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& m) {
    if (!root_pending_) return;
    count_.second_at = m;
    root_pending_ = false;
  }
  DocumentCount& count_;
  bool root_pending_ = false;
};

DocumentCount count_documents(const std::string& text) {
  DocumentCount count;
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter(count);
  while (count.documents <= DocumentCount::kMax && parser.HandleNextDocument(counter)) {
  }
  return count;
}

Val load_root(const Reader& r, const std::string& text, absl::string_view what) {
  // yaml-cpp 0.7 never returns on some inputs whose line starts with a
  // comma (found by fuzzing: ", x", "[a]\n, x"); such a line is never needed
  // (write the comma at the end of the previous line), so refuse it first.
  int line = 1;
  bool line_start = true;
  for (char c : text) {
    if (c == '\n') {
      ++line;
      line_start = true;
    } else if (line_start && c != ' ' && c != '\t' && c != '\r') {
      if (c == ',') {
        YAML::Mark at;
        at.line = line - 1;
        r.fail(at, "",
               "a line may not start with ',' (put the comma at the end of the previous line)");
      }
      line_start = false;
    }
  }
  // Count the documents first, bounded: YAML::LoadAll never returns on some
  // 2-3 byte inputs ("!,", "[],", "&a,": found by fuzzing), whose documents
  // consume no input; each HandleNextDocument call does return.
  const DocumentCount count = count_documents(text);
  if (count.documents > 1) {
    r.fail(count.second_at, "",
           count.documents > DocumentCount::kMax
               ? absl::StrCat("expected one YAML document, found more than ", DocumentCount::kMax)
               : absl::StrCat("expected one YAML document, found ", count.documents));
  }
  const YAML::Node doc = YAML::Load(text);
  if (count.documents == 0 || doc.IsNull()) {
    r.fail(YAML::Mark::null_mark(), "", absl::StrCat("empty ", what, " (expected a map)"));
  }
  Val root{doc, "", doc.Mark()};
  if (!root.node.IsMap()) {
    r.fail(root.mark, "",
           absl::StrCat("expected a map at the top level, got ", describe(root.node)));
  }
  return root;
}

std::variant<std::string, ConfigError> read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return ConfigError{path, absl::StrCat("cannot open: ", std::strerror(errno))};
  }
  std::string text;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > kMaxFileBytes) {
      std::fclose(f);
      return ConfigError{path, absl::StrCat("larger than ", kMaxFileBytes >> 20, " MiB")};
    }
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) return ConfigError{path, absl::StrCat("cannot read: ", std::strerror(err))};
  return text;
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
