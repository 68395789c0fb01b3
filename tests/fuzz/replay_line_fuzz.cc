// libFuzzer target: replay's per-line input path. Each line of the input
// goes through what replay's Decoder does (daemon/replay/replay.cc):
// replay::proto_json::parse (the fast path), else protobuf's own
// JsonStringToMessage (unknown fields are errors), then
// ingest::validate_event without the clock check.
//
// Beyond "no crash": the fast path promises never to change a result (it
// produces exactly what protobuf would, or declines). So whenever it
// accepts a line, protobuf must accept it too and produce an equal message;
// and whenever proto_json::append prints a message, the text must be
// byte-identical to MessageToJsonString's.

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ingest/event_decoder.h"
#include "replay/proto_json.h"
#include "rules/zone_catalog.h"

namespace {

using reminder::v1::AccountEvent;

[[noreturn]] void fail(const char* what, std::string_view line, const std::string& detail = {}) {
  std::fprintf(stderr, "replay_line_fuzz: %s\n  line: %.*s\n  %s\n", what,
               static_cast<int>(line.size()), line.data(), detail.c_str());
  std::abort();
}

bool blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

void one_line(std::string_view line) {
  static reminder::rules::ZoneCatalog zones;
  static AccountEvent fast;  // reused, as in replay
  static AccountEvent slow;
  static const reminder::ingest::ValidationLimits limits = [] {
    reminder::ingest::ValidationLimits l;
    l.check_clock_skew = false;  // replay's clock comes from the events
    return l;
  }();
  static const google::protobuf::util::JsonParseOptions parse_options = [] {
    google::protobuf::util::JsonParseOptions o;
    o.ignore_unknown_fields = false;
    return o;
  }();

  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (blank(line) || line.size() > limits.max_record_bytes) return;

  const bool fast_ok = reminder::replay::proto_json::parse(line, fast);
  slow.Clear();
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), &slow, parse_options);
  if (fast_ok) {
    if (!status.ok()) {
      fail("proto_json::parse accepted a line protobuf rejects", line,
           std::string(status.message().data(), status.message().size()));
    }
    if (!google::protobuf::util::MessageDifferencer::Equals(fast, slow)) {
      fail("proto_json::parse and JsonStringToMessage disagree", line,
           fast.ShortDebugString() + "\n  vs " + slow.ShortDebugString());
    }
  }
  if (!status.ok()) return;  // replay: line N: undecodable: ...

  const auto r = reminder::ingest::validate_event(slow, {}, absl::UnixEpoch(), zones, limits);
  if (r && reminder::ingest::reject_code(r->reason) == "unknown") fail("unlisted reason", line);

  // The print fast path: byte-identical or declined.
  std::string printed;
  if (reminder::replay::proto_json::append(slow, printed)) {
    std::string reference;
    if (!google::protobuf::util::MessageToJsonString(slow, &reference).ok()) {
      fail("MessageToJsonString failed on a parsed message", line);
    }
    if (printed != reference)
      fail("proto_json::append differs", line, printed + "\n  vs " + reference);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Lines as replay's LineReader splits them.
  while (!input.empty()) {
    const std::size_t nl = input.find('\n');
    one_line(input.substr(0, nl));
    if (nl == std::string_view::npos) break;
    input.remove_prefix(nl + 1);
  }
  return 0;
}
