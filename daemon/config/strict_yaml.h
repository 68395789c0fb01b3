#pragma once

// The strict YAML reading both loaders share (daemon_config.cc and
// policy_loader.cc): values with their dotted path and line:column, maps with
// a fixed set of keys, bounded document counting, guarded loading. Internal to
// config/: nothing outside the loaders includes it.
//
// Errors unwind to the loader's entry point through `Invalid`, which never
// leaves config/: yaml-cpp throws anyway, and first-error-wins parsing then
// reads as straight-line code instead of a status check after every field.

#include <absl/strings/str_cat.h>
#include <absl/strings/string_view.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/config_error.h"

namespace reminder::config::strict_yaml {

struct Invalid {
  ConfigError error;
};

inline constexpr std::size_t kMaxFileBytes = 16 << 20;

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

// A node, the dotted path that names it in messages, and the mark errors point
// at. For an empty value yaml-cpp marks the *next* token, so values found under
// a key carry the key's mark when they are null.
struct Val {
  YAML::Node node;
  std::string path;
  YAML::Mark mark;
};

inline std::string child_path(absl::string_view parent, absl::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
}

inline std::string describe(const YAML::Node& node) {
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

[[noreturn]] inline void wrong_type(const Reader& r, const Val& v, absl::string_view expected) {
  r.fail(v.mark, v.path, absl::StrCat("expected ", expected, ", got ", describe(v.node)));
}

// Plain (unquoted, untagged) scalars are the only ones read as numbers or
// booleans: `max: "7"` is a string, and a string where a number belongs is a
// mistake worth reporting.
inline bool is_plain_scalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

inline std::string read_string(const Reader& r, const Val& v) {
  if (!v.node.IsScalar()) wrong_type(r, v, "a string");
  return v.node.Scalar();
}

inline std::string read_nonempty_string(const Reader& r, const Val& v) {
  std::string s = read_string(r, v);
  if (absl::StripAsciiWhitespace(s).empty()) r.fail(v.mark, v.path, "must not be empty");
  return s;
}

inline std::int64_t read_int(const Reader& r, const Val& v, std::int64_t min, std::int64_t max) {
  if (!is_plain_scalar(v.node)) wrong_type(r, v, "an integer");
  const std::string& s = v.node.Scalar();
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) wrong_type(r, v, "an integer");
  if (value < min) r.fail(v.mark, v.path, absl::StrCat("must be at least ", min, ", got ", value));
  if (value > max) r.fail(v.mark, v.path, absl::StrCat("must be at most ", max, ", got ", value));
  return value;
}

inline bool read_bool(const Reader& r, const Val& v) {
  if (is_plain_scalar(v.node)) {
    const std::string& s = v.node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  wrong_type(r, v, "true or false");
}

inline std::vector<Val> read_seq(const Reader& r, const Val& v) {
  if (!v.node.IsSequence()) wrong_type(r, v, "a sequence");
  std::vector<Val> items;
  items.reserve(v.node.size());
  for (std::size_t i = 0; i < v.node.size(); ++i) {
    YAML::Node item = v.node[i];
    items.push_back(Val{item, absl::StrCat(v.path, "[", i, "]"), item.Mark()});
  }
  return items;
}

// One `key: value` of a map, in document order.
struct Entry {
  std::string key;
  YAML::Mark key_mark;
  Val value;
};

// The entries of a map with string keys, each key once.
inline std::vector<Entry> read_entries(const Reader& r, const Val& v) {
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

// A map with a fixed set of keys; any other key is an error.
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

  // Where the key itself was written (for errors about the key's presence).
  YAML::Mark key_mark(absl::string_view key) const {
    for (const Entry& e : entries_) {
      if (e.key == key) return e.key_mark;
    }
    return mark_;
  }

  bool empty() const { return entries_.empty(); }
  const YAML::Mark& mark() const { return mark_; }
  const std::string& path() const { return path_; }

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

inline DocumentCount count_documents(const std::string& text) {
  DocumentCount count;
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter(count);
  while (count.documents <= DocumentCount::kMax && parser.HandleNextDocument(counter)) {
  }
  return count;
}

// Exactly one document whose root is a map.
inline Val load_root(const Reader& r, const std::string& text, absl::string_view what) {
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

// Reads a whole file, or says why not (labelled with the path, no position).
inline std::variant<std::string, ConfigError> read_file(const std::string& path) {
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

}  // namespace reminder::config::strict_yaml
