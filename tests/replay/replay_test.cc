// reminderd replay: the simulated clock, deferrals firing at their own
// instant, bad lines reported with their line numbers and skipped, --until,
// byte-identical output, and the file-level command.

#include "replay/replay.h"

#include <absl/strings/str_split.h>
#include <absl/time/civil_time.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "demo/demo_feed.h"
#include "replay/test_policy.h"

namespace reminder::replay {
namespace {

using reminder::v1::Decision;

absl::Time utc(int y, int mo, int d, int h, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

absl::Time to_time(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Keeps everything the engine hands out.
class RecordingSink final : public pipeline::DispatchSink {
 public:
  void on_decision(const Decision& d) override { decisions.push_back(d); }
  void on_sms(const reminder::v1::SmsMessage& m) override { sms.push_back(m); }
  void on_email(const reminder::v1::EmailMessage& m) override { email.push_back(m); }
  void on_call(const reminder::v1::CallTask& m) override { calls.push_back(m); }

  // The event's decisions and, joined by dispatch_id as an auditor would,
  // what became of its deferred contacts (those decisions carry no event id).
  std::vector<const Decision*> for_event(const std::string& event_id) const {
    std::vector<const Decision*> out;
    std::set<std::string> dispatches;
    for (const auto& d : decisions) {
      if (d.event_id() == event_id) {
        out.push_back(&d);
        if (!d.dispatch_id().empty()) dispatches.insert(d.dispatch_id());
      } else if (d.event_id().empty() && dispatches.count(d.dispatch_id())) {
        out.push_back(&d);
      }
    }
    return out;
  }

  std::vector<Decision> decisions;
  std::vector<reminder::v1::SmsMessage> sms;
  std::vector<reminder::v1::EmailMessage> email;
  std::vector<reminder::v1::CallTask> calls;
};

// 2026-03-03 is a Tuesday; New York is on EST (UTC-5), Los Angeles on PST
// (UTC-8); US DST starts on 2026-03-08.
const char* const kStream =
    // 1: C1 lives in New York (CRLF line ending on purpose)
    R"({"eventId":"e1","occurredAt":"2026-03-03T07:00:00Z","customerId":"C1","profile":{"timeZone":"America/New_York","jurisdiction":"US-NY","phone":"+15550000001","email":"c1@example.test","locale":"en-US"}})"
    "\r\n"
    // 2: DPD 1 at 03:00 local: the SMS must wait for the 08:00 opening (13:00Z)
    R"({"eventId":"e2","occurredAt":"2026-03-03T08:00:00Z","customerId":"C1","accountId":"A1","delinquency":{"daysPastDue":1,"amountDue":{"currencyCode":"USD","minorUnits":"12345"},"minimumDue":{"currencyCode":"USD","minorUnits":"2500"},"dueDate":"2026-03-02","product":"credit_card"}})"
    "\n"
    // 3: not JSON
    "{not json\n"
    // 4: blank
    "\n"
    // 5: valid JSON, invalid event (lower-case currency)
    R"({"eventId":"e5","occurredAt":"2026-03-03T09:00:00Z","customerId":"C2","accountId":"B1","delinquency":{"daysPastDue":1,"amountDue":{"currencyCode":"usd","minorUnits":"100"}}})"
    "\n"
    // 6: C2 in Los Angeles, at 15:00Z: C1's SMS fires at 13:00Z before this
    R"({"eventId":"e6","occurredAt":"2026-03-03T15:00:00Z","customerId":"C2","profile":{"timeZone":"America/Los_Angeles","jurisdiction":"US-CA","phone":"+15550000002","email":"c2@example.test","locale":"en-US"}})"
    "\n"
    // 7: older than the clock: processed at 15:00Z (07:00 LA): email deferred to 16:00Z
    R"({"event_id":"e7","occurred_at":"2026-03-03T10:00:00Z","customer_id":"C2","account_id":"B1","delinquency":{"days_past_due":3,"amount_due":{"currency_code":"USD","minor_units":"5000"},"due_date":"2026-02-28"}})"
    "\n"
    // 8: an unknown field is an error
    R"({"eventId":"e8","occurredAt":"2026-03-03T16:30:00Z","customerId":"C2","bogusField":1,"profile":{}})"
    "\n"
    // 9: C3 in New York at 22:00 local
    R"({"eventId":"e9","occurredAt":"2026-03-04T03:00:00Z","customerId":"C3","profile":{"timeZone":"America/New_York","jurisdiction":"US-NY","phone":"+15550000003","email":"c3@example.test"}})"
    "\n"
    // 10: DPD 1 at 23:00 local: deferred to 2026-03-04T13:00Z, only reached with --until
    R"({"eventId":"e10","occurredAt":"2026-03-04T04:00:00Z","customerId":"C3","accountId":"C3-1","delinquency":{"daysPastDue":1,"amountDue":{"currencyCode":"USD","minorUnits":"777"},"dueDate":"2026-03-03"}})";

struct ReplayRun {
  ReplaySummary summary;
  RecordingSink sink;
  std::string errors;
};

ReplayRun replay_text(const std::string& text, std::optional<absl::Time> until,
                const rules::PolicyPtr& policy = testing::make_test_policy()) {
  ReplayRun run;
  std::istringstream in(text);
  std::ostringstream errors;
  run.summary = replay_stream(in, policy, until, run.sink, errors);
  run.errors = errors.str();
  return run;
}

TEST(Replay, QuietHoursDeferToTheOpeningAndSendAtThatInstant) {
  const ReplayRun run = replay_text(kStream, std::nullopt);

  const auto e2 = run.sink.for_event("e2");
  ASSERT_EQ(e2.size(), 2u);  // deferred when it arrived, sent when it came due
  EXPECT_EQ(e2[0]->outcome(), reminder::v1::OUTCOME_DEFERRED);
  EXPECT_EQ(e2[0]->reason(), reminder::v1::REASON_QUIET_HOURS);
  EXPECT_EQ(e2[0]->channel(), reminder::v1::CHANNEL_SMS);
  EXPECT_EQ(to_time(e2[0]->decided_at()), utc(2026, 3, 3, 8));
  EXPECT_EQ(to_time(e2[0]->scheduled_for()), utc(2026, 3, 3, 13));  // 08:00 EST

  EXPECT_EQ(e2[1]->outcome(), reminder::v1::OUTCOME_SENT);
  EXPECT_EQ(e2[1]->dispatch_id(), e2[0]->dispatch_id());
  // Fired by the simulated clock at its own due instant, not at the next
  // event's time (15:00Z).
  EXPECT_EQ(to_time(e2[1]->decided_at()), utc(2026, 3, 3, 13));

  ASSERT_GE(run.sink.sms.size(), 1u);
  const auto& sms = run.sink.sms[0];
  EXPECT_EQ(sms.customer_id(), "C1");
  EXPECT_EQ(sms.dispatch_id(), e2[1]->dispatch_id());
  EXPECT_EQ(to_time(sms.not_before()), utc(2026, 3, 3, 13));
  EXPECT_EQ(to_time(sms.not_after()), utc(2026, 3, 4, 2));  // 21:00 EST
  EXPECT_EQ(sms.phone(), "+15550000001");

  // The sent SMS comes before anything decided for e6 (15:00Z).
  std::size_t sent_at = 0, e6_at = 0;
  for (std::size_t i = 0; i < run.sink.decisions.size(); ++i) {
    if (&run.sink.decisions[i] == e2[1]) sent_at = i;
    if (run.sink.decisions[i].event_id() == "e6") e6_at = i;
  }
  EXPECT_LT(sent_at, e6_at);
}

TEST(Replay, TheClockNeverGoesBackwards) {
  const ReplayRun run = replay_text(kStream, std::nullopt);
  const auto e7 = run.sink.for_event("e7");
  ASSERT_EQ(e7.size(), 2u);
  // occurred_at 10:00Z, but the clock already stood at 15:00Z (07:00 in LA).
  EXPECT_EQ(to_time(e7[0]->decided_at()), utc(2026, 3, 3, 15));
  EXPECT_EQ(e7[0]->outcome(), reminder::v1::OUTCOME_DEFERRED);
  EXPECT_EQ(e7[0]->channel(), reminder::v1::CHANNEL_EMAIL);
  EXPECT_EQ(to_time(e7[0]->scheduled_for()), utc(2026, 3, 3, 16));  // 08:00 PST
  EXPECT_EQ(e7[1]->outcome(), reminder::v1::OUTCOME_SENT);
  EXPECT_EQ(to_time(e7[1]->decided_at()), utc(2026, 3, 3, 16));
  ASSERT_EQ(run.sink.email.size(), 1u);
  EXPECT_EQ(to_time(run.sink.email[0].not_before()), utc(2026, 3, 3, 16));
}

TEST(Replay, BadLinesAreReportedWithTheirNumberAndSkipped) {
  const ReplayRun run = replay_text(kStream, std::nullopt);
  const std::vector<std::string> lines =
      absl::StrSplit(run.errors, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << run.errors;
  EXPECT_TRUE(lines[0].starts_with("line 3: undecodable: ")) << lines[0];
  // (the detail's wording belongs to ingest/event_decoder)
  EXPECT_TRUE(lines[1].starts_with("line 5: bad_currency: delinquency.amount_due")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("line 8: undecodable: ")) << lines[2];

  EXPECT_EQ(run.summary.lines, 10u);
  EXPECT_EQ(run.summary.events_read, 9u);  // the blank line is not an event
  EXPECT_EQ(run.summary.bad_lines, 3u);
  EXPECT_EQ(run.summary.events_applied, 6u);
  EXPECT_EQ(run.summary.bad_by_reason.at("undecodable"), 2u);
  EXPECT_EQ(run.summary.bad_by_reason.at("bad_currency"), 1u);
  EXPECT_TRUE(run.sink.for_event("e5").empty());
  EXPECT_TRUE(run.sink.for_event("e8").empty());
  // The events after the bad lines were processed.
  EXPECT_FALSE(run.sink.for_event("e6").empty());
  EXPECT_FALSE(run.sink.for_event("e10").empty());
}

TEST(Replay, UntilRunsTheClockOnAndFiresWhatComesDue) {
  // Without --until the last deferral stays pending.
  const ReplayRun without = replay_text(kStream, std::nullopt);
  const auto e10 = without.sink.for_event("e10");
  ASSERT_EQ(e10.size(), 1u);
  EXPECT_EQ(e10[0]->outcome(), reminder::v1::OUTCOME_DEFERRED);
  EXPECT_EQ(to_time(e10[0]->scheduled_for()), utc(2026, 3, 4, 13));
  EXPECT_EQ(without.summary.pending_deferred, 1u);
  EXPECT_EQ(*without.summary.clock_end, utc(2026, 3, 4, 4));

  // An --until before it changes nothing.
  const ReplayRun early = replay_text(kStream, utc(2026, 3, 4, 12, 59, 59));
  EXPECT_EQ(early.sink.for_event("e10").size(), 1u);
  EXPECT_EQ(early.summary.pending_deferred, 1u);

  const ReplayRun with = replay_text(kStream, utc(2026, 3, 5, 0));
  const auto fired = with.sink.for_event("e10");
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[1]->outcome(), reminder::v1::OUTCOME_SENT);
  EXPECT_EQ(to_time(fired[1]->decided_at()), utc(2026, 3, 4, 13));
  EXPECT_EQ(with.summary.pending_deferred, 0u);
  EXPECT_EQ(*with.summary.clock_end, utc(2026, 3, 5, 0));
  ASSERT_EQ(with.sink.sms.size(), 2u);
  EXPECT_EQ(to_time(with.sink.sms[1].not_before()), utc(2026, 3, 4, 13));

  // The summary: three contacts, all at 08 local.
  EXPECT_EQ(with.summary.sent_by_channel[0], 2u);  // sms
  EXPECT_EQ(with.summary.sent_by_channel[1], 1u);  // email
  EXPECT_EQ(with.summary.sent_by_local_hour[8], 3u);
  EXPECT_EQ(with.summary.sent_unknown_zone, 0u);
  EXPECT_EQ(with.summary.by_outcome.at("OUTCOME_SENT"), 3u);
  EXPECT_EQ(with.summary.by_reason.at("REASON_QUIET_HOURS"), 3u);
}

std::string replay_to_json(const std::string& text, std::optional<absl::Time> until,
                           std::string* messages = nullptr) {
  std::istringstream in(text);
  std::ostringstream decisions, msgs, errors;
  {
    JsonLinesSink sink(decisions, &msgs);
    replay_stream(in, testing::make_test_policy(), until, sink, errors);
  }
  if (messages != nullptr) *messages = msgs.str();
  return decisions.str();
}

TEST(Replay, OutputIsByteIdenticalAcrossRuns) {
  const std::string a = replay_to_json(kStream, utc(2026, 3, 5, 0));
  const std::string b = replay_to_json(kStream, utc(2026, 3, 5, 0));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);

  // And on a bigger, busier stream from the demo feed.
  demo::DemoFeed feed({.customers = 300, .seed = 9});
  std::vector<reminder::v1::AccountEvent> events;
  for (int i = 0; i < 2000; ++i) feed.next(utc(2026, 3, 2, 0) + absl::Minutes(7 * i), 5, events);
  std::string text;
  for (const auto& e : events) {
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(e, &json).ok());
    text += json;
    text += '\n';
  }
  std::string m1, m2;
  const std::string big1 = replay_to_json(text, utc(2026, 3, 20, 0), &m1);
  const std::string big2 = replay_to_json(text, utc(2026, 3, 20, 0), &m2);
  EXPECT_GT(std::count(big1.begin(), big1.end(), '\n'), 10'000);
  EXPECT_GT(std::count(m1.begin(), m1.end(), '\n'), 100);
  EXPECT_EQ(big1, big2);
  EXPECT_EQ(m1, m2);
}

TEST(Replay, DecisionsAreProtobufJsonLines) {
  std::string messages;
  const std::string out = replay_to_json(kStream, utc(2026, 3, 5, 0), &messages);
  const std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {
    Decision d;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &d).ok()) << line;
    std::string again;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(d, &again).ok());
    EXPECT_EQ(again, line);  // canonical: default options, camelCase
  }
  EXPECT_NE(out.find(R"("outcome":"OUTCOME_SENT")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("decidedAt":"2026-03-03T13:00:00Z")"), std::string::npos) << out;

  const std::vector<std::string> mlines = absl::StrSplit(messages, '\n', absl::SkipEmpty());
  ASSERT_EQ(mlines.size(), 3u) << messages;
  EXPECT_TRUE(mlines[0].starts_with(R"({"channel":"sms","message":{"dispatchId":")")) << mlines[0];
  EXPECT_TRUE(mlines[1].starts_with(R"({"channel":"email","message":{)")) << mlines[1];
  EXPECT_TRUE(mlines[0].ends_with("}}")) << mlines[0];
  // The inner message is an SmsMessage in the JSON mapping.
  const std::size_t prefix = std::string(R"({"channel":"sms","message":)").size();
  const std::string inner = mlines[0].substr(prefix, mlines[0].size() - prefix - 1);
  reminder::v1::SmsMessage sms;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(inner, &sms).ok()) << inner;
  EXPECT_EQ(sms.customer_id(), "C1");
}

TEST(Replay, LinesLongerThanTheLimitAreOversized) {
  std::string text = std::string(R"({"eventId":"x","customerId":")") + std::string(70'000, 'a') +
                     "\"}\n" + std::string(kStream);
  const ReplayRun run = replay_text(text, std::nullopt);
  EXPECT_TRUE(run.errors.starts_with("line 1: oversized: ")) << run.errors.substr(0, 200);
  EXPECT_EQ(run.summary.events_applied, 6u);
}

TEST(Replay, EmptyOrBlankInput) {
  for (const char* text : {"", "\n", "  \n\t\r\n\n"}) {
    const ReplayRun run = replay_text(text, utc(2026, 3, 5, 0));
    EXPECT_EQ(run.summary.events_read, 0u);
    EXPECT_EQ(run.summary.bad_lines, 0u);
    EXPECT_EQ(run.summary.decisions, 0u);
    EXPECT_EQ(run.errors, "");
    EXPECT_EQ(*run.summary.clock_end, utc(2026, 3, 5, 0));
  }
  EXPECT_EQ(replay_text("\n\n\n", std::nullopt).summary.lines, 3u);
  EXPECT_FALSE(replay_text("", std::nullopt).summary.clock_end.has_value());
}

// ---------------------------------------------------------------------------
// run_replay: files in, files out.

class RunReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("replay_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "events.jsonl") << kStream << '\n';
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::filesystem::path dir_;
};

TEST_F(RunReplay, WritesDecisionsMessagesAndASummary) {
  ReplayOptions options;
  options.policy = testing::make_test_policy();
  options.events_path = (dir_ / "events.jsonl").string();
  options.decisions_path = (dir_ / "decisions.jsonl").string();
  options.messages_path = (dir_ / "messages.jsonl").string();
  absl::Time until;
  ASSERT_TRUE(parse_rfc3339("2026-03-05T00:00:00Z", &until, nullptr));
  options.until = until;
  std::ostringstream report, errors;
  ASSERT_EQ(run_replay(options, report, errors), 0) << errors.str();

  EXPECT_EQ(slurp(options.decisions_path), replay_to_json(kStream, utc(2026, 3, 5, 0)));
  const std::string messages = slurp(options.messages_path);
  EXPECT_EQ(std::count(messages.begin(), messages.end(), '\n'), 3);
  EXPECT_NE(errors.str().find("line 3: undecodable"), std::string::npos);

  const std::string r = report.str();
  EXPECT_NE(r.find("replay summary (policy replay-test@1)"), std::string::npos) << r;
  EXPECT_NE(r.find("OUTCOME_SENT"), std::string::npos) << r;
  EXPECT_NE(r.find("REASON_QUIET_HOURS"), std::string::npos) << r;
  EXPECT_NE(r.find("contacts sent by customer-local hour"), std::string::npos) << r;
  EXPECT_NE(r.find("events/s"), std::string::npos) << r;
}

TEST_F(RunReplay, FailsCleanlyOnMissingInputsOrPolicy) {
  std::ostringstream report, errors;
  ReplayOptions options;
  options.policy_path = (dir_ / "no-such-policy.yaml").string();
  options.events_path = (dir_ / "events.jsonl").string();
  options.decisions_path = (dir_ / "decisions.jsonl").string();
  EXPECT_EQ(run_replay(options, report, errors), 1);
  EXPECT_NE(errors.str().find("invalid policy"), std::string::npos) << errors.str();

  options.policy = testing::make_test_policy();
  options.events_path = (dir_ / "missing.jsonl").string();
  EXPECT_EQ(run_replay(options, report, errors), 1);
  EXPECT_NE(errors.str().find("cannot read events file"), std::string::npos) << errors.str();

  options.events_path = (dir_ / "events.jsonl").string();
  options.decisions_path = (dir_ / "no-such-dir" / "decisions.jsonl").string();
  EXPECT_EQ(run_replay(options, report, errors), 1);
  EXPECT_NE(errors.str().find("cannot write decisions file"), std::string::npos) << errors.str();
}

TEST_F(RunReplay, WithTheShippedRegulationFPolicy) {
  const std::string src = testing::source_dir();
  if (src.empty()) GTEST_SKIP() << "REMINDERD_SOURCE_DIR not set (run through ctest)";
  ReplayOptions options;
  options.policy_path = src + "/deploy/policies/us-reg-f.yaml";
  options.events_path = (dir_ / "events.jsonl").string();
  options.decisions_path = (dir_ / "decisions.jsonl").string();
  options.until = utc(2026, 3, 5, 0);
  std::ostringstream report, errors;
  ASSERT_EQ(run_replay(options, report, errors), 0) << errors.str();
  EXPECT_NE(report.str().find("replay summary (policy us-reg-f@"), std::string::npos);

  // The DPD 1 SMS at 03:00 New York time still goes at 08:00 sharp.
  const std::string decisions = slurp(options.decisions_path);
  bool sent_at_opening = false;
  std::string e2_dispatch;
  for (absl::string_view line : absl::StrSplit(decisions, '\n', absl::SkipEmpty())) {
    Decision d;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                    google::protobuf::StringPiece(line.data(), line.size()), &d)
                    .ok());
    // The SENT decision of a deferred contact is found by its dispatch id.
    if (d.event_id() == "e2" && d.outcome() == reminder::v1::OUTCOME_DEFERRED) e2_dispatch = d.dispatch_id();
    if (!e2_dispatch.empty() && d.dispatch_id() == e2_dispatch &&
        d.outcome() == reminder::v1::OUTCOME_SENT) {
      sent_at_opening = to_time(d.decided_at()) == utc(2026, 3, 3, 13);
    }
  }
  EXPECT_TRUE(sent_at_opening) << decisions;
}

// The morning wave in simulated time: 60 New York customers fall due at
// 08:00; at 5 SMS a second they go out over 12 seconds, and the summary
// shows the strategist that wave before it happens.
TEST(Replay, ShowsTheMorningWaveWithinTheChannelCapacity) {
  auto policy = std::make_shared<rules::Policy>(*testing::make_test_policy());
  policy->pacing.sms = rules::ChannelCapacity{5, absl::Seconds(1)};
  std::string stream;
  for (int i = 0; i < 60; ++i) {
    const std::string c = "M" + std::to_string(i);
    stream += R"({"eventId":"p)" + c + R"(","occurredAt":"2026-03-10T05:00:00Z","customerId":")" + c +
              R"(","profile":{"timeZone":"America/New_York","jurisdiction":"US-NY","phone":"+15550000001","email":"m@example.com"}})" "\n";
  }
  for (int i = 0; i < 60; ++i) {
    const std::string c = "M" + std::to_string(i);
    stream += R"({"eventId":"d)" + c + R"(","occurredAt":"2026-03-10T07:00:00Z","customerId":")" + c +
              R"(","accountId":"A","delinquency":{"daysPastDue":1,"amountDue":{"currencyCode":"USD","minorUnits":"100"},"dueDate":"2026-03-01"}})" "\n";
  }
  const ReplayRun run = replay_text(stream, utc(2026, 3, 10, 13), policy);
  ASSERT_TRUE(run.errors.empty()) << run.errors;
  EXPECT_EQ(run.sink.sms.size(), 60u);
  const auto& sms = run.summary.pacing[rules::channel_index(rules::Channel::kSms)];
  EXPECT_EQ(sms.peak_per_second, 5u);
  EXPECT_EQ(sms.peak_second, utc(2026, 3, 10, 12));  // 08:00 EDT
  EXPECT_EQ(sms.peak_per_minute, 60u);
  EXPECT_NEAR(sms.max_wait_past_due_seconds, 11.8, 1e-6);  // the 60th slot: 12:00:11.8
  EXPECT_EQ(sms.queued, 0u);  // deferred to the opening, not queued on arrival
  std::map<std::int64_t, int> per_second;
  for (const auto& m : run.sink.sms) ++per_second[m.not_before().seconds()];
  EXPECT_EQ(per_second.size(), 12u);
  for (const auto& [s, n] : per_second) EXPECT_EQ(n, 5);

  std::ostringstream out;
  print_summary(run.summary, out);
  EXPECT_NE(out.str().find("sms busiest second"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("5 sent at 2026-03-10T12:00:00+00:00"), std::string::npos) << out.str();
}

TEST(ParseRfc3339, AcceptsUtcAndOffsetsRejectsGarbage) {
  absl::Time t;
  std::string error;
  ASSERT_TRUE(parse_rfc3339("2026-03-04T00:00:00Z", &t, &error)) << error;
  EXPECT_EQ(t, utc(2026, 3, 4, 0));
  ASSERT_TRUE(parse_rfc3339("2026-03-04T08:00:00+08:00", &t, &error)) << error;
  EXPECT_EQ(t, utc(2026, 3, 4, 0));
  EXPECT_FALSE(parse_rfc3339("yesterday", &t, &error));
  EXPECT_NE(error.find("RFC 3339"), std::string::npos);
}

}  // namespace
}  // namespace reminder::replay
