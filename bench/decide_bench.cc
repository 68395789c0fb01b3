// Google Benchmark of the decision path (issue 3; target: 2M decisions per
// second per core with a million customers in state).
//
//   BM_Decide            rules::decide for one realistic customer state: zone
//                        known, 2 overdue accounts, 10 attempts in the log,
//                        the shipped us-reg-f policy (window + 27 holidays,
//                        6 caps, 2 gaps, right-party block), a call that goes
//                        through every check and is sent.
//   BM_DecideDeferred    the same at 22:00 local (window deferral).
//   BM_DecideUnknownZone jurisdiction "US", zone unknown: the window and the
//                        caps in all 13 zones of the preset's US list.
//   BM_DispatcherOnEvent Dispatcher::on_event over 1,000,000 customers
//                        (pre-populated with a profile and one or, for a
//                        quarter of them, two overdue accounts each),
//                        delinquency events for random customers, a
//                        no-op sink. Simulated days of 1M events (about one
//                        event per customer per day, the DPD advancing so the
//                        strategy's steps fire), deferred contacts fired at
//                        their due instants as the clock passes them.
//                        items/s = decision records emitted per second
//                        ("decisions"), events/s as a counter.
//
// Single-threaded (the Dispatcher is); every time is simulated.

#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/policy_loader.h"
#include "metrics/probes.h"
#include "pipeline/dispatch_sink.h"
#include "pipeline/dispatcher.h"
#include "rules/decide.h"
#include "rules/zone_catalog.h"

namespace {

using reminder::rules::Channel;
using reminder::rules::ContactIntent;
using reminder::rules::PolicyPtr;
using reminder::rules::Verdict;

PolicyPtr preset() {
  static const PolicyPtr policy = [] {
    const std::string path = std::string(REMINDERD_SOURCE_DIR) + "/deploy/policies/us-reg-f.yaml";
    auto loaded = reminder::config::load_policy_file(path);
    if (auto* err = std::get_if<reminder::config::ConfigError>(&loaded)) {
      std::fprintf(stderr, "cannot load %s: %s\n", path.c_str(), err->to_string().c_str());
      std::abort();
    }
    return std::get<PolicyPtr>(loaded);
  }();
  return policy;
}

absl::Time ny_time(int y, int mo, int d, int h, int mi) {
  absl::TimeZone tz;
  absl::LoadTimeZone("America/New_York", &tz);
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), tz);
}

// Wednesday 2026-03-18, 14:00 New York: a working day, window open.
const absl::Time kNow = ny_time(2026, 3, 18, 14, 0);

// Where the customers' zone, jurisdiction and locale texts are kept (in the
// daemon: the partition's StateStore).
reminder::state::LabelTable& shared_texts() {
  static reminder::state::LabelTable table;
  return table;
}

reminder::state::CustomerState realistic_customer(const std::string& zone,
                                                  const std::string& jurisdiction) {
  reminder::state::CustomerState c;
  c.customer_id = "cust-000123456";
  c.time_zone = shared_texts().share(zone);
  c.jurisdiction = shared_texts().share(jurisdiction);
  c.phone = "+12125550123";
  c.email = "someone@example.com";
  c.locale = shared_texts().share("en-US");
  for (int i = 0; i < 2; ++i) {
    auto& a = c.accounts.emplace_back();
    a.account_id = i == 0 ? "acct-card-0001" : "acct-loan-0002";
    a.status = reminder::state::AccountStatus::kDelinquent;
    a.days_past_due = i == 0 ? 36 : 12;
    a.currency = "USD";
    a.amount_due_minor = 45000;
  }
  // 10 attempts over the last 6 days, none today, spaced more than the gaps.
  const Channel mix[] = {Channel::kSms,  Channel::kCall, Channel::kEmail, Channel::kCall,
                         Channel::kSms,  Channel::kCall, Channel::kCall,  Channel::kEmail,
                         Channel::kCall, Channel::kSms};
  for (int k = 0; k < 10; ++k) {
    const absl::Time t = kNow - absl::Hours(24 * 6) + absl::Hours(13 * k);
    c.attempts.push_back(
        reminder::state::Attempt{absl::ToUnixSeconds(t), k % 3 == 0 ? 3u : 1u, mix[k]});
  }
  c.accounts[0].last_right_party_contact = absl::ToUnixSeconds(kNow - absl::Hours(24 * 20));
  return c;
}

void run_decide(benchmark::State& state, const reminder::state::CustomerState& c, absl::Time now,
                Verdict expect) {
  const PolicyPtr policy = preset();
  reminder::rules::ZoneCatalog zones;
  const ContactIntent intent{Channel::kCall, 1u, false};
  const auto first = reminder::rules::decide(c, intent, now, *policy, zones);
  if (first.verdict != expect) {
    state.SkipWithError(("unexpected verdict, rule " + first.rule()).c_str());
    return;
  }
  std::int64_t i = 0;
  for (auto _ : state) {
    // Move through a minute so nothing is decided twice at the same instant.
    auto d = reminder::rules::decide(c, intent, now + absl::Seconds(i++ & 63), *policy, zones);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("decisions");
}

void BM_Decide(benchmark::State& state) {
  run_decide(state, realistic_customer("America/New_York", "US-NY"), kNow, Verdict::kSend);
}
BENCHMARK(BM_Decide);

void BM_DecideDeferred(benchmark::State& state) {
  run_decide(state, realistic_customer("America/New_York", "US-NY"), ny_time(2026, 3, 18, 22, 0),
             Verdict::kDefer);
}
BENCHMARK(BM_DecideDeferred);

void BM_DecideUnknownZone(benchmark::State& state) {
  // 14:00 New York is 08:00 Honolulu in March: open everywhere.
  run_decide(state, realistic_customer("", "US"), kNow + absl::Hours(1), Verdict::kSend);
}
BENCHMARK(BM_DecideUnknownZone);

// ---------------------------------------------------------------------------
// Dispatcher over a million customers
// ---------------------------------------------------------------------------

class CountingSink final : public reminder::pipeline::DispatchSink {
 public:
  void on_decision(const reminder::v1::Decision&) override { ++decisions; }
  void on_sms(const reminder::v1::SmsMessage&) override { ++messages; }
  void on_email(const reminder::v1::EmailMessage&) override { ++messages; }
  void on_call(const reminder::v1::CallTask&) override { ++messages; }
  std::uint64_t decisions = 0;
  std::uint64_t messages = 0;
};

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Simulated time for the Dispatcher benchmark: like the bank's daily batch,
// each customer gets about one delinquency event per simulated day (a day
// is kCustomers events), spread over 15:00-20:00Z, when every US zone's
// 08:00-21:00 window is open; deferred contacts fire at their due instants.
constexpr int kCustomers = 1'000'000;
const absl::Time kDay0 = absl::FromCivil(absl::CivilSecond(2026, 3, 18, 15, 0, 0),
                                         absl::UTCTimeZone());  // a Wednesday

absl::Time event_time(std::uint64_t n) {
  const auto day = static_cast<std::int64_t>(n / kCustomers);
  const auto k = static_cast<std::int64_t>(n % kCustomers);
  return kDay0 + absl::Hours(24 * day) + absl::Microseconds(k * 18'000);  // 5 h per day
}

struct World {
  reminder::rules::ZoneCatalog zones;
  reminder::metrics::NullProbes probes;
  std::unique_ptr<reminder::pipeline::Dispatcher> dispatcher;
  std::vector<std::string> ids;
  std::vector<std::int16_t> dpd;   // per customer, the next DPD to send
  std::vector<bool> two_accounts;  // a card and a loan, else a card only
  std::uint64_t sent = 0;          // events handed over by the benchmark so far
  double build_seconds = 0;
  std::size_t state_bytes = 0;

  World() {
    const auto wall_start = absl::Now();
    dispatcher = std::make_unique<reminder::pipeline::Dispatcher>(
        preset(), zones, probes, probes, reminder::scheduler::PacingShare{0, 1});
    static const char* kZones[][2] = {
        {"America/New_York", "US-NY"},
        {"America/Chicago", "US-IL"},
        {"America/Denver", "US-CO"},
        {"America/Los_Angeles", "US-CA"},
        {"America/Phoenix", "US-AZ"},
        {"America/New_York", "US-FL"},
        {"America/Chicago", "US-TX"},
        {"America/New_York", "US-PA"},
        {"America/Los_Angeles", "US-WA"},
        {"", "US-CA"}};  // 1 in 10: zone unknown, the jurisdiction's list
    CountingSink sink;
    std::uint64_t rng = 42;
    ids.reserve(kCustomers);
    dpd.resize(kCustomers);
    two_accounts.resize(kCustomers);
    reminder::v1::AccountEvent e;
    // The day before the benchmark starts: a profile and a first delinquency.
    for (int i = 0; i < kCustomers; ++i) {
      const absl::Time t = event_time(static_cast<std::uint64_t>(i)) - absl::Hours(24);
      char buf[32];
      std::snprintf(buf, sizeof buf, "cust-%09d", i);
      ids.emplace_back(buf);
      const auto& z = kZones[splitmix(rng) % 10];
      e.Clear();
      e.set_event_id(std::string(buf) + "-p");
      e.set_customer_id(ids.back());
      e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t));
      auto* p = e.mutable_profile();
      p->set_time_zone(z[0]);
      p->set_jurisdiction(z[1]);
      p->set_phone("+1212555" + std::to_string(1000 + i % 9000));
      p->set_email(std::string(buf) + "@example.com");
      p->set_locale("en-US");
      dispatcher->on_event(e, t, sink);

      const int start = 1 + static_cast<int>(splitmix(rng) % 85);
      two_accounts[i] = splitmix(rng) % 4 == 0;
      for (int a = 0; a < (two_accounts[i] ? 2 : 1); ++a) {
        e.Clear();
        e.set_event_id(std::string(buf) + (a == 0 ? "-d0" : "-d1"));
        e.set_customer_id(ids.back());
        e.set_account_id(a == 0 ? "acct-card" : "acct-loan");
        e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t));
        auto* d = e.mutable_delinquency();
        d->set_days_past_due(start);
        d->mutable_amount_due()->set_currency_code("USD");
        d->mutable_amount_due()->set_minor_units(45000);
        d->set_due_date("2026-02-01");
        d->set_product("credit_card");
        dispatcher->on_event(e, t, sink);
      }
      dpd[i] = static_cast<std::int16_t>(start + 1);
    }
    build_seconds = absl::ToDoubleSeconds(absl::Now() - wall_start);
    state_bytes = dispatcher->store().approximate_bytes();
  }
};

World& world() {
  static World* w = new World();  // built once, on first use; never torn down
  return *w;
}

void BM_DispatcherOnEvent(benchmark::State& state) {
  World& w = world();
  CountingSink sink;
  std::uint64_t rng = 7 + w.sent;
  // Inputs are built in batches outside the timed region (one pause per
  // batch, so the pause itself costs nothing measurable).
  constexpr int kBatch = 1024;
  std::vector<reminder::v1::AccountEvent> batch(kBatch);
  std::vector<absl::Time> at(kBatch);
  for (auto& e : batch) {
    auto* d = e.mutable_delinquency();
    d->mutable_amount_due()->set_currency_code("USD");
    d->mutable_amount_due()->set_minor_units(45000);
    d->set_due_date("2026-02-01");
    d->set_product("credit_card");
  }
  char idbuf[32] = {'b', 'e', '-'};
  std::uint64_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int k = 0; k < kBatch; ++k) {
      auto& e = batch[k];
      const auto ci = static_cast<std::size_t>(splitmix(rng) % kCustomers);
      const std::uint64_t n = w.sent++;
      auto [end, ec] = std::to_chars(idbuf + 3, idbuf + sizeof idbuf, n);
      (void)ec;
      e.set_event_id(idbuf, static_cast<std::size_t>(end - idbuf));
      e.set_customer_id(w.ids[ci]);
      e.set_account_id(w.two_accounts[ci] && (splitmix(rng) & 1) ? "acct-loan" : "acct-card");
      at[k] = event_time(n);
      e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(at[k]));
      auto& next = w.dpd[ci];
      if (next > 120) next = 1;
      e.mutable_delinquency()->set_days_past_due(next++);
    }
    state.ResumeTiming();
    for (int k = 0; k < kBatch; ++k) {
      // Deferred contacts due by now are re-decided first, as the daemon's
      // timer would (mostly the overnight and capped ones, once a day).
      if (auto due = w.dispatcher->next_wake(at[k]); due && *due <= at[k]) {
        w.dispatcher->fire_due(at[k], sink);
      }
      w.dispatcher->on_event(batch[k], at[k], sink);
    }
    events += kBatch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(sink.decisions));
  state.SetLabel("items = decision records");
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["decisions/event"] =
      static_cast<double>(sink.decisions) / static_cast<double>(std::max<std::uint64_t>(events, 1));
  state.counters["messages/event"] =
      static_cast<double>(sink.messages) / static_cast<double>(std::max<std::uint64_t>(events, 1));
  state.counters["sim_days"] = static_cast<double>(w.sent) / kCustomers;
  state.counters["deferred"] = static_cast<double>(w.dispatcher->deferred_count());
  state.counters["state_MB_at_start"] = static_cast<double>(w.state_bytes) / 1e6;
  state.counters["build_s"] = w.build_seconds;
}
BENCHMARK(BM_DispatcherOnEvent)->Unit(benchmark::kMicrosecond);

}  // namespace
