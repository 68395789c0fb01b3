#include "explain/customer_explain.h"

#include <absl/time/civil_time.h>

#include "logging/log.h"
#include "rules/decide.h"
#include "rules/frequency_cap.h"

namespace reminder::explain {
namespace {

using logging::json_escape;

std::string q(std::string_view s) { return "\"" + json_escape(s) + "\""; }

std::string ts(std::int64_t unix_s) {
  if (unix_s == 0) return "null";
  if (unix_s == state::kForever) return q("forever");
  return q(absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(unix_s), absl::UTCTimeZone()));
}

std::string ts(absl::Time t) { return ts(absl::ToUnixSeconds(t)); }

std::string_view status_name(state::AccountStatus s) {
  switch (s) {
    case state::AccountStatus::kCurrent: return "current";
    case state::AccountStatus::kDelinquent: return "delinquent";
    case state::AccountStatus::kCured: return "cured";
    case state::AccountStatus::kHandedOff: return "handed_off";
  }
  return "unknown";
}

constexpr std::string_view kFlagNames[] = {"hardship",  "dispute",  "complaint",       "bankruptcy",
                                           "deceased",  "cease_communication", "legal_hold"};

std::string outcome_of(const rules::ContactDecision& d) {
  switch (d.verdict) {
    case rules::Verdict::kSend: return "would_send";
    case rules::Verdict::kDefer: return "would_defer";
    case rules::Verdict::kSuppress: return "would_suppress";
  }
  return "unknown";
}

}  // namespace

std::string mask_phone(std::string_view phone) {
  if (phone.empty()) return "";
  if (phone.size() <= 2) return "**";
  return std::string(phone.size() - 2, '*') + std::string(phone.substr(phone.size() - 2));
}

std::string mask_email(std::string_view email) {
  if (email.empty()) return "";
  const auto at = email.find('@');
  if (at == std::string_view::npos || at == 0) return "***";
  return std::string(email.substr(0, 1)) + "***" + std::string(email.substr(at));
}

std::string explain_customer(const state::CustomerState& c, const state::LabelTable& labels,
                             const rules::Policy& policy, const rules::ZoneCatalog& zones,
                             absl::Time now) {
  std::string j = "{";
  j += "\"customer_id\":" + q(c.customer_id);
  j += ",\"now\":" + ts(now);
  j += ",\"policy\":" + q(policy.name + "@" + policy.version);
  j += ",\"profile\":{\"time_zone\":" +
       q(c.time_zone.empty() ? std::string_view("unknown") : c.time_zone.view());
  j += ",\"jurisdiction\":" + q(c.jurisdiction);
  j += ",\"phone\":" + q(mask_phone(c.phone));
  j += ",\"email\":" + q(mask_email(c.email));
  j += ",\"locale\":" + q(c.locale);
  j += ",\"phone_invalid\":" + std::string((c.invalid_contact_points & state::kPhoneInvalid) ? "true" : "false");
  j += ",\"email_invalid\":" + std::string((c.invalid_contact_points & state::kEmailInvalid) ? "true" : "false");
  j += ",\"opted_out\":[";
  bool first = true;
  for (auto ch : rules::kAllChannels) {
    if (!c.opted_out(ch)) continue;
    if (!first) j += ',';
    j += q(rules::channel_name(ch));
    first = false;
  }
  j += "]}";

  j += ",\"flags\":{";
  first = true;
  for (int i = 0; i < state::kFlagCount; ++i) {
    if (c.flag_until[i] == 0) continue;
    if (!first) j += ',';
    j += q(kFlagNames[i]) + ":{\"until\":" + ts(c.flag_until[i]) + ",\"active\":" +
         (absl::ToUnixSeconds(now) < c.flag_until[i] ? "true" : "false") + "}";
    first = false;
  }
  j += "}";

  j += ",\"accounts\":[";
  for (std::size_t i = 0; i < c.accounts.size(); ++i) {
    const auto& a = c.accounts[i];
    if (i) j += ',';
    j += "{\"account_id\":" + q(a.account_id) + ",\"status\":" + q(status_name(a.status)) +
         ",\"days_past_due\":" + std::to_string(a.days_past_due) + ",\"disputed\":" +
         (a.disputed ? "true" : "false") + ",\"promise_until\":" +
         (a.promise_until_day ? q(absl::FormatCivilTime(absl::CivilDay(1970, 1, 1) + a.promise_until_day)) : "null") +
         ",\"last_right_party_contact\":" + ts(a.last_right_party_contact) + "}";
  }
  j += "]";

  j += ",\"attempts\":[";
  for (std::size_t i = 0; i < c.attempts.size(); ++i) {
    const auto& a = c.attempts[i];
    if (i) j += ',';
    j += "{\"at\":" + ts(a.at) + ",\"channel\":" + q(rules::channel_name(a.channel)) +
         ",\"account_mask\":" + std::to_string(a.account_mask) + "}";
  }
  j += "]";

  j += ",\"pending\":[";
  for (std::size_t i = 0; i < c.deferred.size(); ++i) {
    const auto& d = c.deferred[i];
    if (i) j += ',';
    j += "{\"dispatch_id\":" + q(d.dispatch_id.hex()) + ",\"channel\":" +
         q(rules::channel_name(d.channel)) + ",\"due\":" + ts(d.due) + ",\"not_after\":" +
         (d.not_after ? ts(d.not_after) : std::string("null")) + ",\"template_id\":" +
         q(labels.text(d.template_id)) + ",\"queue\":" + q(labels.text(d.queue)) +
         ",\"queued_for_capacity\":" + (d.queued() ? "true" : "false") +
         ",\"handoff\":" + (d.handoff() ? "true" : "false") + "}";
  }
  j += "]";

  // A dry run of every channel for every overdue account, right now.
  const auto customer_zones = rules::customer_zones(c, policy, zones);
  std::uint32_t overdue = 0;
  for (std::size_t i = 0; i < c.accounts.size(); ++i) {
    if (c.accounts[i].status == state::AccountStatus::kDelinquent) overdue |= 1u << i;
  }
  j += ",\"if_contacted_now\":{";
  first = true;
  for (auto ch : rules::kAllChannels) {
    if (!first) j += ',';
    first = false;
    j += q(rules::channel_name(ch)) + ":";
    if (overdue == 0) {
      j += "{\"outcome\":\"nothing_overdue\"}";
      continue;
    }
    const auto d = rules::decide(c, rules::ContactIntent{ch, overdue, false}, now, policy, zones);
    j += "{\"outcome\":" + q(outcome_of(d)) + ",\"reason\":" +
         q(reminder::v1::Reason_Name(d.reason)) + ",\"rule\":" + q(d.rule());
    if (d.verdict == rules::Verdict::kDefer) j += ",\"until\":" + ts(d.defer_until);
    if (d.verdict == rules::Verdict::kSend) j += ",\"not_after\":" + ts(d.not_after);
    j += "}";
  }
  j += "}";

  j += ",\"caps\":[";
  first = true;
  rules::LocalDayWindows day_windows(now);
  for (const auto& cap : policy.caps) {
    if (!first) j += ',';
    first = false;
    const auto check = rules::check_cap(cap, c.attempts, 0, customer_zones, day_windows, now);
    j += "{\"name\":" + q(cap.name) + ",\"counted\":" + std::to_string(check.counted) +
         ",\"max\":" + std::to_string(cap.max) + "}";
  }
  j += "]}";
  return j;
}

}  // namespace reminder::explain
