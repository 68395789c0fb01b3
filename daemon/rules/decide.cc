#include "rules/decide.h"

#include <absl/time/civil_time.h>

#include <bit>

#include "rules/contact_window.h"
#include "rules/frequency_cap.h"

namespace reminder::rules {

using reminder::v1::Reason;
using state::AccountStatus;
using state::FlagKind;

std::string ContactDecision::rule() const {
  std::string out(rule_section);
  if (!rule_name.empty()) {
    out += '.';
    out += rule_name;
  }
  return out;
}

namespace {

ContactDecision suppress(Reason reason, std::string_view section, std::string_view name = {}) {
  ContactDecision d;
  d.verdict = Verdict::kSuppress;
  d.reason = reason;
  d.rule_section = section;
  d.rule_name = name;
  return d;
}

ContactDecision defer(Reason reason, absl::Time until, std::string_view section,
                      std::string_view name = {}) {
  ContactDecision d;
  d.verdict = Verdict::kDefer;
  d.reason = reason;
  d.defer_until = until;
  d.rule_section = section;
  d.rule_name = name;
  return d;
}

bool flag_active(const state::CustomerState& c, FlagKind k, std::int64_t now_s) {
  const auto until = c.flag_until[static_cast<int>(k)];
  return until != 0 && now_s < until;
}

bool needs_phone(Channel c) {
  switch (c) {
    case Channel::kSms:
    case Channel::kCall:
      return true;
    case Channel::kEmail:
      return false;
  }
  return true;
}

}  // namespace

Reason active_stop_flag(const state::CustomerState& c, absl::Time now) {
  const std::int64_t s = absl::ToUnixSeconds(now);
  // Order: the most final first, so the record names the strongest reason.
  if (flag_active(c, FlagKind::kDeceased, s)) return v1::REASON_DECEASED;
  if (flag_active(c, FlagKind::kBankruptcy, s)) return v1::REASON_BANKRUPTCY;
  if (flag_active(c, FlagKind::kLegalHold, s)) return v1::REASON_LEGAL_HOLD;
  if (flag_active(c, FlagKind::kCeaseCommunication, s)) return v1::REASON_CEASE_COMMUNICATION;
  if (flag_active(c, FlagKind::kComplaint, s)) return v1::REASON_COMPLAINT;
  if (flag_active(c, FlagKind::kDispute, s)) return v1::REASON_DISPUTE;
  if (flag_active(c, FlagKind::kHardship, s)) return v1::REASON_HARDSHIP;
  return v1::REASON_UNSPECIFIED;
}

Reason account_block(const state::CustomerState& c, int i, std::span<const absl::TimeZone> zones,
                     absl::Time now) {
  const auto& a = c.accounts[i];
  switch (a.status) {
    case AccountStatus::kCurrent:
    case AccountStatus::kCured:
      return v1::REASON_PAID;
    case AccountStatus::kHandedOff:
      return v1::REASON_HANDED_OFF;
    case AccountStatus::kDelinquent:
      break;
  }
  if (a.disputed) return v1::REASON_DISPUTE;
  if (a.promise_until_day != 0) {
    // Active through the last day of grace in every zone the customer may be in.
    const absl::CivilDay last = absl::CivilDay(1970, 1, 1) + a.promise_until_day;
    for (const auto& tz : zones) {
      if (absl::ToCivilDay(now, tz) <= last) return v1::REASON_PROMISE_TO_PAY;
    }
  }
  return v1::REASON_UNSPECIFIED;
}

ContactDecision decide(const state::CustomerState& c, const ContactIntent& intent, absl::Time now,
                       const Policy& policy, const ZoneCatalog& zone_catalog) {
  const ZoneSet zones = customer_zones(c, policy, zone_catalog);

  if (intent.handoff) {
    // An internal work item for legal / the agency, not a customer contact:
    // windows and caps do not apply, but the account must still be overdue.
    std::uint32_t mask = 0;
    for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
      if ((intent.account_mask >> i & 1u) &&
          c.accounts[i].status == AccountStatus::kDelinquent) {
        mask |= 1u << i;
      }
    }
    if (mask == 0) return suppress(v1::REASON_PAID, "strategy", "handoff");
    ContactDecision d;
    d.verdict = Verdict::kSend;
    d.reason = v1::REASON_HANDOFF;
    d.rule_section = "strategy";
    d.rule_name = "handoff";
    d.not_before = now;
    d.not_after = now + absl::Hours(24 * 30);
    d.account_mask = mask;
    return d;
  }

  if (const Reason stop = active_stop_flag(c, now); stop != v1::REASON_UNSPECIFIED) {
    return suppress(stop, "suppressions", "flags");
  }

  // Accounts: the ones that called for the contact must still be contactable
  // about; with consolidation, every other overdue account is listed too.
  std::uint32_t mask = 0;
  Reason first_block = v1::REASON_UNSPECIFIED;
  for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
    const bool requested = intent.account_mask >> i & 1u;
    if (!requested && !policy.consolidate) continue;
    const Reason block = account_block(c, i, zones, now);
    if (block == v1::REASON_UNSPECIFIED) {
      if (requested || c.accounts[i].status == AccountStatus::kDelinquent) mask |= 1u << i;
    } else if (requested && first_block == v1::REASON_UNSPECIFIED) {
      first_block = block;
    }
  }
  if ((mask & intent.account_mask) == 0) {
    return suppress(first_block == v1::REASON_UNSPECIFIED ? v1::REASON_PAID : first_block,
                    "suppressions", "accounts");
  }

  if (c.opted_out(intent.channel)) {
    return suppress(v1::REASON_CHANNEL_OPT_OUT, "suppressions", "opt_out");
  }
  if (needs_phone(intent.channel)) {
    if (c.phone.empty()) return suppress(v1::REASON_NO_CONTACT_POINT, "suppressions", "phone");
    if (c.invalid_contact_points & state::kPhoneInvalid) {
      return suppress(v1::REASON_INVALID_CONTACT_POINT, "suppressions", "phone");
    }
  } else {
    if (c.email.empty()) return suppress(v1::REASON_NO_CONTACT_POINT, "suppressions", "email");
    if (c.invalid_contact_points & state::kEmailInvalid) {
      return suppress(v1::REASON_INVALID_CONTACT_POINT, "suppressions", "email");
    }
  }

  if (zones.empty()) return suppress(v1::REASON_NO_TIME_ZONE, "zones");

  const ContactWindowRule* window = select_window(policy, intent.channel, c.jurisdiction);
  if (window == nullptr) return suppress(v1::REASON_QUIET_HOURS, "windows", "none");
  const auto interval = next_common_interval(*window, zones, now);
  if (!interval) return suppress(v1::REASON_QUIET_HOURS, "windows", window->name);
  if (interval->start > now) {
    bool closed_today = false;
    for (const auto& tz : zones) closed_today |= is_closed_date(*window, absl::ToCivilDay(now, tz));
    ContactDecision d =
        defer(closed_today ? v1::REASON_CLOSED_DAY : v1::REASON_QUIET_HOURS,
              spread_opening(*interval, c.customer_id, policy.pacing.spread), "windows", window->name);
    d.not_after = interval->end;
    return d;
  }

  // Right-party contact: no call about that debt for N local days.
  if (intent.channel == Channel::kCall && policy.suppressions.right_party_block_days > 0) {
    for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
      if (!(mask >> i & 1u) || c.accounts[i].last_right_party_contact == 0) continue;
      const absl::Time conversation = absl::FromUnixSeconds(c.accounts[i].last_right_party_contact);
      const int days = policy.suppressions.right_party_block_days;
      if (now >= conversation + right_party_block_bound(days)) continue;  // over in every zone
      const absl::Time release = right_party_block_release(conversation, days, zones);
      if (now < release) mask &= ~(1u << i);
    }
    if ((mask & intent.account_mask) == 0) {
      return suppress(v1::REASON_RIGHT_PARTY_BLOCK, "suppressions", "right_party_block_days");
    }
  }

  for (const auto& gap : policy.min_gaps) {
    if (gap.channel && *gap.channel != intent.channel) continue;
    const absl::Time release = min_gap_release(gap, c.attempts, now);
    if (release > now) return defer(v1::REASON_MIN_GAP, release, "min_gaps", gap.name);
  }

  LocalDayWindows day_windows(now);
  for (const auto& cap : policy.caps) {
    if (cap.channel && *cap.channel != intent.channel) continue;
    CapCheck worst;
    switch (cap.scope) {
      case CapScope::kCustomer:
        worst = check_cap(cap, c.attempts, 0, zones, day_windows, now);
        break;
      case CapScope::kDebt:
        // Accounts over their own cap are left out of the contact; it fails
        // only if every account that called for it is over.
        for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
          if (!(mask >> i & 1u)) continue;
          const CapCheck one = check_cap(cap, c.attempts, 1u << i, zones, day_windows, now);
          if (one.allowed) continue;
          mask &= ~(1u << i);
          if (worst.allowed || one.frees_at < worst.frees_at) worst = one;
        }
        if ((mask & intent.account_mask) != 0) worst = CapCheck{};
        break;
    }
    if (worst.allowed) continue;
    switch (cap.action) {
      case CapAction::kSuppress:
        return suppress(v1::REASON_FREQUENCY_CAP, "caps", cap.name);
      case CapAction::kDefer:
        return defer(v1::REASON_FREQUENCY_CAP, worst.frees_at, "caps", cap.name);
    }
  }

  ContactDecision d;
  d.verdict = Verdict::kSend;
  d.reason = v1::REASON_STRATEGY_STEP;
  d.rule_section = "strategy";
  d.not_before = now;
  d.not_after = interval->end;
  d.account_mask = mask;
  return d;
}

absl::InlinedVector<DueStep, 4> due_steps(const Policy& policy, int dpd) {
  absl::InlinedVector<DueStep, 4> out;
  for (const auto& bucket : policy.buckets) {
    if (dpd < bucket.dpd_min || dpd > bucket.dpd_max) continue;
    for (const auto& step : bucket.steps) {
      bool due = std::find(step.at_dpd.begin(), step.at_dpd.end(), dpd) != step.at_dpd.end();
      if (!due && step.repeat_every_days > 0) {
        due = (dpd - bucket.dpd_min) % step.repeat_every_days == 0;
      }
      if (due) out.push_back(DueStep{&bucket, &step});
    }
    if (bucket.handoff) out.push_back(DueStep{&bucket, nullptr});
  }
  return out;
}

}  // namespace reminder::rules
