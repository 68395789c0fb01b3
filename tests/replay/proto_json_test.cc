// The fast JSON path must never change a result: whatever it accepts it
// parses exactly as protobuf's JsonStringToMessage does, and whatever it
// prints is byte-identical to MessageToJsonString (default options).
// Differential tests against protobuf itself.

#include "replay/proto_json.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "demo/demo_feed.h"
#include "replay/replay.h"
#include "replay/test_policy.h"
#include "reminder/v1/account_event.pb.h"
#include "reminder/v1/decision.pb.h"
#include "reminder/v1/dispatch.pb.h"

namespace reminder::replay {
namespace {

using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;
using reminder::v1::AccountEvent;

std::string canonical(const Message& m, google::protobuf::util::JsonPrintOptions options = {}) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out, options).ok());
  return out;
}

// Whatever the fast parser accepts, protobuf accepts too, with the same result.
// Returns whether the fast path accepted.
bool fast_agrees(const std::string& json) {
  AccountEvent fast, slow;
  const bool fast_ok = proto_json::parse(json, fast);
  const bool slow_ok = google::protobuf::util::JsonStringToMessage(json, &slow).ok();
  if (fast_ok) {
    EXPECT_TRUE(slow_ok) << "fast path accepted what protobuf rejects: " << json;
    EXPECT_TRUE(MessageDifferencer::Equals(fast, slow))
        << json << "\n fast: " << fast.ShortDebugString() << "\n slow: " << slow.ShortDebugString();
  }
  return fast_ok;
}

TEST(ProtoJson, DemoEventsRoundTripExactly) {
  demo::DemoFeed feed({.customers = 5000, .seed = 99});
  std::vector<AccountEvent> events;
  const absl::Time start = absl::FromUnixSeconds(1772409600);  // 2026-03-02T00:00:00Z
  for (int i = 0; i < 120; ++i) {
    feed.next(start + absl::Seconds(611 * i) + absl::Milliseconds(i % 3 == 0 ? 250 : 0), 100,
              events);
  }
  google::protobuf::util::JsonPrintOptions names;
  names.preserve_proto_field_names = true;
  google::protobuf::util::JsonPrintOptions pretty;
  pretty.add_whitespace = true;
  google::protobuf::util::JsonPrintOptions enums_as_ints;
  enums_as_ints.always_print_enums_as_ints = true;
  google::protobuf::util::JsonPrintOptions all_fields;
  all_fields.always_print_primitive_fields = true;

  for (const auto& e : events) {
    const std::string json = canonical(e);
    std::string fast_out;
    ASSERT_TRUE(proto_json::append(e, fast_out)) << json;
    ASSERT_EQ(fast_out, json);

    AccountEvent back;
    ASSERT_TRUE(proto_json::parse(json, back)) << json;
    ASSERT_TRUE(MessageDifferencer::Equals(back, e)) << json;
    // Other spellings of the same event: the fast path takes them too.
    for (const auto& options : {names, pretty, enums_as_ints, all_fields}) {
      const std::string other = canonical(e, options);
      ASSERT_TRUE(fast_agrees(other)) << other;
      ASSERT_TRUE(proto_json::parse(other, back));
      ASSERT_TRUE(MessageDifferencer::Equals(back, e)) << other;
    }
  }
}

TEST(ProtoJson, EdgeCasesEitherAgreeOrAreDeclined) {
  // Accepted by the fast path (and equal to protobuf's result).
  for (const char* json : {
           R"({})",
           R"( { "eventId" : "a" , "customer_id":"C1" } )",
           R"({"eventId":"a\"b\\c\/d\b\f\n\r\t\u0041\u001f"})",
           R"({"occurredAt":"2026-03-03T07:00:00Z"})",
           R"({"occurredAt":"2026-03-03T07:00:00.5+01:00"})",
           R"({"occurredAt":"2026-03-03T07:00:00.123456789Z"})",
           R"({"delinquency":{"daysPastDue":"5","amountDue":{"minorUnits":-5}}})",
           R"({"delinquency":{"amountDue":{"minorUnits":"9223372036854775807"}}})",
           R"({"delinquency":{"amountDue":{"minorUnits":"-9223372036854775808"}}})",
           R"({"delinquency":{"daysPastDue":-2147483648}})",
           R"({"delinquency":{}})",
           R"({"flag":{"kind":1,"active":true}})",
           R"({"flag":{"kind":"LEGAL_HOLD","active":false,"until":"2026-04-01T00:00:00Z"}})",
           R"({"profile":{"optedOutChannels":["CHANNEL_SMS",2,"CHANNEL_CALL"]}})",
           R"({"profile":{"optedOutChannels":[]}})",
           R"({"profile":{"opted_out_channels":[ "CHANNEL_EMAIL" ]}})",
           "{\n\t\"eventId\": \"x\"\r\n}\n",
       }) {
    EXPECT_TRUE(fast_agrees(json)) << "expected the fast path to take: " << json;
  }
  // Declined (protobuf decides: some of these it accepts, some it rejects).
  for (const char* json : {
           R"({"eventId":"a","profile":null})",             // null
           R"({"eventId":"a","event_id":"b"})",              // same field twice
           R"({"delinquency":{},"payment":{}})",             // two oneof members
           R"({"eventId":"x",})",                            // trailing comma
           R"({"flag":{"active":"true"}})",                  // bool as string
           R"({"flag":{"active":truefalse}})",               // not false (fuzz finding)
           R"({"flag":{"active":falsetrue}})",
           R"({"flag":{"active":tru}})",
           R"({"delinquency":{"daysPastDue":5.0}})",         // float for an int
           R"({"delinquency":{"daysPastDue":1e1}})",
           R"({"delinquency":{"daysPastDue":01}})",          // leading zero
           R"({"delinquency":{"daysPastDue":2147483648}})",  // out of int32 range
           R"({"delinquency":{"amountDue":{"minorUnits":"-0"}}})",
           R"({"flag":{"kind":99}})",                        // unknown enum number
           R"({"flag":{"kind":"hardship"}})",                // unknown enum name
           R"({"eventId":"\u00e9"})",                        // non-ASCII escape
           "{\"eventId\":\"\xc3\xa9\"}",                     // non-ASCII text
           "{\"eventId\":\"a\x01\"}",                        // raw control character
           R"({"eventId":"x"} trailing)",
           R"({"eventId":"x"}{})",
           R"({"bogus":1})",                                 // unknown field
           R"({"occurredAt":"yesterday"})",
           R"({"occurredAt":{"seconds":5}})",
           R"({"eventId":"x")",                              // truncated
           R"(["eventId"])",
           R"()",
       }) {
    EXPECT_FALSE(fast_agrees(json)) << "expected the fast path to decline: " << json;
  }
}

TEST(ProtoJson, PrintsLikeProtobuf) {
  reminder::v1::Decision d;
  std::string every_ascii;
  for (int c = 1; c < 128; ++c) every_ascii += static_cast<char>(c);
  d.set_detail(every_ascii);
  d.set_event_id(std::string("nul\0inside", 10));
  d.set_channel(static_cast<reminder::v1::Channel>(17));  // unknown value: printed as a number
  d.set_outcome(reminder::v1::OUTCOME_SENT);
  d.mutable_decided_at()->set_seconds(5);
  d.mutable_decided_at()->set_nanos(120'000'000);
  d.mutable_scheduled_for();  // present, epoch
  d.add_account_ids("A1");
  d.add_account_ids("");
  for (int nanos : {0, 1, 1000, 1'000'000, 999'999'999, 123'456'000}) {
    d.mutable_decided_at()->set_nanos(nanos);
    std::string out = "prefix";
    ASSERT_TRUE(proto_json::append(d, out));
    EXPECT_EQ(out, "prefix" + canonical(d));
  }
  // Timestamps across the whole supported range print like protobuf's.
  for (std::int64_t seconds :
       {std::int64_t{-62135596800}, std::int64_t{-86401}, std::int64_t{-1}, std::int64_t{0},
        std::int64_t{951782400} /* 2000-02-29 */, std::int64_t{1772517600},
        std::int64_t{4107542399} /* 2100-02-28T23:59:59 */, std::int64_t{253402300799}}) {
    d.mutable_decided_at()->set_seconds(seconds);
    std::string out;
    ASSERT_TRUE(proto_json::append(d, out));
    EXPECT_EQ(out, canonical(d)) << seconds;
  }
  for (std::int64_t seconds = -62135596800; seconds < 253402300799; seconds += 7'777'777) {
    d.mutable_decided_at()->set_seconds(seconds);
    std::string out;
    ASSERT_TRUE(proto_json::append(d, out));
    ASSERT_EQ(out, canonical(d)) << seconds;
  }
  EXPECT_EQ([] { std::string s; proto_json::append(reminder::v1::Decision(), s); return s; }(),
            "{}");

  reminder::v1::CallTask task;
  task.set_dispatch_id("d");
  task.set_priority(-3);
  task.set_handoff(true);
  auto* due = task.add_accounts();
  due->mutable_amount_due()->set_minor_units(-9223372036854775807LL - 1);
  due->mutable_minimum_due();  // present, empty
  task.add_accounts();          // empty element
  std::string out;
  ASSERT_TRUE(proto_json::append(task, out));
  EXPECT_EQ(out, canonical(task));

  // Non-ASCII is left to protobuf: declined, nothing appended.
  d.set_detail("caf\xc3\xa9");
  out = "keep";
  EXPECT_FALSE(proto_json::append(d, out));
  EXPECT_EQ(out, "keep");
}

// Every decision and message of a busy replay prints identically.
class CompareSink final : public pipeline::DispatchSink {
 public:
  void on_decision(const reminder::v1::Decision& m) override { compare(m); }
  void on_sms(const reminder::v1::SmsMessage& m) override { compare(m); }
  void on_email(const reminder::v1::EmailMessage& m) override { compare(m); }
  void on_call(const reminder::v1::CallTask& m) override { compare(m); }
  int compared = 0;

 private:
  void compare(const Message& m) {
    std::string fast;
    ASSERT_TRUE(proto_json::append(m, fast)) << m.ShortDebugString();
    ASSERT_EQ(fast, canonical(m));
    ++compared;
  }
};

TEST(ProtoJson, ReplayOutputPrintsLikeProtobuf) {
  demo::DemoFeed feed({.customers = 500, .seed = 4});
  std::vector<AccountEvent> events;
  const absl::Time start = absl::FromUnixSeconds(1772409600);
  for (int i = 0; i < 3000; ++i) feed.next(start + absl::Minutes(9 * i), 6, events);
  std::string text;
  for (const auto& e : events) text += canonical(e) + "\n";
  std::istringstream in(text);
  std::ostringstream errors;
  CompareSink sink;
  const auto summary = replay_stream(in, testing::make_test_policy(), std::nullopt, sink, errors);
  EXPECT_EQ(summary.bad_lines, 0u) << errors.str();
  EXPECT_GT(sink.compared, 20'000);
}

}  // namespace
}  // namespace reminder::replay
