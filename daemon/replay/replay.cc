#include "replay/replay.h"

#include <absl/container/flat_hash_map.h>
#include <absl/time/civil_time.h>
#include <google/protobuf/util/json_util.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "config/policy_loader.h"
#include "ingest/event_decoder.h"
#include "ingest/rejection.h"
#include "metrics/probes.h"
#include "pipeline/dispatcher.h"
#include "replay/proto_json.h"
#include "rules/zone_catalog.h"

namespace reminder::replay {

using reminder::v1::AccountEvent;

namespace {

constexpr std::size_t kFlushBytes = 1 << 20;
constexpr std::size_t kMaxDetailBytes = 200;

// Reads '\n'-terminated lines in 1 MiB chunks; a line is a view into the
// chunk (or into `carry_` when it spans two chunks), valid until the next
// call. A trailing '\r' is dropped. Lines longer than `max_bytes` are cut to
// max_bytes + 1 (enough for the caller to see they are oversized).
class LineReader {
 public:
  LineReader(std::istream& in, std::size_t max_bytes)
      : in_(in), buf_(1 << 20), max_bytes_(max_bytes) {}

  bool next(std::string_view& line) {
    if (carry_used_) {
      carry_.clear();
      carry_used_ = false;
    }
    bool carrying = false;
    for (;;) {
      if (pos_ < end_) {
        const char* start = buf_.data() + pos_;
        const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
        const std::size_t len = nl ? static_cast<std::size_t>(nl - start) : end_ - pos_;
        if (nl && !carrying) {
          line = trim_cr(std::string_view(start, len));
          pos_ += len + 1;
          return true;
        }
        append_carry(start, len);
        carrying = true;
        pos_ += nl ? len + 1 : len;
        if (nl) return take_carry(line);
      }
      if (eof_) return carrying ? take_carry(line) : false;
      in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
      end_ = static_cast<std::size_t>(in_.gcount());
      pos_ = 0;
      if (end_ == 0) eof_ = true;
    }
  }

 private:
  static std::string_view trim_cr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }
  void append_carry(const char* p, std::size_t n) {
    const std::size_t room = max_bytes_ + 1 > carry_.size() ? max_bytes_ + 1 - carry_.size() : 0;
    carry_.append(p, std::min(n, room));
  }
  bool take_carry(std::string_view& line) {
    line = trim_cr(carry_);
    carry_used_ = true;
    return true;
  }

  std::istream& in_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  std::string carry_;
  bool carry_used_ = false;
  std::size_t max_bytes_;
};

bool blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// One line of detail: newlines flattened, bounded.
std::string one_line(std::string_view s) {
  std::string out(s.substr(0, kMaxDetailBytes));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > kMaxDetailBytes) out += "...";
  return out;
}

absl::Time to_time(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Counts what goes by for the summary and passes everything on.
class TallySink final : public pipeline::DispatchSink {
 public:
  TallySink(pipeline::DispatchSink& inner, ReplaySummary& summary, const rules::ZoneCatalog& zones)
      : inner_(inner), summary_(summary), zones_(zones) {}

  void attach(const pipeline::Dispatcher* dispatcher) { dispatcher_ = dispatcher; }

  void on_decision(const reminder::v1::Decision& d) override {
    ++summary_.decisions;
    ++outcomes_[bucket(d.outcome())];
    ++reasons_[bucket(d.reason())];
    if (d.channel() >= reminder::v1::CHANNEL_SMS && d.channel() <= reminder::v1::CHANNEL_CALL) {
      pace(d);
    }
    inner_.on_decision(d);
  }
  void on_sms(const reminder::v1::SmsMessage& m) override {
    count(rules::Channel::kSms, m.customer_id(), m.not_before());
    inner_.on_sms(m);
  }
  void on_email(const reminder::v1::EmailMessage& m) override {
    count(rules::Channel::kEmail, m.customer_id(), m.not_before());
    inner_.on_email(m);
  }
  void on_call(const reminder::v1::CallTask& m) override {
    if (m.handoff()) {
      // A work item for legal / the agency, not a contact with the customer:
      // counted apart, and kept out of the local-hour histogram.
      ++summary_.sent_by_channel[rules::channel_index(rules::Channel::kCall)];
      ++summary_.handoff_tasks;
    } else {
      count(rules::Channel::kCall, m.customer_id(), m.not_before());
    }
    inner_.on_call(m);
  }

  // Moves the enum-indexed counters into the summary's named maps.
  void finish() {
    for (int i = 0; i < kBuckets; ++i) {
      if (outcomes_[i] == 0) continue;
      std::string name = reminder::v1::Outcome_IsValid(i)
                             ? reminder::v1::Outcome_Name(static_cast<reminder::v1::Outcome>(i))
                             : "OUTCOME_" + std::to_string(i);
      summary_.by_outcome[name] += outcomes_[i];
    }
    for (int i = 0; i < kBuckets; ++i) {
      if (reasons_[i] == 0) continue;
      std::string name = reminder::v1::Reason_IsValid(i)
                             ? reminder::v1::Reason_Name(static_cast<reminder::v1::Reason>(i))
                             : "REASON_" + std::to_string(i);
      summary_.by_reason[name] += reasons_[i];
    }
  }

 private:
  static constexpr int kBuckets = 128;
  static int bucket(int v) { return v >= 0 && v < kBuckets ? v : kBuckets - 1; }

  void count(rules::Channel channel, const std::string& customer_id,
             const google::protobuf::Timestamp& not_before) {
    ++summary_.sent_by_channel[rules::channel_index(channel)];
    const absl::TimeZone* tz = nullptr;
    if (dispatcher_ != nullptr) {
      if (auto ci = dispatcher_->store().find(customer_id)) {
        tz = zones_.find(dispatcher_->store().at(*ci).time_zone);
      }
    }
    if (tz == nullptr) {
      ++summary_.sent_unknown_zone;
      return;
    }
    const int hour = absl::ToCivilHour(to_time(not_before), *tz).hour();
    ++summary_.sent_by_local_hour[static_cast<std::size_t>(hour)];
  }

  // Decisions come in simulated-time order: peaks are counted streaming.
  struct Peak {
    std::int64_t bucket = -1;
    std::uint64_t count = 0;
  };
  void pace(const reminder::v1::Decision& d) {
    const int ch = d.channel() - 1;
    auto& out = summary_.pacing[static_cast<std::size_t>(ch)];
    const std::int64_t at = d.decided_at().seconds();
    switch (d.outcome()) {
      case reminder::v1::OUTCOME_SENT: {
        bump(second_[ch], at, out.peak_per_second, out.peak_second);
        bump(minute_[ch], at - (at % 60 + 60) % 60, out.peak_per_minute, out.peak_minute);
        if (auto it = due_at_.find(d.dispatch_id()); it != due_at_.end()) {
          out.max_wait_past_due_seconds = std::max(
              out.max_wait_past_due_seconds, absl::ToDoubleSeconds(to_time(d.decided_at()) - it->second));
          due_at_.erase(it);
        }
        break;
      }
      case reminder::v1::OUTCOME_DEFERRED:
        if (d.reason() == reminder::v1::REASON_PACING ||
            d.reason() == reminder::v1::REASON_CHANNEL_PAUSED) {
          ++out.queued;
        } else if (d.reason() == reminder::v1::REASON_WINDOW_EXPIRED) {
          ++out.window_expired;
        }
        if (d.reason() != reminder::v1::REASON_CONSOLIDATED) {
          due_at_.insert_or_assign(d.dispatch_id(), to_time(d.scheduled_for()));
        }
        break;
      case reminder::v1::OUTCOME_SUPPRESSED:
        due_at_.erase(d.dispatch_id());
        break;
      case reminder::v1::OUTCOME_UNSPECIFIED:
      case reminder::v1::OUTCOME_NO_CONTACT:
      case reminder::v1::Outcome_INT_MIN_SENTINEL_DO_NOT_USE_:
      case reminder::v1::Outcome_INT_MAX_SENTINEL_DO_NOT_USE_:
        break;
    }
  }
  static void bump(Peak& p, std::int64_t bucket, std::uint64_t& peak, absl::Time& peak_at) {
    if (p.bucket != bucket) {
      p.bucket = bucket;
      p.count = 0;
    }
    if (++p.count > peak) {
      peak = p.count;
      peak_at = absl::FromUnixSeconds(bucket);
    }
  }

  pipeline::DispatchSink& inner_;
  ReplaySummary& summary_;
  const rules::ZoneCatalog& zones_;
  const pipeline::Dispatcher* dispatcher_ = nullptr;
  std::array<Peak, 3> second_ = {};
  std::array<Peak, 3> minute_ = {};
  // Due instant of each pending deferral, by dispatch id: the wait past due.
  absl::flat_hash_map<std::string, absl::Time> due_at_;
  std::array<std::uint64_t, kBuckets> outcomes_ = {};
  std::array<std::uint64_t, kBuckets> reasons_ = {};
};

std::string format_time(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

}  // namespace

// ---------------------------------------------------------------------------
// JsonLinesSink

JsonLinesSink::JsonLinesSink(std::ostream& decisions, std::ostream* messages)
    : decisions_(decisions), messages_(messages) {
  decision_buf_.reserve(kFlushBytes + 4096);
  if (messages_ != nullptr) message_buf_.reserve(kFlushBytes + 4096);
}

JsonLinesSink::~JsonLinesSink() { flush(); }

namespace {
// Appends `m` in the protobuf JSON mapping: the fast path, or protobuf's own
// printer for what the fast path declines (same bytes either way).
void append_json(const google::protobuf::Message& m, std::string& out) {
  if (proto_json::append(m, out)) return;
  // Printing a generated message of our own contract cannot fail.
  (void)google::protobuf::util::MessageToJsonString(m, &out);
}
}  // namespace

void JsonLinesSink::on_decision(const reminder::v1::Decision& decision) {
  append_json(decision, decision_buf_);
  decision_buf_ += '\n';
  if (decision_buf_.size() >= kFlushBytes) {
    decisions_.write(decision_buf_.data(), static_cast<std::streamsize>(decision_buf_.size()));
    decision_buf_.clear();
  }
}

void JsonLinesSink::message_line(std::string_view channel, const google::protobuf::Message& m) {
  if (messages_ == nullptr) return;
  message_buf_ += "{\"channel\":\"";
  message_buf_ += channel;
  message_buf_ += "\",\"message\":";
  append_json(m, message_buf_);
  message_buf_ += "}\n";
  if (message_buf_.size() >= kFlushBytes) {
    messages_->write(message_buf_.data(), static_cast<std::streamsize>(message_buf_.size()));
    message_buf_.clear();
  }
}

void JsonLinesSink::on_sms(const reminder::v1::SmsMessage& message) {
  message_line("sms", message);
}
void JsonLinesSink::on_email(const reminder::v1::EmailMessage& message) {
  message_line("email", message);
}
void JsonLinesSink::on_call(const reminder::v1::CallTask& task) { message_line("call", task); }

void JsonLinesSink::flush() {
  if (!decision_buf_.empty()) {
    decisions_.write(decision_buf_.data(), static_cast<std::streamsize>(decision_buf_.size()));
    decision_buf_.clear();
  }
  decisions_.flush();
  if (messages_ != nullptr) {
    if (!message_buf_.empty()) {
      messages_->write(message_buf_.data(), static_cast<std::streamsize>(message_buf_.size()));
      message_buf_.clear();
    }
    messages_->flush();
  }
}

bool JsonLinesSink::ok() const {
  return decisions_.good() && (messages_ == nullptr || messages_->good());
}

// ---------------------------------------------------------------------------
// replay_stream

namespace {

// One non-blank input line after decoding: an event ready for the engine,
// or why it is not.
struct Decoded {
  std::uint64_t line = 0;
  AccountEvent event;
  std::optional<ingest::Rejection> rejection;
};

// Reads, parses and validates lines. Needs nothing from the engine:
// validation in replay does not look at the clock.
class Decoder {
 public:
  explicit Decoder(std::istream& in) : reader_(in, ValidationLimits().max_record_bytes) {
    limits_.check_clock_skew = false;  // the clock comes from the events themselves
    parse_options_.ignore_unknown_fields = false;
  }

  // The next non-blank line; false at the end of the input.
  bool next(Decoded& out) {
    std::string_view line;
    do {
      if (!reader_.next(line)) return false;
      ++lines_;
    } while (blank(line));
    out.line = lines_;
    out.rejection.reset();
    if (line.size() > limits_.max_record_bytes) {
      out.rejection = ingest::Rejection{
          ingest::RejectReason::kOversized,
          "line longer than " + std::to_string(limits_.max_record_bytes) + " bytes"};
      return true;
    }
    // The fast path, else protobuf's own parser: the authority on what is
    // valid, and the one that explains what is not.
    if (!proto_json::parse(line, out.event)) {
      out.event.Clear();
      const auto status = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(line.data(), line.size()), &out.event, parse_options_);
      if (!status.ok()) {
        const auto msg = status.message();
        out.rejection = ingest::Rejection{
            ingest::RejectReason::kUndecodable,
            "not a reminder.v1.AccountEvent in the protobuf JSON mapping (" +
                std::string(msg.data(), msg.size()) + ")"};
        return true;
      }
    }
    out.rejection = ingest::validate_event(out.event, {}, absl::UnixEpoch(), zones_, limits_);
    return true;
  }

  std::uint64_t lines() const { return lines_; }

 private:
  using ValidationLimits = ingest::ValidationLimits;
  LineReader reader_;
  rules::ZoneCatalog zones_;  // this thread's own (the catalog is a cache)
  ValidationLimits limits_;
  google::protobuf::util::JsonParseOptions parse_options_;
  std::uint64_t lines_ = 0;
};

// Runs a Decoder on a thread of its own, a few batches ahead of the engine,
// and hands the lines over in input order (so the output does not depend on
// the thread: same input, same bytes).
class DecodeAhead {
 public:
  explicit DecodeAhead(std::istream& in) : decoder_(in) {
    for (auto& b : batches_) {
      b.items.resize(kBatchSize);
      free_.push_back(&b);
    }
    thread_ = std::thread([this] { produce(); });
  }

  ~DecodeAhead() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  DecodeAhead(const DecodeAhead&) = delete;
  DecodeAhead& operator=(const DecodeAhead&) = delete;

  // The next decoded line, or nullptr at the end. Valid until the next call.
  const Decoded* next() {
    while (true) {
      if (current_ != nullptr) {
        if (pos_ < current_->count) return &current_->items[pos_++];
        if (current_->last) {
          if (error_) std::rethrow_exception(error_);
          return nullptr;
        }
        {
          std::lock_guard lock(mu_);
          free_.push_back(current_);
        }
        cv_.notify_all();
        current_ = nullptr;
      }
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !full_.empty(); });
      current_ = full_.front();
      full_.pop_front();
      pos_ = 0;
    }
  }

  // Lines read, blank ones included; once next() has returned nullptr.
  std::uint64_t lines() const { return decoder_.lines(); }

 private:
  static constexpr std::size_t kBatchSize = 512;
  static constexpr std::size_t kBatches = 8;

  struct Batch {
    std::vector<Decoded> items;
    std::size_t count = 0;
    bool last = false;
  };

  void produce() {
    bool done = false;
    while (!done) {
      Batch* b = nullptr;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !free_.empty(); });
        if (stop_) return;
        b = free_.front();
        free_.pop_front();
      }
      b->count = 0;
      try {
        while (b->count < kBatchSize && decoder_.next(b->items[b->count])) ++b->count;
        done = b->count < kBatchSize;
      } catch (...) {
        error_ = std::current_exception();
        done = true;
      }
      b->last = done;
      {
        std::lock_guard lock(mu_);
        full_.push_back(b);
      }
      cv_.notify_all();
    }
  }

  Decoder decoder_;
  std::array<Batch, kBatches> batches_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch*> free_;
  std::deque<Batch*> full_;
  bool stop_ = false;
  std::exception_ptr error_;  // written before the last batch is handed over
  Batch* current_ = nullptr;  // consumer side only
  std::size_t pos_ = 0;
  std::thread thread_;
};

}  // namespace

ReplaySummary replay_stream(std::istream& events, const rules::PolicyPtr& policy,
                            std::optional<absl::Time> until, pipeline::DispatchSink& sink,
                            std::ostream& errors) {
  ReplaySummary summary;
  summary.policy = policy->name + "@" + policy->version;

  rules::ZoneCatalog zones;
  metrics::NullProbes probes;
  TallySink tally(sink, summary, zones);
  // One partition: the whole of the policy's channel capacity.
  pipeline::Dispatcher dispatcher(policy, zones, probes, probes, scheduler::PacingShare{0, 1});
  tally.attach(&dispatcher);

  std::optional<absl::Time> clock;
  // Fires every deferral due at or before `t`, each at its own due instant,
  // and a queue for channel capacity slot by slot, as the daemon would.
  auto run_clock_to = [&](absl::Time t) {
    if (!clock) return;  // nothing can be scheduled before the first event
    dispatcher.run_clock(*clock, t, tally);
  };
  auto bad_line = [&](std::uint64_t line, const ingest::Rejection& r) {
    ++summary.bad_lines;
    const std::string_view code = ingest::reject_code(r.reason);
    ++summary.bad_by_reason[std::string(code)];
    errors << "line " << line << ": " << code << ": " << one_line(r.detail) << '\n';
  };

  DecodeAhead input(events);
  while (const Decoded* d = input.next()) {
    ++summary.events_read;
    if (d->rejection) {
      bad_line(d->line, *d->rejection);
      continue;
    }
    const absl::Time at = to_time(d->event.occurred_at());
    if (clock && at > *clock) run_clock_to(at);
    if (!clock || at > *clock) clock = at;  // never backwards
    if (!summary.first_event) summary.first_event = clock;
    if (auto rejection = dispatcher.on_event(d->event, *clock, tally)) {
      bad_line(d->line, *rejection);
      continue;
    }
    ++summary.events_applied;
  }
  summary.lines = input.lines();
  if (until && (!clock || *until > *clock)) {
    run_clock_to(*until);
    clock = until;
  }

  tally.finish();
  summary.clock_end = clock;
  summary.pending_deferred = dispatcher.deferred_count();
  summary.customers = dispatcher.store().size();
  return summary;
}

// ---------------------------------------------------------------------------
// Summary

void print_summary(const ReplaySummary& s, std::ostream& out) {
  auto row = [&](std::string_view label, auto value) {
    out << "  " << std::left << std::setw(34) << label << std::right << value << '\n';
  };
  out << "replay summary (policy " << s.policy << ")\n";
  row("lines read", s.lines);
  row("events read", s.events_read);
  row("events applied", s.events_applied);
  row("bad lines (skipped)", s.bad_lines);
  for (const auto& [code, n] : s.bad_by_reason) row("  " + code, n);
  row("customers", s.customers);
  if (s.first_event) row("simulated clock from", format_time(*s.first_event));
  if (s.clock_end) row("simulated clock to", format_time(*s.clock_end));
  row("deferred contacts still pending", s.pending_deferred);

  out << "decisions: " << s.decisions << '\n';
  out << " by outcome:\n";
  for (const auto& [name, n] : s.by_outcome) row(name, n);
  out << " by reason:\n";
  for (const auto& [name, n] : s.by_reason) row(name, n);

  std::uint64_t sent = 0;
  for (auto n : s.sent_by_channel) sent += n;
  out << "contacts sent: " << sent << '\n';
  for (rules::Channel ch : rules::kAllChannels) {
    row(rules::channel_name(ch), s.sent_by_channel[rules::channel_index(ch)]);
  }
  row("  of which call hand-offs", s.handoff_tasks);

  out << "contacts sent by customer-local hour (not_before in the customer's zone; hand-offs "
         "excluded):\n";
  std::uint64_t peak = 1;
  for (auto n : s.sent_by_local_hour) peak = std::max(peak, n);
  for (int h = 0; h < 24; ++h) {
    const std::uint64_t n = s.sent_by_local_hour[static_cast<std::size_t>(h)];
    out << "  " << std::setw(2) << std::setfill('0') << h << std::setfill(' ') << "  "
        << std::setw(10) << n << "  " << std::string(static_cast<std::size_t>(n * 40 / peak), '#')
        << '\n';
  }
  out << "  unknown zone (jurisdiction only)  " << s.sent_unknown_zone << '\n';

  out << "pacing (simulated time, UTC):\n";
  for (rules::Channel ch : rules::kAllChannels) {
    const auto& p = s.pacing[rules::channel_index(ch)];
    const std::string name(rules::channel_name(ch));
    if (p.peak_per_second == 0 && p.queued == 0) {
      row(name, "nothing sent");
      continue;
    }
    row(name + " busiest second", std::to_string(p.peak_per_second) + " sent at " +
                                       format_time(p.peak_second));
    row(name + " busiest minute", std::to_string(p.peak_per_minute) + " sent from " +
                                       format_time(p.peak_minute));
    row(name + " queued for capacity", p.queued);
    row(name + " longest wait past due (s)", p.max_wait_past_due_seconds);
    row(name + " window expired in queue", p.window_expired);
  }
}

// ---------------------------------------------------------------------------
// The command

bool parse_rfc3339(std::string_view text, absl::Time* out, std::string* error) {
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, absl::string_view(text.data(), text.size()), out,
                      &err)) {
    return true;
  }
  if (error != nullptr) {
    *error = "not an RFC 3339 time (e.g. 2026-03-04T00:00:00Z): " + err;
  }
  return false;
}

int run_replay(const ReplayOptions& options, std::ostream& report, std::ostream& errors) {
  rules::PolicyPtr policy = options.policy;
  if (!policy) {
    if (options.policy_path.empty()) {
      errors << "replay: no policy (--config FILE)\n";
      return 1;
    }
    auto loaded = config::load_policy_file(options.policy_path);
    if (auto* err = std::get_if<config::ConfigError>(&loaded)) {
      errors << "replay: invalid policy: " << err->to_string() << '\n';
      return 1;
    }
    policy = std::get<rules::PolicyPtr>(std::move(loaded));
  }
  if (options.decisions_path.empty()) {
    errors << "replay: no decisions file (--decisions FILE)\n";
    return 1;
  }

  std::ifstream events_file;
  std::istream* events = &std::cin;
  if (options.events_path != "-") {
    events_file.open(options.events_path, std::ios::binary);
    if (!events_file) {
      errors << "replay: cannot read events file " << options.events_path << ": "
             << std::strerror(errno) << '\n';
      return 1;
    }
    events = &events_file;
  }
  std::ofstream decisions_file;
  std::ostream* decisions = &std::cout;
  if (options.decisions_path != "-") {
    decisions_file.open(options.decisions_path, std::ios::binary | std::ios::trunc);
    if (!decisions_file) {
      errors << "replay: cannot write decisions file " << options.decisions_path << ": "
             << std::strerror(errno) << '\n';
      return 1;
    }
    decisions = &decisions_file;
  }
  std::ofstream messages_file;
  if (!options.messages_path.empty()) {
    messages_file.open(options.messages_path, std::ios::binary | std::ios::trunc);
    if (!messages_file) {
      errors << "replay: cannot write messages file " << options.messages_path << ": "
             << std::strerror(errno) << '\n';
      return 1;
    }
  }

  const auto started = std::chrono::steady_clock::now();
  JsonLinesSink sink(*decisions, options.messages_path.empty() ? nullptr : &messages_file);
  const ReplaySummary summary = replay_stream(*events, policy, options.until, sink, errors);
  sink.flush();
  if (decisions_file.is_open()) decisions_file.close();
  if (messages_file.is_open()) messages_file.close();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (events->bad()) {
    errors << "replay: error reading events file " << options.events_path << '\n';
    return 1;
  }
  if (!sink.ok() || decisions_file.fail() || messages_file.fail()) {
    errors << "replay: error writing the output files\n";
    return 1;
  }

  print_summary(summary, report);
  report << "wall time: " << std::fixed << std::setprecision(3) << seconds << " s ("
         << std::setprecision(0)
         << (seconds > 0 ? static_cast<double>(summary.events_read) / seconds : 0.0)
         << " events/s)\n";
  report << std::defaultfloat;
  return 0;
}

int run_replay(const ReplayOptions& options, std::ostream& report) {
  return run_replay(options, report, std::cerr);
}

}  // namespace reminder::replay
