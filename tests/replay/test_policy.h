#pragma once

// A small contact policy built in C++ for the replay and demo tests, so they
// do not depend on a policy file: 08:00-21:00 every day for every channel,
// strategy steps at DPD 1 (SMS), 3 (email), 5 (SMS + call), a couple of caps.
// The zone table below is also what the tests' independent window oracle
// uses (it is test data, shared on purpose, not an engine helper).

#include <absl/container/flat_hash_map.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "rules/policy.h"

namespace reminder::replay::testing {

inline constexpr int kOpenMinute = 8 * 60;
inline constexpr int kCloseMinute = 21 * 60;

// Possible zones per jurisdiction when the customer's own zone is unknown.
inline absl::flat_hash_map<std::string, std::vector<std::string>> test_jurisdiction_zones() {
  return {
      {"US",
       {"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"}},
      {"US-CA", {"America/Los_Angeles"}},
      {"US-TX", {"America/Chicago", "America/Denver"}},
      {"US-NY", {"America/New_York"}},
      {"CN", {"Asia/Shanghai"}},
      {"GB", {"Europe/London"}},
  };
}

inline rules::PolicyPtr make_test_policy() {
  using rules::Channel;
  auto p = std::make_shared<rules::Policy>();
  p->name = "replay-test";
  p->version = "1";
  p->consolidate = true;

  rules::StrategyBucket early;
  early.name = "early";
  early.dpd_min = 1;
  early.dpd_max = 29;
  {
    rules::StrategyStep sms;
    sms.channel = Channel::kSms;
    sms.template_id = "t.sms.early";
    sms.at_dpd = {1, 5};
    sms.priority = 10;
    early.steps.push_back(sms);
    rules::StrategyStep email;
    email.channel = Channel::kEmail;
    email.template_id = "t.email.early";
    email.at_dpd = {3};
    email.priority = 5;
    early.steps.push_back(email);
    rules::StrategyStep call;
    call.channel = Channel::kCall;
    call.template_id = "t.call.early";
    call.at_dpd = {5};
    call.queue = "early";
    call.priority = 20;
    early.steps.push_back(call);
  }
  p->buckets.push_back(early);

  rules::StrategyBucket late;
  late.name = "late";
  late.dpd_min = 30;
  late.dpd_max = 1000;
  {
    rules::StrategyStep sms;
    sms.channel = Channel::kSms;
    sms.template_id = "t.sms.late";
    sms.at_dpd = {30, 60, 90};
    sms.priority = 15;
    late.steps.push_back(sms);
    rules::StrategyStep call;
    call.channel = Channel::kCall;
    call.template_id = "t.call.late";
    call.repeat_every_days = 15;
    call.queue = "late";
    call.priority = 30;
    late.steps.push_back(call);
  }
  p->buckets.push_back(late);

  rules::ContactWindowRule window;
  window.name = "daytime";
  for (auto& day : window.hours) day = rules::LocalHours{kOpenMinute, kCloseMinute};
  p->windows.push_back(window);

  rules::FrequencyCapRule sms_per_day;
  sms_per_day.name = "sms-per-day";
  sms_per_day.channel = Channel::kSms;
  sms_per_day.scope = rules::CapScope::kCustomer;
  sms_per_day.period = rules::CapPeriod::kLocalDay;
  sms_per_day.local_days = 1;
  sms_per_day.max = 1;
  sms_per_day.action = rules::CapAction::kDefer;
  p->caps.push_back(sms_per_day);

  rules::FrequencyCapRule calls_per_week;
  calls_per_week.name = "calls-per-week";
  calls_per_week.channel = Channel::kCall;
  calls_per_week.scope = rules::CapScope::kDebt;
  calls_per_week.period = rules::CapPeriod::kRolling;
  calls_per_week.rolling = absl::Hours(24 * 7);
  calls_per_week.max = 2;
  calls_per_week.action = rules::CapAction::kSuppress;
  p->caps.push_back(calls_per_week);

  rules::MinGapRule gap;
  gap.name = "any-contact";
  gap.gap = absl::Hours(1);
  p->min_gaps.push_back(gap);

  p->suppressions.promise_grace_days = 3;
  p->suppressions.hardship_pause_days = 30;
  p->suppressions.right_party_block_days = 7;
  p->suppressions.dispute_stops_account_only = true;

  p->jurisdiction_zones = test_jurisdiction_zones();
  p->opt_out_instruction[rules::channel_index(Channel::kSms)] = "Reply STOP to opt out.";
  p->opt_out_instruction[rules::channel_index(Channel::kEmail)] = "Unsubscribe below.";
  return p;
}

// Root of the source tree (ctest sets REMINDERD_SOURCE_DIR), or empty.
inline std::string source_dir() {
  const char* dir = std::getenv("REMINDERD_SOURCE_DIR");
  return dir == nullptr ? std::string() : std::string(dir);
}

}  // namespace reminder::replay::testing
