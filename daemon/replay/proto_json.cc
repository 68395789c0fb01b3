#include "replay/proto_json.h"

#include <absl/container/flat_hash_map.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace reminder::replay::proto_json {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

constexpr int kMaxDepth = 32;
// RFC 3339 range protobuf accepts: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr std::int64_t kMinTimestampSeconds = -62135596800;
constexpr std::int64_t kMaxTimestampSeconds = 253402300799;

bool is_timestamp(const Descriptor* d) {
  return d->full_name() == "google.protobuf.Timestamp";
}
bool is_well_known(const Descriptor* d) {
  return d->file()->name().rfind("google/protobuf/", 0) == 0;
}

// Field lookup by proto name and by json_name, per message type.
using FieldIndex = absl::flat_hash_map<std::string, const FieldDescriptor*>;

const FieldIndex& index_for(const Descriptor* d) {
  thread_local absl::flat_hash_map<const Descriptor*, std::unique_ptr<FieldIndex>> cache;
  auto& slot = cache[d];
  if (!slot) {
    slot = std::make_unique<FieldIndex>();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      slot->emplace(f->name(), f);
      slot->emplace(f->json_name(), f);
    }
  }
  return *slot;
}

// ---------------------------------------------------------------------------
// Parsing

class Parser {
 public:
  Parser(std::string_view s, std::string& key, std::string& scratch)
      : p_(s.data()), end_(s.data() + s.size()), key_(key), scratch_(scratch) {}

  bool run(Message& m) {
    ws();
    if (!object(m, 0)) return false;
    ws();
    return p_ == end_;
  }

 private:
  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool eat(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  // After a bare literal or number: the next character must end the token.
  bool at_delimiter() const {
    if (p_ == end_) return true;
    const char c = *p_;
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // At '"'. ASCII only; escapes decoded.
  bool string(std::string& out) {
    out.clear();
    if (!eat('"')) return false;
    while (p_ < end_) {
      const char* run = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' &&
             static_cast<unsigned char>(*p_) >= 0x20 && static_cast<unsigned char>(*p_) < 0x80) {
        ++p_;
      }
      out.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) return false;
      const char c = *p_;
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c != '\\') return false;  // control character or non-ASCII: decline
      if (++p_ == end_) return false;
      switch (*p_++) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (end_ - p_ < 4) return false;
          int v = 0;
          for (int i = 0; i < 4; ++i) {
            const int h = hex(p_[i]);
            if (h < 0) return false;
            v = v * 16 + h;
          }
          if (v >= 0x80) return false;  // non-ASCII: decline
          p_ += 4;
          out += static_cast<char>(v);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  // A decimal integer, bare or in quotes: -?(0|[1-9][0-9]*).
  bool integer(bool& negative, std::uint64_t& magnitude) {
    const bool quoted = eat('"');
    negative = eat('-');
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0' && p_ + 1 < end_ && p_[1] >= '0' && p_[1] <= '9') return false;
    magnitude = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      const auto d = static_cast<std::uint64_t>(*p_ - '0');
      if (magnitude > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
      magnitude = magnitude * 10 + d;
      ++p_;
    }
    if (negative && magnitude == 0) return false;  // "-0": leave it to protobuf
    if (quoted) return eat('"');
    return at_delimiter();
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    const char* start = p_;
    p_ += word.size();
    if (at_delimiter()) return true;
    // Rewind: after "true" failed in "truefalse", "false" must not match at
    // the moved position (found by fuzzing).
    p_ = start;
    return false;
  }

  bool object(Message& m, int depth) {
    if (depth > kMaxDepth || !eat('{')) return false;
    const Descriptor* d = m.GetDescriptor();
    const Reflection* r = m.GetReflection();
    const FieldIndex& index = index_for(d);
    std::uint64_t seen = 0;
    ws();
    if (eat('}')) return true;
    while (true) {
      ws();
      if (p_ == end_ || *p_ != '"' || !string(key_)) return false;
      ws();
      if (!eat(':')) return false;
      ws();
      const auto it = index.find(absl::string_view(key_.data(), key_.size()));
      if (it == index.end()) return false;  // unknown field: protobuf reports it
      const FieldDescriptor* f = it->second;
      if (f->index() >= 64) return false;
      const std::uint64_t bit = std::uint64_t{1} << f->index();
      if (seen & bit) return false;  // given twice (perhaps under both names)
      seen |= bit;
      if (f->is_map()) return false;
      if (const auto* oneof = f->containing_oneof(); oneof != nullptr && r->HasOneof(m, oneof)) {
        return false;
      }
      if (f->is_repeated()) {
        if (!eat('[')) return false;
        ws();
        if (!eat(']')) {
          while (true) {
            ws();
            if (!value(m, r, f, true, depth)) return false;
            ws();
            if (eat(']')) break;
            if (!eat(',')) return false;
          }
        }
      } else if (!value(m, r, f, false, depth)) {
        return false;
      }
      ws();
      if (eat('}')) return true;
      if (!eat(',')) return false;
    }
  }

  bool value(Message& m, const Reflection* r, const FieldDescriptor* f, bool repeated,
             int depth) {
    if (p_ == end_ || *p_ == 'n') return false;  // null: leave it to protobuf
    bool negative = false;
    std::uint64_t mag = 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        if (!integer(negative, mag)) return false;
        if (mag > (negative ? std::uint64_t{1} << 31 : (std::uint64_t{1} << 31) - 1)) return false;
        const auto v = static_cast<std::int32_t>(negative ? -static_cast<std::int64_t>(mag)
                                                          : static_cast<std::int64_t>(mag));
        repeated ? r->AddInt32(&m, f, v) : r->SetInt32(&m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        if (!integer(negative, mag)) return false;
        if (mag > (negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1)) return false;
        const auto v = static_cast<std::int64_t>(negative ? ~mag + 1 : mag);
        repeated ? r->AddInt64(&m, f, v) : r->SetInt64(&m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        if (!integer(negative, mag) || negative || mag > 0xffffffffu) return false;
        const auto v = static_cast<std::uint32_t>(mag);
        repeated ? r->AddUInt32(&m, f, v) : r->SetUInt32(&m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        if (!integer(negative, mag) || negative) return false;
        repeated ? r->AddUInt64(&m, f, mag) : r->SetUInt64(&m, f, mag);
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool v;
        if (literal("true")) {
          v = true;
        } else if (literal("false")) {
          v = false;
        } else {
          return false;
        }
        repeated ? r->AddBool(&m, f, v) : r->SetBool(&m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const google::protobuf::EnumValueDescriptor* ev = nullptr;
        if (*p_ == '"') {
          if (!string(scratch_)) return false;
          ev = f->enum_type()->FindValueByName(scratch_);
        } else {
          if (!integer(negative, mag) || mag > 0x7fffffff) return false;
          ev = f->enum_type()->FindValueByNumber(static_cast<int>(negative ? -static_cast<std::int64_t>(mag) : static_cast<std::int64_t>(mag)));
        }
        if (ev == nullptr) return false;
        repeated ? r->AddEnumValue(&m, f, ev->number()) : r->SetEnumValue(&m, f, ev->number());
        return true;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (f->type() == FieldDescriptor::TYPE_BYTES) return false;  // base64
        if (*p_ != '"' || !string(scratch_)) return false;
        repeated ? r->AddString(&m, f, scratch_) : r->SetString(&m, f, scratch_);
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Descriptor* type = f->message_type();
        if (is_timestamp(type)) {
          if (*p_ != '"' || !string(scratch_)) return false;
          google::protobuf::Timestamp ts;
          if (!google::protobuf::util::TimeUtil::FromString(scratch_, &ts)) return false;
          if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds) {
            return false;
          }
          Message* sub = repeated ? r->AddMessage(&m, f) : r->MutableMessage(&m, f);
          sub->CopyFrom(ts);
          return true;
        }
        if (is_well_known(type) || *p_ != '{') return false;
        Message* sub = repeated ? r->AddMessage(&m, f) : r->MutableMessage(&m, f);
        return object(*sub, depth + 1);
      }
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return false;
    }
    return false;
  }

  const char* p_;
  const char* end_;
  std::string& key_;      // reused across calls: no allocation per line
  std::string& scratch_;
};

// ---------------------------------------------------------------------------
// Printing

// RFC 3339 in UTC as protobuf prints a Timestamp: "YYYY-MM-DDTHH:MM:SS", then
// 0, 3, 6 or 9 fraction digits (the fewest that are exact), then "Z". The
// seconds must be in the supported range (checked by the caller).
void append_timestamp(std::int64_t seconds, std::int32_t nanos, std::string& out) {
  std::int64_t days = seconds / 86400;
  std::int64_t sod = seconds % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  char buf[32];
  char* p = buf;
  auto digits = [&p](std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  digits(year, 4);
  *p++ = '-';
  digits(month, 2);
  *p++ = '-';
  digits(day, 2);
  *p++ = 'T';
  digits(sod / 3600, 2);
  *p++ = ':';
  digits(sod / 60 % 60, 2);
  *p++ = ':';
  digits(sod % 60, 2);
  if (nanos != 0) {
    *p++ = '.';
    if (nanos % 1'000'000 == 0) {
      digits(nanos / 1'000'000, 3);
    } else if (nanos % 1000 == 0) {
      digits(nanos / 1000, 6);
    } else {
      digits(nanos, 9);
    }
  }
  *p++ = 'Z';
  out.append(buf, static_cast<std::size_t>(p - buf));
}

// Printable ASCII that protobuf's JSON printer copies verbatim.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[static_cast<std::size_t>(c)] = true;
  t['"'] = t['\\'] = t['<'] = t['>'] = false;
  return t;
}();

// A message type's fields in field-number order (the order protobuf prints).
const std::vector<const FieldDescriptor*>& fields_by_number(const Descriptor* d) {
  thread_local absl::flat_hash_map<const Descriptor*, std::vector<const FieldDescriptor*>> cache;
  auto [it, fresh] = cache.try_emplace(d);
  if (fresh) {
    for (int i = 0; i < d->field_count(); ++i) it->second.push_back(d->field(i));
    std::sort(it->second.begin(), it->second.end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) {
                return a->number() < b->number();
              });
  }
  return it->second;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  bool message(const Message& m, int depth) {
    if (depth > kMaxDepth) return false;
    const Reflection* r = m.GetReflection();
    if (r->GetUnknownFields(m).field_count() > 0) return false;
    const Descriptor* d = m.GetDescriptor();
    if (d->extension_range_count() > 0) return false;
    out_ += '{';
    bool first = true;
    // What ListFields would list: set repeated fields, and singular fields
    // that are present (proto3 scalars: not at their default value).
    for (const FieldDescriptor* f : fields_by_number(d)) {
      if (f->is_repeated() ? r->FieldSize(m, f) == 0 : !r->HasField(m, f)) continue;
      if (f->is_map()) return false;
      if (!first) out_ += ',';
      first = false;
      out_ += '"';
      out_ += f->json_name();
      out_ += "\":";
      if (f->is_repeated()) {
        out_ += '[';
        const int n = r->FieldSize(m, f);
        for (int i = 0; i < n; ++i) {
          if (i > 0) out_ += ',';
          if (!value(m, r, f, i, depth)) return false;
        }
        out_ += ']';
      } else if (!value(m, r, f, -1, depth)) {
        return false;
      }
    }
    out_ += '}';
    return true;
  }

 private:
  template <class T>
  void number(T v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, static_cast<std::size_t>(res.ptr - buf));
  }

  // Escapes as protobuf's JSON printer does for ASCII; declines non-ASCII.
  bool string(const std::string& s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    const char* p = s.data();
    const char* const end = p + s.size();
    while (p < end) {
      const char* run = p;
      while (p < end && kPlain[static_cast<unsigned char>(*p)]) ++p;
      out_.append(run, static_cast<std::size_t>(p - run));
      if (p == end) break;
      const auto c = static_cast<unsigned char>(*p++);
      switch (c) {
        case '"': out_ += "\\\""; continue;
        case '\\': out_ += "\\\\"; continue;
        case '\b': out_ += "\\b"; continue;
        case '\f': out_ += "\\f"; continue;
        case '\n': out_ += "\\n"; continue;
        case '\r': out_ += "\\r"; continue;
        case '\t': out_ += "\\t"; continue;
        case '<': out_ += "\\u003c"; continue;
        case '>': out_ += "\\u003e"; continue;
        default: break;
      }
      if (c >= 0x80) return false;  // protobuf escapes some non-ASCII: leave it to it
      out_ += "\\u00";  // other control characters and DEL
      out_ += kHex[c >> 4];
      out_ += kHex[c & 0xf];
    }
    out_ += '"';
    return true;
  }

  bool value(const Message& m, const Reflection* r, const FieldDescriptor* f, int i, int depth) {
    const bool rep = i >= 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        number(rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
        return true;
      case FieldDescriptor::CPPTYPE_UINT32:
        number(rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
        return true;
      case FieldDescriptor::CPPTYPE_INT64:
        out_ += '"';
        number(rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f));
        out_ += '"';
        return true;
      case FieldDescriptor::CPPTYPE_UINT64:
        out_ += '"';
        number(rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f));
        out_ += '"';
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_ += (rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "true" : "false";
        return true;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int v = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
        if (const auto* ev = f->enum_type()->FindValueByNumber(v)) {
          out_ += '"';
          out_ += ev->name();
          out_ += '"';
        } else {
          number(v);
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_STRING:
        if (f->type() == FieldDescriptor::TYPE_BYTES) return false;
        if (rep) return string(r->GetRepeatedStringReference(m, f, i, &scratch_));
        return string(r->GetStringReference(m, f, &scratch_));
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Message& sub = rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f);
        if (is_timestamp(f->message_type())) {
          const auto* ts = dynamic_cast<const google::protobuf::Timestamp*>(&sub);
          if (ts == nullptr || ts->seconds() < kMinTimestampSeconds ||
              ts->seconds() > kMaxTimestampSeconds || ts->nanos() < 0 ||
              ts->nanos() > 999'999'999) {
            return false;
          }
          out_ += '"';
          append_timestamp(ts->seconds(), ts->nanos(), out_);
          out_ += '"';
          return true;
        }
        if (is_well_known(f->message_type())) return false;
        return message(sub, depth + 1);
      }
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return false;
    }
    return false;
  }

  std::string& out_;
  std::string scratch_;
};

}  // namespace

bool parse(std::string_view json, Message& out) {
  out.Clear();
  thread_local std::string key, scratch;
  Parser parser(json, key, scratch);
  return parser.run(out);
}

bool append(const Message& m, std::string& out) {
  const std::size_t mark = out.size();
  Writer writer(out);
  if (writer.message(m, 0)) return true;
  out.resize(mark);
  return false;
}

}  // namespace reminder::replay::proto_json
