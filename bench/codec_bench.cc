// The hot path's codecs (issue 7): decoding and validating an input record,
// encoding a customer's changelog record and decoding it back (restore), and
// building + serialising a channel message. One core, no Kafka.
//
//   build/bench/codec_bench                      all of them
//   build/bench/codec_bench --benchmark_filter=EncodeState

#include <benchmark/benchmark.h>

#include <string>

#include "ingest/event_decoder.h"
#include "pipeline/message_builder.h"
#include "reminder/v1/account_event.pb.h"
#include "rules/zone_catalog.h"
#include "state/state_codec.h"

namespace {

using reminder::state::CustomerState;

absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

std::string delinquency_record() {
  reminder::v1::AccountEvent e;
  e.set_event_id("evt-2026-03-10-000123456");
  e.set_customer_id("CUST-00012345");
  e.set_account_id("ACC-0000987654");
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(kNow) - 60);
  auto* d = e.mutable_delinquency();
  d->set_days_past_due(17);
  d->mutable_amount_due()->set_currency_code("USD");
  d->mutable_amount_due()->set_minor_units(123456);
  d->mutable_minimum_due()->set_currency_code("USD");
  d->mutable_minimum_due()->set_minor_units(2500);
  d->set_due_date("2026-02-21");
  d->set_product("credit_card");
  return e.SerializeAsString();
}

// A typical customer: profile, one overdue account, two attempts, one deferral.
CustomerState customer(reminder::state::LabelTable& labels) {
  CustomerState c;
  c.customer_id = "CUST-00012345";
  c.time_zone = labels.share("America/New_York");
  c.jurisdiction = labels.share("US-NY");
  c.phone = "+15550001234";
  c.email = "someone.somewhere@example.com";
  c.locale = labels.share("en-US");
  auto& a = c.accounts.emplace_back();
  a.account_id = "ACC-0000987654";
  a.currency = "USD";
  a.product = labels.share("credit_card");
  a.due_day = *reminder::state::day_from_text("2026-02-21");
  a.amount_due_minor = 123456;
  a.minimum_due_minor = 2500;
  a.days_past_due = 17;
  a.status = reminder::state::AccountStatus::kDelinquent;
  c.attempts.push_back({1'789'900'000, 1, reminder::rules::Channel::kSms});
  c.attempts.push_back({1'789'950'000, 1, reminder::rules::Channel::kEmail});
  auto& d = c.deferred.emplace_back();
  d.dispatch_id = reminder::state::DispatchIdBuilder().add("x").build();
  d.due = 1'790'010'000;
  d.template_id = labels.intern("us.sms.early.v1");
  d.account_mask = 1;
  for (int i = 0; i < 5; ++i) c.remember_event(reminder::state::fnv1a64(std::to_string(i)));
  return c;
}

void BM_DecodeEvent(benchmark::State& state) {
  const std::string bytes = delinquency_record();
  reminder::rules::ZoneCatalog zones;
  const reminder::ingest::ValidationLimits limits;
  reminder::v1::AccountEvent out;
  for (auto _ : state) {
    auto r = reminder::ingest::decode_event("CUST-00012345", bytes, kNow, zones, limits, out);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeEvent);

void BM_EncodeState(benchmark::State& state) {
  reminder::state::LabelTable labels;
  const CustomerState c = customer(labels);
  reminder::state::StateEncoder encoder;
  std::string out;
  for (auto _ : state) {
    encoder.encode(c, labels, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_EncodeState);

void BM_DecodeState(benchmark::State& state) {
  reminder::state::LabelTable labels;
  std::string bytes;
  reminder::state::encode_state(customer(labels), labels, bytes);
  CustomerState out;
  for (auto _ : state) {
    bool ok = reminder::state::decode_state(bytes, labels, out);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeState);

void BM_BuildAndSerializeSms(benchmark::State& state) {
  reminder::state::LabelTable labels;
  const CustomerState c = customer(labels);
  reminder::rules::Policy policy;
  policy.opt_out_instruction[0] = "Reply STOP to opt out.";
  reminder::v1::SmsMessage sms;
  std::string out;
  for (auto _ : state) {
    const reminder::pipeline::MessageFields f{c,  "0123456789abcdef0123456789abcdef", 1,
                                              "us.sms.early.v1", "", 10, kNow,
                                              kNow + absl::Hours(8), false, policy};
    reminder::pipeline::build_sms(f, sms);
    sms.SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BuildAndSerializeSms);

}  // namespace
