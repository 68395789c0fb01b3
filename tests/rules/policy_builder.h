#pragma once

// Test helpers for the rules tests: policies built in C++ (no policy file),
// customer states, civil-time helpers and AccountEvent builders. Times are
// always explicit values: nothing here reads a clock.

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reminder/v1/account_event.pb.h"
#include "rules/policy.h"
#include "state/customer_state.h"

namespace reminder::rules::testing {

// ---------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------

inline absl::TimeZone zone(const std::string& name) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(name, &tz)) std::abort();  // tzdata is a test prerequisite
  return tz;
}

// A local civil time that must exist exactly once in `tz` (asserted by abort:
// a test that asks for a skipped or repeated time has a bug of its own).
inline absl::Time at(const absl::TimeZone& tz, int y, int mo, int d, int h = 0, int mi = 0,
                     int s = 0) {
  const auto ci = tz.At(absl::CivilSecond(y, mo, d, h, mi, s));
  if (ci.kind != absl::TimeZone::TimeInfo::UNIQUE) std::abort();
  return ci.pre;
}

inline absl::Time utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

inline std::string fmt(absl::Time t, const absl::TimeZone& tz) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", t, tz);
}

inline std::int64_t secs(absl::Time t) { return absl::ToUnixSeconds(t); }

// ---------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------

inline LocalHours hours(int open_h, int open_m, int close_h, int close_m) {
  return LocalHours{open_h * 60 + open_m, close_h * 60 + close_m};
}

inline ContactWindowRule window(std::string name, LocalHours h,
                                std::vector<std::string> jurisdictions = {},
                                std::optional<Channel> channel = std::nullopt,
                                std::vector<absl::CivilDay> closed = {}) {
  ContactWindowRule w;
  w.name = std::move(name);
  w.jurisdictions = std::move(jurisdictions);
  w.channel = channel;
  for (auto& d : w.hours) d = h;
  w.closed_dates = std::move(closed);
  return w;
}

inline FrequencyCapRule rolling_cap(std::string name, std::optional<Channel> channel,
                                    CapScope scope, absl::Duration window, int max,
                                    CapAction action = CapAction::kSuppress) {
  FrequencyCapRule c;
  c.name = std::move(name);
  c.channel = channel;
  c.scope = scope;
  c.period = CapPeriod::kRolling;
  c.rolling = window;
  c.max = max;
  c.action = action;
  return c;
}

inline FrequencyCapRule day_cap(std::string name, std::optional<Channel> channel, CapScope scope,
                                int local_days, int max, CapAction action = CapAction::kSuppress) {
  FrequencyCapRule c;
  c.name = std::move(name);
  c.channel = channel;
  c.scope = scope;
  c.period = CapPeriod::kLocalDay;
  c.local_days = local_days;
  c.max = max;
  c.action = action;
  return c;
}

inline MinGapRule min_gap(std::string name, std::optional<Channel> channel, absl::Duration gap) {
  MinGapRule g;
  g.name = std::move(name);
  g.channel = channel;
  g.gap = gap;
  return g;
}

inline StrategyStep step(Channel channel, std::string template_id, std::vector<int> at_dpd,
                         int repeat_every_days = 0, std::string queue = {}) {
  StrategyStep s;
  s.channel = channel;
  s.template_id = std::move(template_id);
  s.at_dpd = std::move(at_dpd);
  s.repeat_every_days = repeat_every_days;
  s.queue = std::move(queue);
  return s;
}

inline StrategyBucket bucket(std::string name, int dpd_min, int dpd_max,
                             std::vector<StrategyStep> steps) {
  StrategyBucket b;
  b.name = std::move(name);
  b.dpd_min = dpd_min;
  b.dpd_max = dpd_max;
  b.steps = std::move(steps);
  return b;
}

inline absl::flat_hash_map<std::string, std::vector<std::string>> us_cn_gb_zones() {
  return {
      {"US",
       {"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"}},
      {"US-NY", {"America/New_York"}},
      {"US-TX", {"America/Chicago", "America/Denver"}},
      {"CN", {"Asia/Shanghai"}},
      {"GB", {"Europe/London"}},
  };
}

// A bare policy: one 08:00-21:00 window for every channel, every day, no
// caps, no gaps, no suppression periods, the jurisdiction table above, and
// a strategy (SMS at DPD 1, email at 3, call at 5) so the Dispatcher has
// something to do. Tests add exactly the rule they look at.
inline Policy base_policy() {
  Policy p;
  p.name = "rules-test";
  p.version = "1";
  p.consolidate = true;
  p.windows.push_back(window("day", hours(8, 0, 21, 0)));
  p.jurisdiction_zones = us_cn_gb_zones();
  p.buckets.push_back(
      bucket("early", 1, 29,
             {step(Channel::kSms, "t.sms", {1}), step(Channel::kEmail, "t.email", {3}),
              step(Channel::kCall, "t.call", {5}, 0, "q.early")}));
  p.opt_out_instruction[channel_index(Channel::kSms)] = "Reply STOP to opt out.";
  p.opt_out_instruction[channel_index(Channel::kEmail)] = "Unsubscribe below.";
  return p;
}

inline PolicyPtr share(Policy p) { return std::make_shared<const Policy>(std::move(p)); }

// ---------------------------------------------------------------------------
// Customer state (for rules::decide directly)
// ---------------------------------------------------------------------------

// A reachable customer: phone, email, the zone, and `accounts` delinquent
// accounts "A", "B", ...
// Where the zones, jurisdictions and locales of the customers built here are
// kept (in the daemon: the partition's StateStore). One per test binary.
inline state::LabelTable& shared_texts() {
  static state::LabelTable table;
  return table;
}

inline state::CustomerState customer(const std::string& time_zone, int accounts = 1,
                                     const std::string& jurisdiction = "US-NY") {
  state::CustomerState c;
  c.customer_id = "c1";
  c.time_zone = shared_texts().share(time_zone);
  c.jurisdiction = shared_texts().share(jurisdiction);
  c.phone = "+15550000001";
  c.email = "c1@example.com";
  c.locale = shared_texts().share("en-US");
  for (int i = 0; i < accounts; ++i) {
    auto& a = c.accounts.emplace_back();
    a.account_id = std::string(1, static_cast<char>('A' + i));
    a.status = state::AccountStatus::kDelinquent;
    a.days_past_due = 10;
    a.currency = "USD";
    a.amount_due_minor = 10000;
  }
  return c;
}

inline void add_attempt(state::CustomerState& c, absl::Time t, Channel ch, std::uint32_t mask = 1) {
  c.attempts.push_back(state::Attempt{absl::ToUnixSeconds(t), mask, ch});
}

// ---------------------------------------------------------------------------
// AccountEvents (for the Dispatcher)
// ---------------------------------------------------------------------------

inline void set_ts(google::protobuf::Timestamp* ts, absl::Time t) {
  ts->set_seconds(absl::ToUnixSeconds(t));
}

inline v1::AccountEvent event(const std::string& id, const std::string& customer_id,
                              const std::string& account_id, absl::Time t) {
  v1::AccountEvent e;
  e.set_event_id(id);
  e.set_customer_id(customer_id);
  e.set_account_id(account_id);
  set_ts(e.mutable_occurred_at(), t);
  return e;
}

inline v1::AccountEvent delinquency(const std::string& id, const std::string& customer_id,
                                    const std::string& account_id, absl::Time t, int dpd,
                                    std::int64_t amount_minor = 12345) {
  auto e = event(id, customer_id, account_id, t);
  auto* d = e.mutable_delinquency();
  d->set_days_past_due(dpd);
  d->mutable_amount_due()->set_currency_code("USD");
  d->mutable_amount_due()->set_minor_units(amount_minor);
  d->set_due_date("2026-01-01");
  d->set_product("credit_card");
  return e;
}

inline v1::AccountEvent profile(const std::string& id, const std::string& customer_id, absl::Time t,
                                const std::string& time_zone, const std::string& jurisdiction,
                                const std::string& phone, const std::string& email,
                                std::initializer_list<v1::Channel> opted_out = {}) {
  auto e = event(id, customer_id, "", t);
  auto* p = e.mutable_profile();
  p->set_time_zone(time_zone);
  p->set_jurisdiction(jurisdiction);
  p->set_phone(phone);
  p->set_email(email);
  p->set_locale("en-US");
  for (auto ch : opted_out) p->add_opted_out_channels(ch);
  return e;
}

inline v1::AccountEvent cured(const std::string& id, const std::string& customer_id,
                              const std::string& account_id, absl::Time t) {
  auto e = event(id, customer_id, account_id, t);
  e.mutable_payment()->set_cured(true);
  e.mutable_payment()->mutable_amount()->set_currency_code("USD");
  e.mutable_payment()->mutable_amount()->set_minor_units(12345);
  return e;
}

inline v1::AccountEvent promise(const std::string& id, const std::string& customer_id,
                                const std::string& account_id, absl::Time t,
                                const std::string& promised_date) {
  auto e = event(id, customer_id, account_id, t);
  e.mutable_promise()->set_promised_date(promised_date);
  return e;
}

inline v1::AccountEvent flag(const std::string& id, const std::string& customer_id,
                             const std::string& account_id, absl::Time t,
                             v1::CustomerFlag::Kind kind, bool active,
                             std::optional<absl::Time> until = std::nullopt) {
  auto e = event(id, customer_id, account_id, t);
  auto* f = e.mutable_flag();
  f->set_kind(kind);
  f->set_active(active);
  if (until) set_ts(f->mutable_until(), *until);
  return e;
}

inline v1::AccountEvent outcome(const std::string& id, const std::string& customer_id,
                                const std::string& account_id, absl::Time t, v1::Channel channel,
                                v1::ContactOutcome::Result result) {
  auto e = event(id, customer_id, account_id, t);
  e.mutable_contact_outcome()->set_channel(channel);
  e.mutable_contact_outcome()->set_result(result);
  return e;
}

}  // namespace reminder::rules::testing
