#pragma once

// `reminderd replay`: the daemon's engine (pipeline::Dispatcher) run offline
// over a file of events, with a simulated clock. For tests, for a strategist
// trying a policy change before deploying it, and for an auditor re-checking
// a day.
//
// Input: one reminder.v1.AccountEvent per line in the protobuf JSON mapping
// (lowerCamelCase or original proto field names, enums by name, Timestamps as
// RFC 3339, int64 as string or number; unknown fields are an error). Blank
// lines are skipped. A line that does not parse or fails validation is
// reported on the errors stream as
//     line N: <reason code>: <detail>
// (reason codes are ingest::reject_code, e.g. "undecodable", "bad_currency")
// and skipped; it never stops the replay.
//
// Clock: follows each event's occurred_at and never goes backwards (an event
// older than the clock is processed at the clock's time). Before an event at
// time t is processed, every deferred contact due at or before t fires, in
// due order, each at its own due instant (fire_due(due) stepping through
// next_due()), exactly as the daemon's timer would have fired it. After the
// last event the clock runs on to `until` the same way (if `until` is later;
// events after `until` are still processed: it only extends the run).
//
// Output: one reminder.v1.Decision per line in the protobuf JSON mapping,
// produced by google::protobuf::util::MessageToJsonString with default
// options: lowerCamelCase field names, enums by name, fields at their default
// value omitted, Timestamps as RFC 3339 UTC ("2026-03-03T13:00:00Z"), int64 as
// JSON strings, no whitespace. Optionally the channel messages, one per line:
//     {"channel":"sms","message":{...SmsMessage...}}
//     {"channel":"email","message":{...EmailMessage...}}
//     {"channel":"call","message":{...CallTask...}}
// Both files are in emission order and byte-identical for the same input and
// policy.
//
// Speed: lines are read, parsed (replay/proto_json.h: a fast path for the
// JSON mapping, protobuf's own parser for anything it declines) and
// validated on a helper thread a few batches ahead of the engine; the engine
// and the output stay on the calling thread, in input order, so the thread
// changes nothing in the output. Output is buffered (1 MiB) and the engine
// reuses its messages.

#include <absl/time/time.h>

#include <array>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/dispatch_sink.h"
#include "rules/policy.h"

namespace reminder::replay {

struct ReplayOptions {
  // The policy: `policy` if set, else loaded from `policy_path` (YAML, as
  // for `reminderd run`).
  std::string policy_path;
  rules::PolicyPtr policy;
  std::string events_path;     // "-" reads stdin
  std::string decisions_path;  // "-" writes stdout (then the report goes on as usual)
  std::optional<absl::Time> until;
  std::string messages_path;   // optional; empty = channel messages not written
};

struct ReplaySummary {
  std::string policy;                 // "<name>@<version>"
  std::uint64_t lines = 0;            // lines read, blank ones included
  std::uint64_t events_read = 0;      // non-blank lines
  std::uint64_t events_applied = 0;   // events handed to the engine
  std::uint64_t bad_lines = 0;        // dead letters: reported and skipped
  std::map<std::string, std::uint64_t> bad_by_reason;  // by reject code
  std::uint64_t decisions = 0;
  std::map<std::string, std::uint64_t> by_outcome;     // "OUTCOME_SENT" -> n
  std::map<std::string, std::uint64_t> by_reason;      // "REASON_QUIET_HOURS" -> n
  std::array<std::uint64_t, 3> sent_by_channel = {0, 0, 0};  // by rules::channel_index
  std::uint64_t handoff_tasks = 0;    // call tasks marked handoff (also in sent_by_channel)
  // Messages by the hour of their not_before in the customer's own zone;
  // customers whose zone is unknown (jurisdiction only) are counted apart;
  // hand-off tasks (work items, not customer contacts) are left out.
  std::array<std::uint64_t, 24> sent_by_local_hour = {};
  std::uint64_t sent_unknown_zone = 0;
  std::optional<absl::Time> first_event;  // simulated clock at the first event
  std::optional<absl::Time> clock_end;    // simulated clock when the replay ended
  std::uint64_t pending_deferred = 0;     // deferred contacts still waiting at the end
  std::uint64_t customers = 0;

  // The morning wave, per channel (by rules::channel_index), from the SENT
  // and DEFERRED decisions in simulated time: the busiest second and minute
  // of sends (against the policy's pacing capacity), how many new contacts
  // were queued behind capacity, how many queued contacts' windows closed
  // first, and the longest a contact waited past its due instant.
  struct ChannelPacing {
    std::uint64_t peak_per_second = 0;
    absl::Time peak_second;
    std::uint64_t peak_per_minute = 0;
    absl::Time peak_minute;
    std::uint64_t queued = 0;          // DEFERRED with REASON_PACING or REASON_CHANNEL_PAUSED
    std::uint64_t window_expired = 0;  // queued, the window closed first: next window
    double max_wait_past_due_seconds = 0;  // due (scheduled_for) to SENT
  };
  std::array<ChannelPacing, 3> pacing = {};
};

// Human-readable summary, for a strategist (deterministic: no wall time).
void print_summary(const ReplaySummary& summary, std::ostream& out);

// The library-level replay: reads `events` to the end, runs them through a
// fresh Dispatcher with `policy`, hands every decision and message to `sink`,
// reports bad lines on `errors`. Never throws on input.
ReplaySummary replay_stream(std::istream& events, const rules::PolicyPtr& policy,
                            std::optional<absl::Time> until, pipeline::DispatchSink& sink,
                            std::ostream& errors);

// The DispatchSink replay writes with: JSON lines (format above), buffered;
// the buffers go to the streams every ~1 MiB and on flush() / destruction.
class JsonLinesSink final : public pipeline::DispatchSink {
 public:
  // `messages` may be null (messages not written).
  explicit JsonLinesSink(std::ostream& decisions, std::ostream* messages = nullptr);
  ~JsonLinesSink() override;
  JsonLinesSink(const JsonLinesSink&) = delete;
  JsonLinesSink& operator=(const JsonLinesSink&) = delete;

  void on_decision(const reminder::v1::Decision& decision) override;
  void on_sms(const reminder::v1::SmsMessage& message) override;
  void on_email(const reminder::v1::EmailMessage& message) override;
  void on_call(const reminder::v1::CallTask& task) override;

  void flush();
  // False once a write to either stream failed.
  bool ok() const;

 private:
  void message_line(std::string_view channel, const google::protobuf::Message& m);

  std::ostream& decisions_;
  std::ostream* messages_;
  std::string decision_buf_;
  std::string message_buf_;
};

// RFC 3339 ("2026-03-04T00:00:00Z", offsets and fractions allowed) for
// --until. False with a message in *error if it does not parse.
bool parse_rfc3339(std::string_view text, absl::Time* out, std::string* error);

// The whole `reminderd replay` command: loads the policy, opens the files,
// replays, prints the summary (and the wall time and throughput) to
// `report`, bad lines to `errors`. Returns the process exit code:
//   0  the replay ran to the end (bad lines do not fail it);
//   1  it could not run or finish: invalid policy, unreadable events file,
//      unwritable decisions / messages file (the reason goes to `errors`).
int run_replay(const ReplayOptions& options, std::ostream& report, std::ostream& errors);
// Same, with bad lines and failures on std::cerr.
int run_replay(const ReplayOptions& options, std::ostream& report);

}  // namespace reminder::replay
