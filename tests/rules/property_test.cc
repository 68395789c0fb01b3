// Property test: random (seeded, deterministic) event streams for a few
// thousand customers over five weeks of simulated time, driven through the
// Dispatcher with a simulated clock (deferred contacts fire at their own due
// instants, stepping next_due()). Every channel message is collected, then an
// INDEPENDENT oracle, written here from the policy's numbers and the events
// generated (it calls no rules/ code), recomputes from the message stream:
//
//   safety:   no rolling cap exceeded in any half-open window; no local-day
//             cap exceeded on any local day (in every zone the customer may be
//             in); minimum gaps kept; every instant a message may be delivered
//             at ([not_before, not_after)) inside the local window of every
//             possible zone, closed dates and DST included; nothing sent while
//             a stop flag is active, about a cured / current / handed-off /
//             disputed account, about a debt under a live promise, on an
//             opted-out channel or to an invalid or missing contact point; no
//             call about a debt within 7 local days of a conversation; no
//             duplicate dispatch_id; every message has a SENT decision.
//   liveness: a reachable delinquent customer (valid profile, no flags) gets
//             its first reminder at exactly the first instant the window
//             allows, and every SMS step of such a customer is followed by an
//             SMS listing the debt within the longest cap window + a day.
//
// The simulation spans the US (Mar 8) and UK (Mar 29) spring-forward days,
// Good Friday (closed in the default window) and Qingming (closed in CN), and
// uses an email window of 01:30-02:30 for GB and US-NY so that window edges
// sit inside a skipped hour.

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "metrics/probes.h"
#include "pipeline/dispatch_sink.h"
#include "pipeline/dispatcher.h"
#include "rules/policy_builder.h"
#include "rules/zone_catalog.h"

namespace reminder::rules {
namespace {

using namespace reminder::rules::testing;
using v1::AccountEvent;
using v1::CustomerFlag;

// ===========================================================================
// Test data: the policy's numbers. The policy below and the oracle both read
// these constants; the oracle re-implements what they mean.
// ===========================================================================

const absl::Time kSimStart = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 0, 0, 0),
                                             absl::UTCTimeZone());  // a Monday
constexpr int kSimDays = 35;                                        // to Apr 5

// Windows (minutes since local midnight).
constexpr int kDayOpen = 8 * 60, kDayClose = 21 * 60;   // Mon-Sat, default
constexpr int kSunOpen = 10 * 60, kSunClose = 18 * 60;  // Sunday, default
const absl::CivilDay kGoodFriday(2026, 4, 3);           // closed, default window
constexpr int kCnOpen = 8 * 60, kCnClose = 22 * 60;     // CN, every day
const absl::CivilDay kQingming[] = {absl::CivilDay(2026, 4, 4), absl::CivilDay(2026, 4, 5),
                                    absl::CivilDay(2026, 4, 6)};
constexpr int kNightOpen = 1 * 60 + 30, kNightClose = 2 * 60 + 30;  // email, GB and US-NY

// Caps.
constexpr int kCallsPerDebtPer7d = 7;    // rolling 7 days, per debt, suppress
constexpr int kCallsPerLocalDay = 3;     // per customer, suppress
constexpr int kSmsPerLocalDay = 1;       // per customer, defer
constexpr int kSmsPer7d = 4;             // rolling 7 days, per customer, defer
constexpr int kEmailsPer2LocalDays = 1;  // per customer, defer
constexpr int kContactsPer24h = 8;       // rolling 24 h, any channel, suppress
const absl::Duration kAnyGap = absl::Minutes(15);
const absl::Duration kCallGap = absl::Hours(2);
constexpr int kPromiseGraceDays = 2;
constexpr int kHardshipPauseDays = 14;
constexpr int kRightPartyDays = 7;

// Possible zones per jurisdiction.
const std::map<std::string, std::vector<std::string>>& jurisdiction_table() {
  static const auto* t = new std::map<std::string, std::vector<std::string>>{
      {"US",
       {"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"}},
      {"US-TX", {"America/Chicago", "America/Denver"}},
      {"US-NY", {"America/New_York"}},
      {"CN", {"Asia/Shanghai"}},
      {"GB", {"Europe/London"}},
  };
  return *t;
}

// Strategy: SMS steps per DPD (the oracle's liveness needs to know them).
const std::vector<int> kEarlySms = {1, 4, 7, 10, 14, 20, 25};

PolicyPtr property_policy() {
  Policy p;
  p.name = "property";
  p.version = "1";
  p.consolidate = true;

  p.buckets.push_back(
      bucket("early", 1, 29,
             {step(Channel::kSms, "sms.early", kEarlySms),
              step(Channel::kEmail, "email.early", {3, 12, 22}),
              step(Channel::kCall, "call.early", {15, 18, 21, 24, 27}, 0, "q.early")}));
  p.buckets.push_back(
      bucket("m1", 30, 59,
             {step(Channel::kSms, "sms.m1", {}, 5), step(Channel::kEmail, "email.m1", {30, 45}),
              step(Channel::kCall, "call.m1", {}, 1, "q.m1")}));
  p.buckets.push_back(bucket(
      "m2", 60, 89,
      {step(Channel::kSms, "sms.m2", {60, 70, 80}), step(Channel::kEmail, "email.m2", {60, 75}),
       step(Channel::kCall, "call.m2", {}, 1, "q.m2")}));
  auto m3 = bucket("m3", 90, 9999, {step(Channel::kSms, "sms.m3", {90})});
  m3.handoff = true;
  m3.handoff_template = "handoff";
  m3.handoff_queue = "q.legal";
  p.buckets.push_back(m3);

  auto def = window("default", hours(kDayOpen / 60, kDayOpen % 60, kDayClose / 60, kDayClose % 60),
                    {}, std::nullopt, {kGoodFriday});
  def.hours[6] = LocalHours{kSunOpen, kSunClose};
  p.windows.push_back(def);
  p.windows.push_back(window("cn", LocalHours{kCnOpen, kCnClose}, {"CN"}, std::nullopt,
                             {std::begin(kQingming), std::end(kQingming)}));
  p.windows.push_back(
      window("night-email", LocalHours{kNightOpen, kNightClose}, {"GB", "US-NY"}, Channel::kEmail));

  p.caps.push_back(rolling_cap("regf-calls", Channel::kCall, CapScope::kDebt, absl::Hours(24 * 7),
                               kCallsPerDebtPer7d, CapAction::kSuppress));
  p.caps.push_back(day_cap("calls-day", Channel::kCall, CapScope::kCustomer, 1, kCallsPerLocalDay,
                           CapAction::kSuppress));
  p.caps.push_back(day_cap("sms-day", Channel::kSms, CapScope::kCustomer, 1, kSmsPerLocalDay,
                           CapAction::kDefer));
  p.caps.push_back(rolling_cap("sms-7d", Channel::kSms, CapScope::kCustomer, absl::Hours(24 * 7),
                               kSmsPer7d, CapAction::kDefer));
  p.caps.push_back(day_cap("email-2d", Channel::kEmail, CapScope::kCustomer, 2,
                           kEmailsPer2LocalDays, CapAction::kDefer));
  p.caps.push_back(rolling_cap("contacts-24h", std::nullopt, CapScope::kCustomer, absl::Hours(24),
                               kContactsPer24h, CapAction::kSuppress));
  p.min_gaps.push_back(min_gap("any", std::nullopt, kAnyGap));
  p.min_gaps.push_back(min_gap("calls", Channel::kCall, kCallGap));

  p.suppressions.promise_grace_days = kPromiseGraceDays;
  p.suppressions.hardship_pause_days = kHardshipPauseDays;
  p.suppressions.right_party_block_days = kRightPartyDays;
  p.suppressions.dispute_stops_account_only = true;
  for (const auto& [j, zs] : jurisdiction_table()) p.jurisdiction_zones[j] = zs;
  p.opt_out_instruction[channel_index(Channel::kSms)] = "Reply STOP";
  p.opt_out_instruction[channel_index(Channel::kEmail)] = "Unsubscribe";
  return share(std::move(p));
}

// ===========================================================================
// Generator
// ===========================================================================

// splitmix64: fast, seedable, identical on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  int between(int lo, int hi) { return lo + below(hi - lo + 1); }  // inclusive
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  std::uint64_t s_;
};

struct ProfileChoice {
  std::string tz;
  std::string jurisdiction;
};
const std::vector<ProfileChoice> kKnownZones = {
    {"America/New_York", "US-NY"}, {"America/Chicago", "US-IL"}, {"America/Los_Angeles", "US-CA"},
    {"Pacific/Honolulu", "US-HI"}, {"America/Phoenix", "US-AZ"}, {"Europe/London", "GB"},
    {"Asia/Shanghai", "CN"}};
const std::vector<ProfileChoice> kUnknownZones = {{"", "US"}, {"", "US-TX"}, {"", "US-NY"},
                                                  {"", "CN"}, {"", "GB"},    {"", "FR"}};

struct SimEvent {
  AccountEvent event;
  absl::Time process_at;  // originals: occurred_at; redeliveries: later
  std::uint64_t order;    // generation order, to break ties deterministically
};

struct GenAccount {
  std::string id;
  bool delinquent = false;
  int start_day = 0;
  int cycle_day = 0;  // day the current delinquency cycle's DPD was dpd_at_cycle
  int dpd_at_cycle = 1;
  int resume_day = -1;   // after a cure: the day a new cycle starts (-1 never)
  int batch_minute = 0;  // the core banking's daily send time (UTC)
  bool stopped = false;  // clean customers: cured for good
};

struct Generated {
  std::vector<SimEvent> events;
  absl::flat_hash_set<std::string> clean_customers;  // reachable: no flags, valid profile
};

std::string civil_date(absl::CivilDay d) { return absl::FormatCivilTime(d); }

Generated generate(int customers, std::uint64_t seed) {
  Generated out;
  std::uint64_t order = 0;
  for (int ci = 0; ci < customers; ++ci) {
    Rng r(seed ^ (0x100000001B3ULL * static_cast<std::uint64_t>(ci + 1)));
    const std::string cid = "c" + std::to_string(ci);
    const bool clean = r.chance(0.25);
    if (clean) out.clean_customers.insert(cid);
    int n_event = 0;
    std::vector<SimEvent> mine;
    auto base = [&](absl::Time t, const std::string& account) {
      AccountEvent e;
      e.set_event_id(cid + "-e" + std::to_string(n_event++));
      e.set_customer_id(cid);
      e.set_account_id(account);
      e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t));
      return e;
    };
    auto push = [&](AccountEvent e) {
      const absl::Time t = absl::FromUnixSeconds(e.occurred_at().seconds());
      mine.push_back(SimEvent{std::move(e), t, 0});
    };

    // Profile.
    ProfileChoice where = clean || r.chance(0.7) ? kKnownZones[r.below(kKnownZones.size())]
                                                 : kUnknownZones[r.below(kUnknownZones.size())];
    int phone_n = 0, email_n = 0;
    bool has_phone = clean || r.chance(0.95);
    bool has_email = clean || r.chance(0.9);
    std::set<int> opted_out;
    auto profile_event = [&](absl::Time t) {
      auto e = base(t, "");
      auto* p = e.mutable_profile();
      p->set_time_zone(where.tz);
      p->set_jurisdiction(where.jurisdiction);
      if (has_phone) p->set_phone("+1555" + std::to_string(ci) + "-" + std::to_string(phone_n));
      if (has_email) p->set_email(cid + "." + std::to_string(email_n) + "@example.com");
      p->set_locale("en");
      // The CRM knows every opt-out made so far (the generator never opts back in).
      for (int ch : opted_out) p->add_opted_out_channels(static_cast<v1::Channel>(ch));
      push(std::move(e));
    };
    profile_event(kSimStart + absl::Minutes(r.below(6 * 60)));

    // Accounts.
    std::vector<GenAccount> accounts(clean ? r.between(1, 2) : r.between(1, 3));
    for (std::size_t a = 0; a < accounts.size(); ++a) {
      auto& acc = accounts[a];
      acc.id = cid + "-a" + std::to_string(a);
      acc.delinquent = true;
      acc.start_day = clean ? r.between(1, 6) : r.between(1, 10);  // after the profile (day 0)
      acc.cycle_day = acc.start_day;
      acc.dpd_at_cycle = clean || r.chance(0.4) ? 1 : r.between(2, 85);
      acc.batch_minute = r.below(24 * 60);
    }

    enum Kind {
      kDelinquency,
      kDelinquencyAgain,
      kCure,
      kPartial,
      kPromise,
      kRpc,
      kDpdZero,
      kWrongNumber,
      kBounce,
      kOptOut,
      kFlag,
      kProfileChange,
      kNoise
    };
    struct Slot {
      absl::Time t;
      Kind kind;
      int account;
    };
    for (int d = 0; d < kSimDays; ++d) {
      const absl::Time day0 = kSimStart + absl::Hours(24 * d);
      auto random_time = [&] { return day0 + absl::Seconds(r.below(24 * 3600)); };
      std::vector<Slot> slots;
      for (int a = 0; a < static_cast<int>(accounts.size()); ++a) {
        auto& acc = accounts[a];
        if (!acc.delinquent && !acc.stopped && acc.resume_day == d) {
          acc.delinquent = true;
          acc.cycle_day = d;
          acc.dpd_at_cycle = 1;
        }
        if (acc.delinquent && d >= acc.start_day) {
          const absl::Time t =
              day0 + absl::Minutes(acc.batch_minute) + absl::Seconds(r.below(20 * 60));
          slots.push_back({t, kDelinquency, a});
          if (r.chance(0.05)) {  // "figures changed": same DPD, later the same day
            const absl::Time again = std::min(t + absl::Minutes(r.between(1, 600)),
                                              day0 + absl::Hours(24) - absl::Seconds(1));
            slots.push_back({again, kDelinquencyAgain, a});
          }
        }
        if (clean) continue;
        if (r.chance(0.012)) slots.push_back({random_time(), kCure, a});
        if (r.chance(0.01)) slots.push_back({random_time(), kPartial, a});
        if (r.chance(0.02)) slots.push_back({random_time(), kPromise, a});
        if (r.chance(0.04)) slots.push_back({random_time(), kRpc, a});
        if (r.chance(0.003)) slots.push_back({random_time(), kDpdZero, a});
      }
      if (!clean) {
        if (r.chance(0.005)) slots.push_back({random_time(), kWrongNumber, -1});
        if (r.chance(0.005)) slots.push_back({random_time(), kBounce, -1});
        if (r.chance(0.004)) slots.push_back({random_time(), kOptOut, -1});
        if (r.chance(0.012)) slots.push_back({random_time(), kFlag, -1});
        if (r.chance(0.01)) slots.push_back({random_time(), kProfileChange, -1});
        if (r.chance(0.03)) slots.push_back({random_time(), kNoise, -1});
      }
      std::stable_sort(slots.begin(), slots.end(),
                       [](const Slot& x, const Slot& y) { return x.t < y.t; });

      for (const Slot& s : slots) {
        GenAccount* acc = s.account >= 0 ? &accounts[s.account] : nullptr;
        switch (s.kind) {
          case kDelinquency:
          case kDelinquencyAgain: {
            if (!acc->delinquent) break;
            const int dpd = acc->dpd_at_cycle + (d - acc->cycle_day);
            if (clean && dpd >= 40) {  // clean customers pay in M1 and stay current
              auto e = base(s.t, acc->id);
              e.mutable_payment()->set_cured(true);
              push(std::move(e));
              acc->delinquent = false;
              acc->stopped = true;
              break;
            }
            auto e = base(s.t, acc->id);
            auto* dl = e.mutable_delinquency();
            dl->set_days_past_due(dpd);
            dl->mutable_amount_due()->set_currency_code("USD");
            dl->mutable_amount_due()->set_minor_units(1000 + 10 * dpd);
            dl->set_due_date("2026-01-01");
            dl->set_product("card");
            push(std::move(e));
            break;
          }
          case kCure: {
            auto e = base(s.t, acc->id);
            e.mutable_payment()->set_cured(true);
            push(std::move(e));
            acc->delinquent = false;
            acc->resume_day = d + r.between(1, 6);
            break;
          }
          case kPartial: {
            auto e = base(s.t, acc->id);
            e.mutable_payment()->set_cured(false);
            e.mutable_payment()->mutable_amount()->set_currency_code("USD");
            e.mutable_payment()->mutable_amount()->set_minor_units(500);
            push(std::move(e));
            break;
          }
          case kPromise: {
            absl::TimeZone tz = absl::UTCTimeZone();
            const std::string zname = !where.tz.empty() ? where.tz
                                      : jurisdiction_table().count(where.jurisdiction)
                                          ? jurisdiction_table().at(where.jurisdiction).front()
                                          : std::string();
            if (!zname.empty()) absl::LoadTimeZone(zname, &tz);
            auto e = base(s.t, acc->id);
            e.mutable_promise()->set_promised_date(
                civil_date(absl::ToCivilDay(s.t, tz) + r.between(0, 6)));
            push(std::move(e));
            break;
          }
          case kRpc: {
            auto e = base(s.t, r.chance(0.8) ? acc->id : std::string());
            e.mutable_contact_outcome()->set_channel(v1::CHANNEL_CALL);
            e.mutable_contact_outcome()->set_result(v1::ContactOutcome::RIGHT_PARTY_CONTACT);
            push(std::move(e));
            break;
          }
          case kDpdZero: {
            if (!acc->delinquent) break;
            auto e = base(s.t, acc->id);
            auto* dl = e.mutable_delinquency();
            dl->set_days_past_due(0);
            dl->mutable_amount_due()->set_currency_code("USD");
            dl->mutable_amount_due()->set_minor_units(0);
            push(std::move(e));
            acc->delinquent = false;
            acc->resume_day = d + r.between(1, 6);
            break;
          }
          case kWrongNumber:
          case kBounce:
          case kOptOut:
          case kNoise: {
            auto e = base(s.t, "");
            auto* o = e.mutable_contact_outcome();
            if (s.kind == kWrongNumber) {
              o->set_channel(r.chance(0.5) ? v1::CHANNEL_CALL : v1::CHANNEL_SMS);
              o->set_result(v1::ContactOutcome::WRONG_NUMBER);
            } else if (s.kind == kBounce) {
              o->set_channel(v1::CHANNEL_EMAIL);
              o->set_result(v1::ContactOutcome::BOUNCED);
            } else if (s.kind == kOptOut) {
              const int ch = r.between(1, 3);
              o->set_channel(static_cast<v1::Channel>(ch));
              o->set_result(v1::ContactOutcome::OPT_OUT_REQUESTED);
              opted_out.insert(ch);
            } else {
              o->set_channel(static_cast<v1::Channel>(r.between(1, 3)));
              o->set_result(r.chance(0.5) ? v1::ContactOutcome::NO_ANSWER
                                          : v1::ContactOutcome::DELIVERED);
            }
            push(std::move(e));
            break;
          }
          case kFlag: {
            const auto kind = static_cast<CustomerFlag::Kind>(r.between(1, 7));
            const bool on_account = kind == CustomerFlag::DISPUTE && r.chance(0.5);
            const std::string account = on_account ? accounts[r.below(accounts.size())].id : "";
            auto e = base(s.t, account);
            e.mutable_flag()->set_kind(kind);
            e.mutable_flag()->set_active(true);
            const absl::Duration later = absl::Seconds(r.between(3600, 10 * 86400));
            if (!on_account && r.chance(0.5)) {
              e.mutable_flag()->mutable_until()->set_seconds(absl::ToUnixSeconds(s.t + later));
            } else if (r.chance(0.6)) {
              auto clear = base(s.t + later, account);
              clear.mutable_flag()->set_kind(kind);
              clear.mutable_flag()->set_active(false);
              push(std::move(clear));  // sorted into place by time later
            }
            push(std::move(e));
            break;
          }
          case kProfileChange: {
            switch (r.below(4)) {
              case 0:
                ++phone_n;
                has_phone = true;
                break;
              case 1:
                ++email_n;
                has_email = true;
                break;
              case 2:
                where = r.chance(0.7) ? kKnownZones[r.below(kKnownZones.size())]
                                      : kUnknownZones[r.below(kUnknownZones.size())];
                break;
              default:
                break;  // same profile again
            }
            profile_event(s.t);
            break;
          }
        }
      }
    }

    // Redeliveries: 2% of events arrive a second time, 1-30 minutes later.
    const std::size_t originals = mine.size();
    for (std::size_t i = 0; i < originals; ++i) {
      if (!r.chance(0.02)) continue;
      SimEvent copy = mine[i];
      copy.process_at = mine[i].process_at + absl::Minutes(r.between(1, 30));
      mine.push_back(std::move(copy));
    }
    for (auto& e : mine) {
      e.order = order++;
      out.events.push_back(std::move(e));
    }
  }
  std::sort(out.events.begin(), out.events.end(), [](const SimEvent& a, const SimEvent& b) {
    return a.process_at != b.process_at ? a.process_at < b.process_at : a.order < b.order;
  });
  return out;
}

// ===========================================================================
// Driver
// ===========================================================================

struct Message {
  Channel channel = Channel::kSms;
  std::string dispatch_id;
  std::string customer_id;
  std::vector<std::string> accounts;
  absl::Time emitted_at;  // the simulated clock when the sink got it
  absl::Time not_before;
  absl::Time not_after;
  bool handoff = false;
};

// The processing log: events handed to the engine and messages it emitted,
// in order.
struct LogEntry {
  bool is_event = false;
  std::size_t index = 0;  // into events or messages
};

class CollectingSink final : public pipeline::DispatchSink {
 public:
  explicit CollectingSink(const absl::Time* clock, std::vector<LogEntry>* log)
      : clock_(clock), log_(log) {}

  void on_decision(const v1::Decision& d) override {
    if (!trace_customer.empty() && d.customer_id() == trace_customer) {
      trace.push_back(absl::FormatTime(*clock_) + " decision " + d.ShortDebugString());
    }
    ++by_reason[d.reason()];
    ++by_outcome[d.outcome()];
    if (d.outcome() == v1::OUTCOME_SENT) sent_ids.insert(d.dispatch_id());
  }
  void on_sms(const v1::SmsMessage& m) override { add(Channel::kSms, m, false); }
  void on_email(const v1::EmailMessage& m) override { add(Channel::kEmail, m, false); }
  void on_call(const v1::CallTask& m) override { add(Channel::kCall, m, m.handoff()); }

  std::vector<Message> messages;
  std::map<int, std::uint64_t> by_reason;
  std::map<int, std::uint64_t> by_outcome;
  absl::flat_hash_set<std::string> sent_ids;
  // Debugging aid: REMINDERD_TRACE_CUSTOMER=c123 prints that customer's
  // events and decisions in processing order.
  std::string trace_customer;
  std::vector<std::string> trace;

 private:
  template <class M>
  void add(Channel ch, const M& m, bool handoff) {
    Message out;
    out.channel = ch;
    out.dispatch_id = m.dispatch_id();
    out.customer_id = m.customer_id();
    out.accounts.assign(m.account_ids().begin(), m.account_ids().end());
    out.emitted_at = *clock_;
    out.not_before =
        absl::FromUnixSeconds(m.not_before().seconds()) + absl::Nanoseconds(m.not_before().nanos());
    out.not_after =
        absl::FromUnixSeconds(m.not_after().seconds()) + absl::Nanoseconds(m.not_after().nanos());
    out.handoff = handoff;
    log_->push_back(LogEntry{false, messages.size()});
    messages.push_back(std::move(out));
  }
  const absl::Time* clock_;
  std::vector<LogEntry>* log_;
};

struct SimResult {
  std::vector<LogEntry> log;
  std::unique_ptr<CollectingSink> sink;
  absl::Time end;
  std::uint64_t fires = 0;
};

SimResult simulate(const Generated& g, const PolicyPtr& policy) {
  SimResult res;
  absl::Time now = absl::InfinitePast();
  res.sink = std::make_unique<CollectingSink>(&now, &res.log);
  ZoneCatalog zones;
  metrics::NullProbes probes;
  pipeline::Dispatcher dispatcher(policy, zones, probes, probes, scheduler::PacingShare{0, 1});
  auto run_to = [&](absl::Time t) {
    while (auto due = dispatcher.next_wake(now)) {
      if (*due > t) break;
      EXPECT_GE(*due, now - absl::Seconds(1)) << "a deferral due in the past";
      now = std::max(now, *due);
      dispatcher.fire_due(now, *res.sink);
      ++res.fires;
    }
    now = std::max(now, t);
  };
  if (const char* tc = std::getenv("REMINDERD_TRACE_CUSTOMER")) res.sink->trace_customer = tc;
  for (std::size_t i = 0; i < g.events.size(); ++i) {
    run_to(g.events[i].process_at);
    res.log.push_back(LogEntry{true, i});
    if (g.events[i].event.customer_id() == res.sink->trace_customer) {
      res.sink->trace.push_back(absl::FormatTime(now) + " event " +
                                g.events[i].event.ShortDebugString());
    }
    const auto rej = dispatcher.on_event(g.events[i].event, now, *res.sink);
    EXPECT_FALSE(rej.has_value()) << rej->detail;
  }
  res.end = now + absl::Hours(24 * 10);
  run_to(res.end);
  return res;
}

// ===========================================================================
// Oracle (independent: absl time conversions and the constants above only)
// ===========================================================================

const absl::TimeZone& tz_named(const std::string& name) {
  static auto* cache = new std::map<std::string, absl::TimeZone>();
  auto it = cache->find(name);
  if (it == cache->end()) {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(name, &tz)) std::abort();
    it = cache->emplace(name, tz).first;
  }
  return it->second;
}

// Every zone the customer may be in; empty = none (must never be contacted).
std::vector<absl::TimeZone> oracle_zones(const std::string& tz, const std::string& jurisdiction) {
  if (!tz.empty()) return {tz_named(tz)};
  const auto& table = jurisdiction_table();
  auto it = table.find(jurisdiction);
  if (it == table.end()) {
    const auto dash = jurisdiction.find('-');
    if (dash != std::string::npos) it = table.find(jurisdiction.substr(0, dash));
  }
  std::vector<absl::TimeZone> out;
  if (it != table.end()) {
    for (const auto& n : it->second) out.push_back(tz_named(n));
  }
  return out;
}

// The local hours (minutes) on `day` for `channel` in `jurisdiction`, or
// nullopt if closed all day.
std::optional<std::pair<int, int>> oracle_hours(const std::string& j, Channel ch,
                                                absl::CivilDay day) {
  const bool cn = j == "CN" || j.rfind("CN-", 0) == 0;
  if (ch == Channel::kEmail && (j == "GB" || j == "US-NY")) {
    return std::make_pair(kNightOpen, kNightClose);
  }
  if (cn) {
    for (const auto& q : kQingming) {
      if (q == day) return std::nullopt;
    }
    return std::make_pair(kCnOpen, kCnClose);
  }
  if (day == kGoodFriday) return std::nullopt;
  if (absl::GetWeekday(day) == absl::Weekday::sunday) return std::make_pair(kSunOpen, kSunClose);
  return std::make_pair(kDayOpen, kDayClose);
}

bool oracle_open(absl::Time t, const absl::TimeZone& tz, const std::string& j, Channel ch) {
  const absl::CivilSecond cs = absl::ToCivilSecond(t, tz);
  const auto h = oracle_hours(j, ch, absl::CivilDay(cs));
  if (!h) return false;
  const int minute = cs.hour() * 60 + cs.minute();
  return minute >= h->first && minute < h->second;
}

struct OracleAccount {
  enum Status { kCurrent, kDelinquent, kCured, kHandedOff } status = kCurrent;
  int dpd = 0;
  bool disputed = false;
  std::optional<absl::CivilDay> promise_last_day;  // promised date + grace
  std::optional<absl::Time> last_rpc;
  std::optional<absl::Time> cured_at;
};

struct OracleCustomer {
  std::string tz, jurisdiction, phone, email;
  bool has_profile = false;
  std::set<int> opted_out;  // channel numbers (union: nobody opts back in)
  bool phone_invalid = false, email_invalid = false;
  std::array<std::int64_t, 8> flag_until = {};  // by CustomerFlag::Kind; 0 = off
  std::map<std::string, OracleAccount> accounts;
  std::vector<std::string> account_order;
  std::vector<const Message*> sent;  // non-handoff messages so far
  // Liveness bookkeeping (clean customers).
  std::optional<absl::Time> first_sms_step;
};

constexpr std::int64_t kForeverS = std::numeric_limits<std::int64_t>::max();

bool oracle_is_sms_step(int dpd) {
  if (dpd >= 1 && dpd <= 29) return std::count(kEarlySms.begin(), kEarlySms.end(), dpd) > 0;
  if (dpd >= 30 && dpd <= 59) return (dpd - 30) % 5 == 0;
  return dpd == 60 || dpd == 70 || dpd == 80 || dpd == 90;
}

struct Violations {
  std::map<std::string, int> count;
  std::map<std::string, std::string> first;
  void add(const std::string& what, const std::string& detail) {
    if (count[what]++ == 0) first[what] = detail;
  }
  int total() const {
    int n = 0;
    for (const auto& [k, v] : count) n += v;
    return n;
  }
};

std::string describe(const Message& m) {
  std::string s = std::string(channel_name(m.channel)) + " " + m.dispatch_id + " to " +
                  m.customer_id + " at " + absl::FormatTime(m.not_before) + " until " +
                  absl::FormatTime(m.not_after) + " about";
  for (const auto& a : m.accounts) s += " " + a;
  return s;
}

struct SmsStep {
  std::string customer;
  std::string account;
  absl::Time at;
};

struct OracleReport {
  Violations v;
  std::vector<SmsStep> clean_sms_steps;
  absl::flat_hash_map<std::string, std::vector<absl::Time>> cures;  // account -> cure times
  absl::flat_hash_map<std::string, OracleCustomer> customers;
  std::uint64_t messages_checked = 0;
};

void apply_event(OracleCustomer& c, const AccountEvent& e, bool clean, OracleReport& rep) {
  const absl::Time t = absl::FromUnixSeconds(e.occurred_at().seconds());
  OracleAccount* acc = nullptr;
  if (!e.account_id().empty()) {
    if (!c.accounts.count(e.account_id())) c.account_order.push_back(e.account_id());
    acc = &c.accounts[e.account_id()];
  }
  switch (e.kind_case()) {
    case AccountEvent::kDelinquency: {
      const int dpd = e.delinquency().days_past_due();
      // A step fires once per DPD: a second event with the same figures
      // ("amounts changed") is not a new step.
      const bool new_day = acc->dpd != dpd || acc->status != OracleAccount::kDelinquent;
      acc->dpd = dpd;
      if (acc->status == OracleAccount::kHandedOff) break;
      if (dpd <= 0) {
        acc->status = OracleAccount::kCurrent;
        break;
      }
      acc->status = OracleAccount::kDelinquent;
      if (clean && new_day && oracle_is_sms_step(dpd)) {
        rep.clean_sms_steps.push_back({e.customer_id(), e.account_id(), t});
        if (!c.first_sms_step) c.first_sms_step = t;
      }
      break;
    }
    case AccountEvent::kPayment:
      if (e.payment().cured()) {
        acc->status = OracleAccount::kCured;
        acc->promise_last_day.reset();
        acc->cured_at = t;
        rep.cures[e.account_id()].push_back(t);
      }
      break;
    case AccountEvent::kPromise: {
      absl::CivilDay d;
      if (!absl::ParseCivilTime(e.promise().promised_date(), &d)) std::abort();
      acc->promise_last_day = d + kPromiseGraceDays;
      break;
    }
    case AccountEvent::kContactOutcome: {
      const auto& o = e.contact_outcome();
      switch (o.result()) {
        case v1::ContactOutcome::RIGHT_PARTY_CONTACT:
          if (acc) {
            acc->last_rpc = t;
          } else {
            for (auto& [id, a] : c.accounts) a.last_rpc = t;
          }
          break;
        case v1::ContactOutcome::OPT_OUT_REQUESTED:
          c.opted_out.insert(o.channel());
          break;
        case v1::ContactOutcome::WRONG_NUMBER:
          c.phone_invalid = true;
          break;
        case v1::ContactOutcome::BOUNCED:
          if (o.channel() == v1::CHANNEL_EMAIL) c.email_invalid = true;
          break;
        default:
          break;
      }
      break;
    }
    case AccountEvent::kFlag: {
      const auto& f = e.flag();
      if (f.kind() == CustomerFlag::DISPUTE && acc != nullptr) {
        acc->disputed = f.active();
      } else if (!f.active()) {
        c.flag_until[f.kind()] = 0;
      } else if (f.has_until()) {
        c.flag_until[f.kind()] = f.until().seconds();
      } else if (f.kind() == CustomerFlag::HARDSHIP) {
        c.flag_until[f.kind()] = absl::ToUnixSeconds(t + absl::Hours(24 * kHardshipPauseDays));
      } else {
        c.flag_until[f.kind()] = kForeverS;
      }
      break;
    }
    case AccountEvent::kProfile: {
      const auto& p = e.profile();
      // A contact point changes from one known value to another (an outcome
      // before the first profile was about the number the profile brings).
      if (!c.phone.empty() && p.phone() != c.phone) c.phone_invalid = false;
      if (!c.email.empty() && p.email() != c.email) c.email_invalid = false;
      c.tz = p.time_zone();
      c.jurisdiction = p.jurisdiction();
      c.phone = p.phone();
      c.email = p.email();
      c.has_profile = true;
      for (int ch : p.opted_out_channels()) c.opted_out.insert(ch);
      break;
    }
    case AccountEvent::KIND_NOT_SET:
      break;
  }
}

void check_message(OracleCustomer& c, const Message& m, Violations& v) {
  const std::string what = describe(m);
  const absl::Time t = m.emitted_at;
  if (m.not_before != t) v.add("not_before is not the emission instant", what);

  if (m.handoff) {
    // A work item for legal / the agency: about overdue accounts only, once.
    for (const auto& id : m.accounts) {
      auto& a = c.accounts[id];
      if (a.status != OracleAccount::kDelinquent) v.add("hand-off of an account not overdue", what);
      if (a.dpd < 90) v.add("hand-off before DPD 90", what);
      a.status = OracleAccount::kHandedOff;
    }
    return;
  }

  // Contact point and opt-out.
  const bool phone = m.channel != Channel::kEmail;
  if (phone && (c.phone.empty() || c.phone_invalid)) v.add("phone missing or invalid", what);
  if (!phone && (c.email.empty() || c.email_invalid)) v.add("email missing or invalid", what);
  if (c.opted_out.count(static_cast<int>(m.channel))) v.add("opted-out channel used", what);

  // Stop flags.
  for (int k = 1; k <= 7; ++k) {
    if (absl::ToUnixSeconds(t) < c.flag_until[k]) {
      v.add("sent while flag " + CustomerFlag::Kind_Name(static_cast<CustomerFlag::Kind>(k)) +
                " active",
            what);
    }
  }

  const auto zones = oracle_zones(c.tz, c.jurisdiction);
  if (zones.empty()) v.add("sent with no possible zone", what);
  if (m.accounts.empty()) v.add("message lists no account", what);

  // Accounts listed.
  for (const auto& id : m.accounts) {
    const auto it = c.accounts.find(id);
    if (it == c.accounts.end()) {
      v.add("unknown account listed", what);
      continue;
    }
    const auto& a = it->second;
    if (a.status != OracleAccount::kDelinquent) {
      v.add(a.status == OracleAccount::kHandedOff ? "reminder about a handed-off account"
                                                  : "reminder about a cured / current account",
            what);
    }
    if (a.disputed) v.add("reminder about a disputed debt", what);
    if (a.promise_last_day) {
      for (const auto& tz : zones) {
        if (absl::ToCivilDay(t, tz) <= *a.promise_last_day) {
          v.add("reminder during a promise to pay", what);
          break;
        }
      }
    }
    if (m.channel == Channel::kCall && a.last_rpc) {
      for (const auto& tz : zones) {
        if (absl::ToCivilDay(t, tz) - absl::ToCivilDay(*a.last_rpc, tz) < kRightPartyDays) {
          v.add("call within 7 local days of a right-party conversation", what);
          break;
        }
      }
    }
  }

  // Window: every instant of [not_before, not_after) local-open in every zone.
  if (m.not_after <= m.not_before || m.not_after - m.not_before > absl::Hours(25)) {
    v.add("implausible delivery window", what);
  } else {
    std::vector<absl::Time> samples = {m.not_before, m.not_after - absl::Seconds(1)};
    const std::int64_t q = 15 * 60;
    for (std::int64_t s = (absl::ToUnixSeconds(m.not_before) / q + 1) * q;
         s < absl::ToUnixSeconds(m.not_after); s += q) {
      samples.push_back(absl::FromUnixSeconds(s));
    }
    for (const auto& tz : zones) {
      for (absl::Time s : samples) {
        if (!oracle_open(s, tz, c.jurisdiction, m.channel)) {
          v.add("outside the local window (" + std::string(channel_name(m.channel)) + ")",
                what + "; local " + absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", s, tz));
          goto window_done;
        }
      }
    }
  window_done:;
  }

  // Caps and gaps, counting this message and those before it.
  int calls_debt_max = 0, sms_7d = 1, any_24h = 1;
  for (const Message* p : c.sent) {
    const absl::Duration ago = t - p->emitted_at;
    if (ago < absl::Hours(24 * 7) && p->channel == Channel::kSms && m.channel == Channel::kSms)
      ++sms_7d;
    if (ago < absl::Hours(24)) ++any_24h;
  }
  if (m.channel == Channel::kCall) {
    for (const auto& id : m.accounts) {
      int n = 1;
      for (const Message* p : c.sent) {
        if (p->channel == Channel::kCall && t - p->emitted_at < absl::Hours(24 * 7) &&
            std::count(p->accounts.begin(), p->accounts.end(), id)) {
          ++n;
        }
      }
      calls_debt_max = std::max(calls_debt_max, n);
    }
    if (calls_debt_max > kCallsPerDebtPer7d) v.add("more than 7 calls per debt in 7 days", what);
  }
  if (sms_7d > kSmsPer7d) v.add("more than 4 SMS in 7 days", what);
  if (any_24h > kContactsPer24h) v.add("more than 8 contacts in 24 hours", what);
  for (const auto& tz : zones) {
    const absl::CivilDay today = absl::ToCivilDay(t, tz);
    int same_day = 1, two_days = 1;  // this channel, this message included
    for (const Message* p : c.sent) {
      if (p->channel != m.channel) continue;
      const absl::CivilDay d = absl::ToCivilDay(p->emitted_at, tz);
      if (d == today) ++same_day;
      if (d >= today - 1) ++two_days;
    }
    if (m.channel == Channel::kCall && same_day > kCallsPerLocalDay) {
      v.add("more than 3 calls on a local day", what);
    }
    if (m.channel == Channel::kSms && same_day > kSmsPerLocalDay) {
      v.add("more than 1 SMS on a local day", what);
    }
    if (m.channel == Channel::kEmail && two_days > kEmailsPer2LocalDays) {
      v.add("more than 1 email in 2 local days", what);
    }
  }
  if (!c.sent.empty() && t - c.sent.back()->emitted_at < kAnyGap)
    v.add("min gap (any) broken", what);
  if (m.channel == Channel::kCall) {
    for (auto it = c.sent.rbegin(); it != c.sent.rend(); ++it) {
      if ((*it)->channel != Channel::kCall) continue;
      if (t - (*it)->emitted_at < kCallGap) v.add("min gap (calls) broken", what);
      break;
    }
  }
  c.sent.push_back(&m);
}

// `extra`: events referred to by log indexes past g.events (injected by the
// oracle's own test).
OracleReport run_oracle(const Generated& g, const SimResult& sim,
                        const std::vector<AccountEvent>* extra = nullptr) {
  OracleReport rep;
  absl::flat_hash_set<std::string> seen_events;
  absl::flat_hash_set<std::string> dispatch_ids;
  absl::Time last = absl::InfinitePast();
  for (const LogEntry& entry : sim.log) {
    if (entry.is_event) {
      const AccountEvent& e = entry.index < g.events.size()
                                  ? g.events[entry.index].event
                                  : (*extra)[entry.index - g.events.size()];
      if (!seen_events.insert(e.event_id()).second) continue;  // redelivery: no effect
      apply_event(rep.customers[e.customer_id()], e, g.clean_customers.count(e.customer_id()) > 0,
                  rep);
      continue;
    }
    const Message& m = sim.sink->messages[entry.index];
    ++rep.messages_checked;
    if (m.emitted_at < last) rep.v.add("clock went backwards", describe(m));
    last = m.emitted_at;
    if (!dispatch_ids.insert(m.dispatch_id).second) rep.v.add("duplicate dispatch_id", describe(m));
    if (!sim.sink->sent_ids.count(m.dispatch_id)) {
      rep.v.add("message without a SENT decision", describe(m));
    }
    auto it = rep.customers.find(m.customer_id);
    if (it == rep.customers.end() || !it->second.has_profile) {
      rep.v.add("message to a customer without a profile", describe(m));
      continue;
    }
    check_message(it->second, m, rep.v);
  }
  return rep;
}

// The first instant >= t at which the oracle's window is open in every zone
// (minute steps; windows open on whole minutes in the zones used here).
absl::Time oracle_next_open(absl::Time t, const std::vector<absl::TimeZone>& zones,
                            const std::string& j, Channel ch) {
  auto open = [&](absl::Time s) {
    for (const auto& tz : zones) {
      if (!oracle_open(s, tz, j, ch)) return false;
    }
    return true;
  };
  if (open(t)) return t;
  absl::Time s = absl::FromUnixSeconds((absl::ToUnixSeconds(t) / 60 + 1) * 60);
  for (int i = 0; i < 7 * 24 * 60 && !open(s); ++i) s += absl::Minutes(1);
  return s;
}

// ===========================================================================
// The tests
// ===========================================================================

class PropertyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    policy_ = new PolicyPtr(property_policy());
    // REMINDERD_PROPERTY_SEED=n explores another stream (the default is fixed).
    std::uint64_t seed = kSeed;
    if (const char* env = std::getenv("REMINDERD_PROPERTY_SEED"))
      seed = std::strtoull(env, nullptr, 0);
    gen_ = new Generated(generate(kCustomers, seed));
    sim_ = new SimResult(simulate(*gen_, *policy_));
    report_ = new OracleReport(run_oracle(*gen_, *sim_));
  }
  static void TearDownTestSuite() {
    delete report_;
    delete sim_;
    delete gen_;
    delete policy_;
  }

  static constexpr int kCustomers = 3000;
  static constexpr std::uint64_t kSeed = 0x2026030200ULL;
  static PolicyPtr* policy_;
  static Generated* gen_;
  static SimResult* sim_;
  static OracleReport* report_;
};

PolicyPtr* PropertyTest::policy_ = nullptr;
Generated* PropertyTest::gen_ = nullptr;
SimResult* PropertyTest::sim_ = nullptr;
OracleReport* PropertyTest::report_ = nullptr;

TEST_F(PropertyTest, StreamIsLargeAndExercisesEveryRule) {
  const auto& s = *sim_->sink;
  for (const auto& line : s.trace) std::cout << line << "\n";
  std::cout << "events " << gen_->events.size() << ", messages " << s.messages.size()
            << ", deferral fires " << sim_->fires << ", clean customers "
            << gen_->clean_customers.size() << "\n";
  for (const auto& [reason, n] : s.by_reason) {
    std::cout << "  " << v1::Reason_Name(static_cast<v1::Reason>(reason)) << " " << n << "\n";
  }
  EXPECT_GT(gen_->events.size(), 100000u);
  EXPECT_GT(s.messages.size(), 20000u);
  // The stream reaches every rule, so the oracle's silence means something.
  for (v1::Reason r : {v1::REASON_STRATEGY_STEP,       v1::REASON_HANDOFF,
                       v1::REASON_QUIET_HOURS,         v1::REASON_CLOSED_DAY,
                       v1::REASON_FREQUENCY_CAP,       v1::REASON_MIN_GAP,
                       v1::REASON_RIGHT_PARTY_BLOCK,   v1::REASON_PAID,
                       v1::REASON_PROMISE_TO_PAY,      v1::REASON_DISPUTE,
                       v1::REASON_COMPLAINT,           v1::REASON_HARDSHIP,
                       v1::REASON_BANKRUPTCY,          v1::REASON_DECEASED,
                       v1::REASON_CEASE_COMMUNICATION, v1::REASON_LEGAL_HOLD,
                       v1::REASON_CHANNEL_OPT_OUT,     v1::REASON_INVALID_CONTACT_POINT,
                       v1::REASON_NO_CONTACT_POINT,    v1::REASON_HANDED_OFF,
                       v1::REASON_DUPLICATE_EVENT,     v1::REASON_NO_TIME_ZONE,
                       v1::REASON_CONSOLIDATED}) {
    EXPECT_GT(s.by_reason.count(r) ? s.by_reason.at(r) : 0u, 0u) << v1::Reason_Name(r);
  }
}

TEST_F(PropertyTest, OracleFindsNoViolation) {
  EXPECT_EQ(report_->messages_checked, sim_->sink->messages.size());
  for (const auto& [what, n] : report_->v.count) {
    ADD_FAILURE() << n << " x " << what << "; first: " << report_->v.first.at(what);
  }
}

TEST_F(PropertyTest, ReachableCustomerGetsFirstReminderAtTheFirstOpenInstant) {
  // A clean customer's first SMS step: nothing was sent to them before, so
  // no cap or gap applies: the SMS goes out at the step's instant if the
  // window is open, else exactly when it next opens.
  absl::flat_hash_map<std::string, std::vector<const Message*>> sms_by_customer;
  for (const auto& m : sim_->sink->messages) {
    if (m.channel == Channel::kSms) sms_by_customer[m.customer_id].push_back(&m);
  }
  int checked = 0, failed = 0;
  for (const auto& id : gen_->clean_customers) {
    const auto& c = report_->customers.at(id);
    if (!c.first_sms_step) continue;
    ++checked;
    const absl::Time expect = oracle_next_open(
        *c.first_sms_step, oracle_zones(c.tz, c.jurisdiction), c.jurisdiction, Channel::kSms);
    const auto& sms = sms_by_customer[id];
    if (sms.empty() || sms.front()->not_before != expect) {
      if (++failed <= 10) {
        ADD_FAILURE() << id << " (" << c.tz << "): first SMS step at "
                      << absl::FormatTime(*c.first_sms_step) << ", expected the SMS at "
                      << absl::FormatTime(expect) << ", got "
                      << (sms.empty() ? std::string("none")
                                      : absl::FormatTime(sms.front()->not_before));
      }
    }
  }
  EXPECT_GT(checked, 500);
  EXPECT_EQ(failed, 0);
}

TEST_F(PropertyTest, EverySmsStepOfAReachableCustomerIsFollowedByAnSms) {
  // Within the longest cap window (7 days) plus a day for the window to
  // open, an SMS listing the debt goes out, unless the debt is cured first.
  const absl::Duration horizon = absl::Hours(24 * 8);
  absl::flat_hash_map<std::string, std::vector<const Message*>> sms_by_account;
  for (const auto& m : sim_->sink->messages) {
    if (m.channel != Channel::kSms) continue;
    for (const auto& a : m.accounts) sms_by_account[a].push_back(&m);
  }
  int checked = 0, failed = 0;
  for (const auto& step : report_->clean_sms_steps) {
    absl::Time deadline = step.at + horizon;
    if (auto it = report_->cures.find(step.account); it != report_->cures.end()) {
      for (absl::Time cure : it->second) {
        if (cure >= step.at) deadline = std::min(deadline, cure);
      }
    }
    if (deadline < step.at + horizon) continue;  // cured within the horizon: not checkable
    ++checked;
    bool ok = false;
    for (const Message* m : sms_by_account[step.account]) {
      if (m->not_before >= step.at && m->not_before <= deadline) {
        ok = true;
        break;
      }
    }
    if (!ok && ++failed <= 10) {
      ADD_FAILURE() << "SMS step for " << step.account << " at " << absl::FormatTime(step.at)
                    << ": no SMS listing it within 8 days";
    }
  }
  EXPECT_GT(checked, 1000);
  EXPECT_EQ(failed, 0);
}

// The oracle itself is tested: each violation injected into a copy of the
// real stream (an extra event before a message, a stretched delivery window,
// a repeated message) must be reported, under the expected name.
TEST_F(PropertyTest, OracleCatchesInjectedViolations) {
  const auto& msgs = sim_->sink->messages;
  // Targets: an SMS and a call (not hand-off) to customers with a known
  // zone, from the middle of the run, and where they sit in the log.
  auto find = [&](Channel ch) {
    for (std::size_t li = sim_->log.size() / 2; li < sim_->log.size(); ++li) {
      const auto& entry = sim_->log[li];
      if (entry.is_event) continue;
      const Message& m = msgs[entry.index];
      if (m.channel != ch || m.handoff) continue;
      if (report_->customers.at(m.customer_id).tz.empty()) continue;
      return li;
    }
    return std::size_t{0};
  };
  const std::size_t sms_at = find(Channel::kSms), call_at = find(Channel::kCall);
  ASSERT_GT(sms_at, 0u);
  ASSERT_GT(call_at, 0u);

  // A copy of the run that keeps only the target's customer (the oracle's
  // checks are per customer, apart from dispatch_id uniqueness): the log
  // positions below are into the copy.
  struct Copy {
    std::vector<AccountEvent> extra;
    SimResult sim;
  };
  auto copy = [&](std::size_t li, std::size_t* at) {
    const std::string& customer = msgs[sim_->log[li].index].customer_id;
    Copy c;
    c.sim.sink = std::make_unique<CollectingSink>(nullptr, nullptr);
    c.sim.sink->messages = msgs;  // indexes stay valid
    c.sim.sink->sent_ids = sim_->sink->sent_ids;
    for (std::size_t i = 0; i < sim_->log.size(); ++i) {
      const auto& entry = sim_->log[i];
      const std::string& who = entry.is_event ? gen_->events[entry.index].event.customer_id()
                                              : msgs[entry.index].customer_id;
      if (who != customer) continue;
      if (i == li) *at = c.sim.log.size();
      c.sim.log.push_back(entry);
    }
    return c;
  };
  auto insert_event = [&](Copy& c, std::size_t before, AccountEvent e) {
    c.extra.push_back(std::move(e));
    c.sim.log.insert(c.sim.log.begin() + static_cast<std::ptrdiff_t>(before),
                     LogEntry{true, gen_->events.size() + c.extra.size() - 1});
  };
  auto insert_message = [](Copy& c, std::size_t before, Message m) {
    c.sim.sink->sent_ids.insert(m.dispatch_id);
    c.sim.sink->messages.push_back(std::move(m));
    c.sim.log.insert(c.sim.log.begin() + static_cast<std::ptrdiff_t>(before),
                     LogEntry{false, c.sim.sink->messages.size() - 1});
  };
  auto target = [&](std::size_t li) -> const Message& { return msgs[sim_->log[li].index]; };
  auto event_for = [](const Message& m, const std::string& account) {
    AccountEvent e;
    e.set_event_id("injected");
    e.set_customer_id(m.customer_id);
    e.set_account_id(account);
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(m.emitted_at) - 1);
    return e;
  };
  auto expect_caught = [&](Copy& c, const std::string& what) {
    const auto rep = run_oracle(*gen_, c.sim, &c.extra);
    EXPECT_GT(rep.v.count.count(what) ? rep.v.count.at(what) : 0, 0) << "not caught: " << what;
  };

  const Message& sms = target(sms_at);
  const Message& call = target(call_at);
  std::size_t at = 0;
  {
    // The filtered copies alone are clean.
    auto c = copy(sms_at, &at);
    EXPECT_EQ(run_oracle(*gen_, c.sim, &c.extra).v.total(), 0);
    c = copy(call_at, &at);
    EXPECT_EQ(run_oracle(*gen_, c.sim, &c.extra).v.total(), 0);
  }
  {
    auto c = copy(sms_at, &at);
    c.sim.sink->messages[c.sim.log[at].index].not_after = sms.not_before + absl::Hours(20);
    expect_caught(c, "outside the local window (sms)");
  }
  {
    auto c = copy(sms_at, &at);
    const LogEntry again = c.sim.log[at];
    c.sim.log.insert(c.sim.log.begin() + static_cast<std::ptrdiff_t>(at + 1), again);
    expect_caught(c, "duplicate dispatch_id");
  }
  {
    auto c = copy(sms_at, &at);
    Message again = sms;
    again.dispatch_id += "-again";
    insert_message(c, at + 1, again);
    expect_caught(c, "more than 1 SMS on a local day");
    expect_caught(c, "min gap (any) broken");
  }
  {
    auto c = copy(call_at, &at);
    for (int k = 7; k >= 1; --k) {
      Message earlier = call;
      earlier.dispatch_id += "-" + std::to_string(k);
      earlier.emitted_at = earlier.not_before = call.emitted_at - absl::Hours(20 * k);
      insert_message(c, at, earlier);
    }
    expect_caught(c, "more than 7 calls per debt in 7 days");
  }
  {
    auto c = copy(sms_at, &at);
    auto e = event_for(sms, "");
    e.mutable_flag()->set_kind(CustomerFlag::COMPLAINT);
    e.mutable_flag()->set_active(true);
    insert_event(c, at, e);
    expect_caught(c, "sent while flag COMPLAINT active");
  }
  {
    auto c = copy(sms_at, &at);
    auto e = event_for(sms, "");
    e.mutable_contact_outcome()->set_channel(v1::CHANNEL_SMS);
    e.mutable_contact_outcome()->set_result(v1::ContactOutcome::OPT_OUT_REQUESTED);
    insert_event(c, at, e);
    expect_caught(c, "opted-out channel used");
  }
  {
    auto c = copy(sms_at, &at);
    auto e = event_for(sms, sms.accounts.front());
    e.mutable_payment()->set_cured(true);
    insert_event(c, at, e);
    expect_caught(c, "reminder about a cured / current account");
  }
  {
    auto c = copy(sms_at, &at);
    auto e = event_for(sms, sms.accounts.front());
    const auto& oc = report_->customers.at(sms.customer_id);
    e.mutable_promise()->set_promised_date(
        civil_date(absl::ToCivilDay(sms.emitted_at, tz_named(oc.tz)) - kPromiseGraceDays));
    insert_event(c, at, e);
    expect_caught(c, "reminder during a promise to pay");
  }
  {
    auto c = copy(call_at, &at);
    auto e = event_for(call, call.accounts.front());
    e.mutable_contact_outcome()->set_channel(v1::CHANNEL_CALL);
    e.mutable_contact_outcome()->set_result(v1::ContactOutcome::RIGHT_PARTY_CONTACT);
    e.mutable_occurred_at()->set_seconds(
        absl::ToUnixSeconds(call.emitted_at - absl::Hours(24 * 6)));
    insert_event(c, at, e);
    expect_caught(c, "call within 7 local days of a right-party conversation");
  }
  {
    auto c = copy(call_at, &at);
    auto e = event_for(call, "");
    e.mutable_contact_outcome()->set_channel(v1::CHANNEL_CALL);
    e.mutable_contact_outcome()->set_result(v1::ContactOutcome::WRONG_NUMBER);
    insert_event(c, at, e);
    expect_caught(c, "phone missing or invalid");
  }
}

TEST(PropertyDeterminism, SameSeedSameMessages) {
  const auto policy = property_policy();
  const Generated g1 = generate(300, 42);
  const Generated g2 = generate(300, 42);
  ASSERT_EQ(g1.events.size(), g2.events.size());
  const auto a = simulate(g1, policy);
  const auto b = simulate(g2, policy);
  ASSERT_EQ(a.sink->messages.size(), b.sink->messages.size());
  for (std::size_t i = 0; i < a.sink->messages.size(); ++i) {
    const auto& x = a.sink->messages[i];
    const auto& y = b.sink->messages[i];
    ASSERT_EQ(x.dispatch_id, y.dispatch_id) << i;
    ASSERT_EQ(x.not_before, y.not_before) << i;
    ASSERT_EQ(x.accounts, y.accounts) << i;
  }
  // Another seed, another stream.
  const auto c = simulate(generate(300, 43), policy);
  auto ids = [](const SimResult& r) {
    std::vector<std::string> out;
    for (const auto& m : r.sink->messages) out.push_back(m.dispatch_id);
    return out;
  };
  EXPECT_FALSE(a.sink->messages.empty());
  EXPECT_NE(ids(a), ids(c));
}

}  // namespace
}  // namespace reminder::rules
