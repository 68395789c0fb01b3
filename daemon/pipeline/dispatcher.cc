#include "pipeline/dispatcher.h"

#include <absl/strings/numbers.h>
#include <absl/time/civil_time.h>

#include <algorithm>

#include "pipeline/message_builder.h"

namespace reminder::pipeline {

using reminder::v1::AccountEvent;
using reminder::v1::Decision;
using reminder::v1::Reason;
using rules::Channel;
using state::AccountStatus;
using state::CustomerState;

namespace {

absl::Time event_time(const AccountEvent& e) {
  return absl::FromUnixSeconds(e.occurred_at().seconds()) +
         absl::Nanoseconds(e.occurred_at().nanos());
}

void set_timestamp(google::protobuf::Timestamp* ts, absl::Time t) {
  const std::int64_t s = absl::ToUnixSeconds(t);
  ts->set_seconds(s);
  ts->set_nanos(static_cast<std::int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
}

reminder::v1::Channel to_proto(Channel c) { return static_cast<reminder::v1::Channel>(c); }

Channel from_proto(reminder::v1::Channel c) { return static_cast<Channel>(c); }

// Decision fields are written in place: the record is reused (Clear() keeps
// the strings' buffers), so these allocate nothing once warm, where
// set_x(std::string(...)) built and freed a temporary per field.
void assign(std::string* field, std::string_view value) {
  field->assign(value.data(), value.size());
}

// DispatchId::hex() into an existing string (same digits, no temporary).
void set_hex(std::string* out, const state::DispatchId& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out->resize(32);
  for (int i = 0; i < 16; ++i) {
    (*out)[15 - i] = kDigits[(id.hi >> (4 * i)) & 0xf];
    (*out)[31 - i] = kDigits[(id.lo >> (4 * i)) & 0xf];
  }
}

// Days since 1970-01-01 of a validated "YYYY-MM-DD".
std::int32_t epoch_day(std::string_view date) {
  absl::CivilDay d;
  if (!absl::ParseCivilTime(absl::string_view(date.data(), date.size()), &d)) return 0;
  return static_cast<std::int32_t>(d - absl::CivilDay(1970, 1, 1));
}

state::DispatchId dispatch_id_for(std::string_view customer_id, std::string_view event_id,
                                  Channel channel, std::string_view template_id) {
  return state::DispatchIdBuilder()
      .add(customer_id)
      .add(event_id)
      .add(rules::channel_name(channel))
      .add(template_id)
      .build();
}

state::FlagKind flag_kind(reminder::v1::CustomerFlag::Kind k) {
  switch (k) {
    case reminder::v1::CustomerFlag::HARDSHIP: return state::FlagKind::kHardship;
    case reminder::v1::CustomerFlag::DISPUTE: return state::FlagKind::kDispute;
    case reminder::v1::CustomerFlag::COMPLAINT: return state::FlagKind::kComplaint;
    case reminder::v1::CustomerFlag::BANKRUPTCY: return state::FlagKind::kBankruptcy;
    case reminder::v1::CustomerFlag::DECEASED: return state::FlagKind::kDeceased;
    case reminder::v1::CustomerFlag::CEASE_COMMUNICATION:
      return state::FlagKind::kCeaseCommunication;
    case reminder::v1::CustomerFlag::LEGAL_HOLD: return state::FlagKind::kLegalHold;
    case reminder::v1::CustomerFlag::KIND_UNSPECIFIED:
    case reminder::v1::CustomerFlag_Kind_CustomerFlag_Kind_INT_MIN_SENTINEL_DO_NOT_USE_:
    case reminder::v1::CustomerFlag_Kind_CustomerFlag_Kind_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;  // rejected by validation
  }
  return state::FlagKind::kHardship;
}

Reason flag_reason(state::FlagKind k) {
  switch (k) {
    case state::FlagKind::kHardship: return reminder::v1::REASON_HARDSHIP;
    case state::FlagKind::kDispute: return reminder::v1::REASON_DISPUTE;
    case state::FlagKind::kComplaint: return reminder::v1::REASON_COMPLAINT;
    case state::FlagKind::kBankruptcy: return reminder::v1::REASON_BANKRUPTCY;
    case state::FlagKind::kDeceased: return reminder::v1::REASON_DECEASED;
    case state::FlagKind::kCeaseCommunication: return reminder::v1::REASON_CEASE_COMMUNICATION;
    case state::FlagKind::kLegalHold: return reminder::v1::REASON_LEGAL_HOLD;
  }
  return reminder::v1::REASON_UNSPECIFIED;
}

}  // namespace

Dispatcher::Dispatcher(rules::PolicyPtr policy, const rules::ZoneCatalog& zones,
                       metrics::PipelineProbe& probe, metrics::StateProbe& state_probe,
                       scheduler::PacingShare share)
    : zones_(zones), probe_(probe), state_probe_(state_probe), share_(share) {
  set_policy(std::move(policy));
}

void Dispatcher::set_policy(rules::PolicyPtr policy) {
  policy_ = std::move(policy);
  // Keep every attempt any rule can still count, and never less than 8 days
  // (so a tightened policy after a reload still sees the recent past).
  absl::Duration keep = absl::Hours(24 * 8);
  for (const auto& cap : policy_->caps) {
    keep = std::max(keep, cap.rolling);
    keep = std::max(keep, absl::Hours(24 * (cap.local_days + 1)));
  }
  for (const auto& gap : policy_->min_gaps) keep = std::max(keep, gap.gap);
  attempt_retention_ = keep;
  schedule_.configure(policy_->pacing, share_, store_.labels());
}

scheduler::LaneId Dispatcher::lane_for(Channel channel, std::string_view queue) {
  // Only call lanes are per queue: no label lookup for the others.
  const state::Label label = channel == Channel::kCall ? store_.labels().intern(queue) : 0;
  return schedule_.lane(channel, label, store_.labels());
}

std::uint32_t Dispatcher::rank_of(const CustomerState& c, std::uint32_t account_mask,
                                  int priority) const {
  int dpd = 0;
  std::int64_t amount = 0;
  for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
    if (!(account_mask >> i & 1u)) continue;
    dpd = std::max(dpd, c.accounts[i].days_past_due);
    amount = std::max(amount, c.accounts[i].amount_due_minor);
  }
  return scheduler::contact_rank(priority, dpd, amount);
}

void Dispatcher::schedule(state::CustomerIndex ci, const state::DeferredContact& d) {
  const CustomerState& c = store_.at(ci);
  const auto lane = schedule_.lane(d.channel, d.queue, store_.labels());
  schedule_.add(lane, scheduler::ScheduleEntry{d.due, rank_of(c, d.account_mask, d.priority), ci,
                                               static_cast<std::uint32_t>(d.dispatch_id.lo)});
}

void Dispatcher::set_channel_paused(Channel channel, bool paused) {
  paused_[rules::channel_index(channel)] = paused;
  state_probe_.set_channel_paused(channel, paused);
}

Decision& Dispatcher::new_decision(const CustomerState& c, const Trigger& trigger,
                                   absl::Time now) {
  decision_.Clear();
  assign(decision_.mutable_event_id(), trigger.event_id);
  decision_.set_customer_id(c.customer_id);
  assign(decision_.mutable_account_id(), trigger.account_id);
  set_timestamp(decision_.mutable_decided_at(), now);
  std::string* version = decision_.mutable_policy_version();
  version->assign(policy_->name);
  version->push_back('@');
  version->append(policy_->version);
  return decision_;
}

void Dispatcher::record(const Decision& d, std::optional<Channel> channel, DispatchSink& sink) {
  if (channel) {
    probe_.on_decision(*channel, d.outcome(), d.reason());
  } else {
    probe_.on_decision_without_channel(d.outcome(), d.reason());
  }
  sink.on_decision(d);
}

std::optional<ingest::Rejection> Dispatcher::on_event(const AccountEvent& e, absl::Time now,
                                                      DispatchSink& sink) {
  const state::CustomerIndex ci = store_.find_or_add(e.customer_id());
  CustomerState& c = store_.at(ci);
  const Trigger trigger{&e, e.event_id(), e.account_id()};

  const std::uint64_t event_hash = state::fnv1a64(e.event_id());
  if (c.saw_event(event_hash)) {
    probe_.on_duplicate_event();
    Decision& d = new_decision(c, trigger, now);
    d.set_outcome(reminder::v1::OUTCOME_NO_CONTACT);
    d.set_reason(reminder::v1::REASON_DUPLICATE_EVENT);
    d.set_rule("dedupe");
    record(d, std::nullopt, sink);
    return std::nullopt;
  }

  int account = -1;
  if (!e.account_id().empty()) {
    account = c.upsert_account(e.account_id());
    if (account < 0) {
      return ingest::Rejection{ingest::RejectReason::kTooManyAccounts,
                               "customer already has " +
                                   std::to_string(state::kMaxAccountsPerCustomer) + " accounts"};
    }
  }
  c.remember_event(event_hash);
  mark_changed(ci);

  const absl::Time at = event_time(e);
  const std::int64_t at_s = absl::ToUnixSeconds(at);
  auto no_contact = [&](Reason reason, std::string_view rule) {
    Decision& d = new_decision(c, trigger, now);
    d.set_outcome(reminder::v1::OUTCOME_NO_CONTACT);
    d.set_reason(reason);
    assign(d.mutable_rule(), rule);
    record(d, std::nullopt, sink);
  };

  switch (e.kind_case()) {
    case AccountEvent::kDelinquency:
      on_delinquency(ci, account, e, now, sink);
      break;
    case AccountEvent::kPayment: {
      auto& a = c.accounts[account];
      if (e.payment().cured()) {
        a.status = AccountStatus::kCured;
        a.status_since = at_s;
        a.last_step_dpd = {-1, -1, -1};
        a.promise_until_day = 0;
        cancel_account_deferrals(ci, account, reminder::v1::REASON_PAID, trigger, now, sink);
        no_contact(reminder::v1::REASON_PAID, "payment.cured");
      } else {
        no_contact(reminder::v1::REASON_STATE_UPDATED, "payment.partial");
      }
      break;
    }
    case AccountEvent::kPromise: {
      auto& a = c.accounts[account];
      a.promise_until_day =
          epoch_day(e.promise().promised_date()) + policy_->suppressions.promise_grace_days;
      no_contact(reminder::v1::REASON_PROMISE_TO_PAY, "suppressions.promise_grace_days");
      break;
    }
    case AccountEvent::kContactOutcome: {
      const auto& o = e.contact_outcome();
      switch (o.result()) {
        case reminder::v1::ContactOutcome::RIGHT_PARTY_CONTACT:
          // About the event's debt; without one, conservatively about all.
          for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
            if (account < 0 || i == account) {
              c.accounts[i].last_right_party_contact =
                  std::max(c.accounts[i].last_right_party_contact, at_s);
            }
          }
          break;
        case reminder::v1::ContactOutcome::OPT_OUT_REQUESTED:
          c.opted_out_mask |= 1u << rules::channel_index(from_proto(o.channel()));
          break;
        case reminder::v1::ContactOutcome::BOUNCED:
          if (o.channel() == reminder::v1::CHANNEL_EMAIL) c.invalid_contact_points |= state::kEmailInvalid;
          break;
        case reminder::v1::ContactOutcome::WRONG_NUMBER:
          c.invalid_contact_points |= state::kPhoneInvalid;
          break;
        case reminder::v1::ContactOutcome::NO_ANSWER:
        case reminder::v1::ContactOutcome::DELIVERED:
        case reminder::v1::ContactOutcome::RESULT_UNSPECIFIED:
        case reminder::v1::ContactOutcome_Result_ContactOutcome_Result_INT_MIN_SENTINEL_DO_NOT_USE_:
        case reminder::v1::ContactOutcome_Result_ContactOutcome_Result_INT_MAX_SENTINEL_DO_NOT_USE_:
          break;
      }
      no_contact(reminder::v1::REASON_STATE_UPDATED, "contact_outcome");
      break;
    }
    case AccountEvent::kFlag: {
      const auto& f = e.flag();
      const state::FlagKind kind = flag_kind(f.kind());
      if (kind == state::FlagKind::kDispute && account >= 0 &&
          policy_->suppressions.dispute_stops_account_only) {
        c.accounts[account].disputed = f.active();
      } else if (!f.active()) {
        c.flag_until.set(static_cast<int>(kind), 0);
      } else if (f.has_until()) {
        c.flag_until.set(static_cast<int>(kind), f.until().seconds());
      } else if (kind == state::FlagKind::kHardship &&
                 policy_->suppressions.hardship_pause_days > 0) {
        c.flag_until.set(static_cast<int>(kind),
                         at_s + std::int64_t{86400} * policy_->suppressions.hardship_pause_days);
      } else {
        c.flag_until.set(static_cast<int>(kind), state::kForever);
      }
      no_contact(f.active() ? flag_reason(kind) : reminder::v1::REASON_STATE_UPDATED, "flag");
      break;
    }
    case AccountEvent::kProfile: {
      const auto& p = e.profile();
      // A contact point "changes" only from one known value to another: an
      // outcome that arrived before the first profile (state created by it,
      // phone still empty) was about the number the profile now brings.
      const bool new_phone = !c.phone.empty() && p.phone() != c.phone;
      const bool new_email = !c.email.empty() && p.email() != c.email;
      if (new_phone) c.invalid_contact_points &= ~state::kPhoneInvalid;
      if (new_email) c.invalid_contact_points &= ~state::kEmailInvalid;
      // Opt-outs already recorded (e.g. an OPT_OUT_REQUESTED outcome the CRM
      // has not heard of yet) stay while their contact point is unchanged: a
      // profile update that does not list them must not switch a channel
      // back on. A new number / address starts from the profile's list.
      std::uint8_t keep = 0;
      if (!new_phone) {
        keep |= 1u << rules::channel_index(Channel::kSms);
        keep |= 1u << rules::channel_index(Channel::kCall);
      }
      if (!new_email) keep |= 1u << rules::channel_index(Channel::kEmail);
      c.time_zone = store_.labels().share(p.time_zone());
      c.jurisdiction = store_.labels().share(p.jurisdiction());
      c.phone = p.phone();
      c.email = p.email();
      c.locale = store_.labels().share(p.locale());
      c.opted_out_mask &= keep;
      for (int ch : p.opted_out_channels()) {
        if (ch >= 1 && ch <= 3) c.opted_out_mask |= 1u << (ch - 1);
      }
      no_contact(reminder::v1::REASON_STATE_UPDATED, "profile");
      break;
    }
    case AccountEvent::KIND_NOT_SET:
      break;  // rejected by validation before it gets here
  }
  return std::nullopt;
}

void Dispatcher::on_delinquency(state::CustomerIndex ci, int account, const AccountEvent& e,
                                absl::Time now, DispatchSink& sink) {
  CustomerState& c = store_.at(ci);
  auto& a = c.accounts[account];
  const auto& d = e.delinquency();
  const std::int64_t at_s = absl::ToUnixSeconds(event_time(e));
  const Trigger trigger{&e, e.event_id(), e.account_id()};
  auto no_contact = [&](reminder::v1::Outcome outcome, Reason reason, std::string_view rule) {
    Decision& rec = new_decision(c, trigger, now);
    rec.set_outcome(outcome);
    rec.set_reason(reason);
    assign(rec.mutable_rule(), rule);
    record(rec, std::nullopt, sink);
  };

  // A delinquency older than the cure is stale (reordered upstream).
  if (a.status == AccountStatus::kCured && at_s < a.status_since) {
    no_contact(reminder::v1::OUTCOME_SUPPRESSED, reminder::v1::REASON_PAID, "stale_delinquency");
    return;
  }
  a.days_past_due = d.days_past_due();
  a.amount_due_minor = d.amount_due().minor_units();
  a.currency = d.amount_due().currency_code();
  a.minimum_due_minor = d.minimum_due().minor_units();
  a.due_day = state::day_from_text(d.due_date()).value_or(state::kNoDay);  // checked by the decoder
  a.product = store_.labels().share(d.product());
  if (a.status == AccountStatus::kHandedOff) {
    no_contact(reminder::v1::OUTCOME_SUPPRESSED, reminder::v1::REASON_HANDED_OFF, "strategy.handoff");
    return;
  }
  if (d.days_past_due() <= 0) {
    a.status = AccountStatus::kCurrent;
    a.status_since = at_s;
    no_contact(reminder::v1::OUTCOME_NO_CONTACT, reminder::v1::REASON_STATE_UPDATED, "delinquency");
    return;
  }
  if (a.status != AccountStatus::kDelinquent) {
    a.status = AccountStatus::kDelinquent;
    a.status_since = at_s;
    a.last_step_dpd = {-1, -1, -1};
  }

  bool any = false;
  for (const auto& due : rules::due_steps(*policy_, d.days_past_due())) {
    Contact contact;
    contact.intent.account_mask = 1u << account;
    if (due.step == nullptr) {
      contact.intent.channel = Channel::kCall;
      contact.intent.handoff = true;
      contact.template_id = due.bucket->handoff_template;
      contact.queue = due.bucket->handoff_queue;
    } else {
      auto& last = a.last_step_dpd[rules::channel_index(due.step->channel)];
      if (last == d.days_past_due()) continue;  // this step already fired today
      last = static_cast<std::int16_t>(d.days_past_due());
      contact.intent.channel = due.step->channel;
      contact.template_id = due.step->template_id;
      contact.queue = due.step->queue;
      contact.priority = due.step->priority;
    }
    contact.dispatch_id =
        dispatch_id_for(c.customer_id, e.event_id(), contact.intent.channel, contact.template_id);
    any = true;

    // Consolidation: a reminder already waiting on this channel takes the
    // account into its list instead of a second reminder going out.
    if (policy_->consolidate && !contact.intent.handoff) {
      auto it = std::find_if(c.deferred.begin(), c.deferred.end(), [&](const auto& p) {
        return p.channel == contact.intent.channel && !p.handoff();
      });
      if (it != c.deferred.end()) {
        it->account_mask |= contact.intent.account_mask;
        Decision& rec = new_decision(c, trigger, now);
        rec.set_dispatch_id(it->dispatch_id.hex());
        rec.set_channel(to_proto(contact.intent.channel));
        rec.set_outcome(reminder::v1::OUTCOME_DEFERRED);
        rec.set_reason(reminder::v1::REASON_CONSOLIDATED);
        rec.set_rule("consolidation");
        rec.set_detail("joined a pending reminder on the same channel");
        set_timestamp(rec.mutable_scheduled_for(), absl::FromUnixSeconds(it->due));
        assign(rec.mutable_template_id(), store_.labels().text(it->template_id));
        record(rec, contact.intent.channel, sink);
        continue;
      }
    }
    decide_and_act(ci, contact, trigger, -1, now, sink);
  }
  if (!any) {
    no_contact(reminder::v1::OUTCOME_NO_CONTACT, reminder::v1::REASON_NOT_IN_STRATEGY, "strategy");
  }
}

void Dispatcher::decide_and_act(state::CustomerIndex ci, const Contact& contact,
                                const Trigger& trigger, int existing, absl::Time now,
                                DispatchSink& sink) {
  CustomerState& c = store_.at(ci);
  mark_changed(ci);
  rules::ContactDecision verdict = rules::decide(c, contact.intent, now, *policy_, zones_);
  const Channel channel = contact.intent.channel;
  const std::int64_t now_s = absl::ToUnixSeconds(now);
  // Only a send is paced (a deferral finds its lane in schedule()).
  const scheduler::LaneId lane =
      verdict.verdict == rules::Verdict::kSend ? lane_for(channel, contact.queue) : 0;
  // A new contact the rules allow still queues behind its lane: behind a
  // paused channel, behind contacts already waiting, or for the next slot.
  // (One re-checked from its lane already has its slot: fire_due saw to it.)
  bool held = false;
  if (verdict.verdict == rules::Verdict::kSend && existing < 0) {
    if (paused_[rules::channel_index(channel)]) {
      held = true;
      verdict.reason = reminder::v1::REASON_CHANNEL_PAUSED;
      verdict.rule_section = "kill_switch";
      verdict.rule_name = rules::channel_name(channel);
    } else if (schedule_.pacer(lane).paced() &&
               (schedule_.has_due(lane, now) || !schedule_.pacer(lane).available(now))) {
      held = true;
      verdict.reason = reminder::v1::REASON_PACING;
      verdict.rule_section = "pacing";
      verdict.rule_name = rules::channel_name(channel);
    }
    if (held) {
      verdict.verdict = rules::Verdict::kDefer;
      verdict.defer_until = absl::FromUnixSeconds(now_s);
    }
  }
  // Queued for capacity and the window closed first: it goes to the next
  // window, never out late.
  bool expired = false;
  if (verdict.verdict == rules::Verdict::kDefer && existing >= 0 &&
      c.deferred[existing].queued() &&
      (verdict.reason == reminder::v1::REASON_QUIET_HOURS ||
       verdict.reason == reminder::v1::REASON_CLOSED_DAY)) {
    expired = true;
    verdict.reason = reminder::v1::REASON_WINDOW_EXPIRED;
  }

  Decision& rec = new_decision(c, trigger, now);
  set_hex(rec.mutable_dispatch_id(), contact.dispatch_id);
  rec.set_channel(to_proto(channel));
  rec.set_reason(verdict.reason);
  std::string* rule = rec.mutable_rule();
  assign(rule, verdict.rule_section);
  if (!verdict.rule_name.empty()) {
    rule->push_back('.');
    rule->append(verdict.rule_name);
  }
  assign(rec.mutable_template_id(), contact.template_id);

  switch (verdict.verdict) {
    case rules::Verdict::kSend: {
      schedule_.pacer(lane).take(now);
      // Event time (or, for a deferred contact, when it was decided) to now.
      const absl::Time origin = trigger.event != nullptr ? event_time(*trigger.event)
                                : existing >= 0 ? absl::FromUnixSeconds(c.deferred[existing].created)
                                                : now;
      probe_.observe_event_to_dispatch(std::chrono::duration<double>(absl::ToDoubleSeconds(now - origin)));
      if (existing >= 0) {
        const auto due = absl::FromUnixSeconds(c.deferred[existing].due);
        state_probe_.observe_pacing_delay(channel, std::chrono::duration<double>(
                                                       absl::ToDoubleSeconds(now - due)));
        c.deferred.erase(c.deferred.begin() + existing);
        --deferred_total_;
      }
      rec.set_outcome(reminder::v1::OUTCOME_SENT);
      for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
        if (verdict.account_mask >> i & 1u) rec.add_account_ids(c.accounts[i].account_id);
      }
      emit(ci, contact, verdict, rec.dispatch_id(), sink);
      if (contact.intent.handoff) {
        for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
          if (verdict.account_mask >> i & 1u) {
            c.accounts[i].status = AccountStatus::kHandedOff;
            c.accounts[i].status_since = now_s;
          }
        }
      } else {
        prune_attempts(c, now);
        c.attempts.push_back(state::Attempt{now_s, verdict.account_mask, channel});
      }
      record(rec, channel, sink);
      if (contact.intent.handoff) {
        for (int i = 0; i < static_cast<int>(c.accounts.size()); ++i) {
          if (verdict.account_mask >> i & 1u) {
            cancel_account_deferrals(ci, i, reminder::v1::REASON_HANDED_OFF, trigger, now, sink);
          }
        }
      }
      return;
    }
    case rules::Verdict::kDefer: {
      // Held: due now, in its lane's queue. Otherwise always strictly later,
      // so a re-check can never spin.
      const std::int64_t due =
          held ? now_s : std::max(absl::ToUnixSeconds(verdict.defer_until), now_s + 1);
      const std::int64_t not_after =
          verdict.not_after > absl::FromUnixSeconds(due) ? absl::ToUnixSeconds(verdict.not_after)
                                                         : 0;
      state::DeferredContact* dc = nullptr;
      if (existing >= 0) {
        dc = &c.deferred[existing];
        state_probe_.on_redeferred(channel, verdict.reason);
      } else {
        // Exact growth: a customer holds a handful at most, and millions
        // of customers do.
        c.deferred.reserve(c.deferred.size() + 1);
        dc = &c.deferred.emplace_back();
        dc->dispatch_id = contact.dispatch_id;
        dc->created = state::to_seconds32(now_s);
        dc->template_id = store_.labels().intern(contact.template_id);
        dc->queue = store_.labels().intern(contact.queue);
        dc->account_mask = contact.intent.account_mask;
        dc->priority = static_cast<std::int16_t>(contact.priority);
        dc->channel = channel;
        dc->flags = contact.intent.handoff ? state::kDeferredHandoff : 0;
        ++deferred_total_;
      }
      dc->due = state::to_seconds32(due);
      dc->not_after = state::to_seconds32(not_after);
      dc->flags = static_cast<std::uint8_t>((dc->flags & ~state::kDeferredQueued) |
                                            (held ? state::kDeferredQueued : 0));
      schedule(ci, *dc);
      rec.set_outcome(reminder::v1::OUTCOME_DEFERRED);
      set_timestamp(rec.mutable_scheduled_for(), absl::FromUnixSeconds(due));
      if (held) rec.set_detail("queued: sent in due order as channel capacity allows");
      if (expired) rec.set_detail("the window closed while queued for channel capacity");
      record(rec, channel, sink);
      return;
    }
    case rules::Verdict::kSuppress: {
      if (existing >= 0) {
        c.deferred.erase(c.deferred.begin() + existing);
        --deferred_total_;
      }
      rec.set_outcome(reminder::v1::OUTCOME_SUPPRESSED);
      record(rec, channel, sink);
      return;
    }
  }
}

void Dispatcher::emit(state::CustomerIndex ci, const Contact& contact,
                      const rules::ContactDecision& d, std::string_view dispatch_hex,
                      DispatchSink& sink) {
  const CustomerState& c = store_.at(ci);
  const MessageFields fields{c,
                             dispatch_hex,
                             d.account_mask,
                             contact.template_id,
                             contact.queue,
                             contact.priority,
                             d.not_before,
                             d.not_after,
                             contact.intent.handoff,
                             *policy_};
  switch (contact.intent.channel) {
    case Channel::kSms:
      build_sms(fields, sms_);
      sink.on_sms(sms_);
      break;
    case Channel::kEmail:
      build_email(fields, email_);
      sink.on_email(email_);
      break;
    case Channel::kCall:
      build_call_task(fields, call_);
      sink.on_call(call_);
      break;
  }
  probe_.on_dispatch(contact.intent.channel);
}

void Dispatcher::cancel_account_deferrals(state::CustomerIndex ci, int account, Reason reason,
                                          const Trigger& trigger, absl::Time now,
                                          DispatchSink& sink) {
  CustomerState& c = store_.at(ci);
  const std::uint32_t bit = 1u << account;
  for (std::size_t i = 0; i < c.deferred.size();) {
    auto& p = c.deferred[i];
    if (!(p.account_mask & bit)) {
      ++i;
      continue;
    }
    p.account_mask &= ~bit;
    if (p.account_mask != 0) {
      ++i;
      continue;
    }
    Decision& rec = new_decision(c, trigger, now);
    rec.set_dispatch_id(p.dispatch_id.hex());
    rec.set_channel(to_proto(p.channel));
    rec.set_outcome(reminder::v1::OUTCOME_SUPPRESSED);
    rec.set_reason(reason);
    rec.set_rule("pending.cancelled");
    assign(rec.mutable_template_id(), store_.labels().text(p.template_id));
    record(rec, p.channel, sink);
    c.deferred.erase(c.deferred.begin() + static_cast<std::ptrdiff_t>(i));
    --deferred_total_;
  }
}

void Dispatcher::fire_due(absl::Time now, DispatchSink& sink) {
  // Lanes may be added while this runs (a re-deferral to a new queue):
  // index, never hold a reference across decide_and_act.
  for (scheduler::LaneId lane = 0; lane < schedule_.lane_count(); ++lane) {
    if (paused_[rules::channel_index(schedule_.lane_channel(lane))]) continue;
    while (const auto entry = schedule_.due_front(lane, now)) {
      CustomerState& c = store_.at(entry->customer);
      auto it = std::find_if(c.deferred.begin(), c.deferred.end(), [&](const auto& p) {
        return static_cast<std::uint32_t>(p.dispatch_id.lo) == entry->tag && p.due == entry->due;
      });
      // Cancelled, already sent, or moved to a later time: takes no slot.
      if (it == c.deferred.end()) {
        schedule_.pop(lane);
        continue;
      }
      if (!schedule_.pacer(lane).available(now)) break;  // the rest waits, in order
      schedule_.pop(lane);
      Contact contact;
      contact.intent.channel = it->channel;
      contact.intent.account_mask = it->account_mask;
      contact.intent.handoff = it->handoff();
      // Labels point into the LabelTable: stable while the deferral goes.
      contact.template_id = store_.labels().text(it->template_id);
      contact.queue = store_.labels().text(it->queue);
      contact.priority = it->priority;
      contact.dispatch_id = it->dispatch_id;
      const Trigger trigger{nullptr, {}, {}};
      decide_and_act(entry->customer, contact, trigger,
                     static_cast<int>(it - c.deferred.begin()), now, sink);
    }
  }
}

absl::Time Dispatcher::run_clock(absl::Time from, absl::Time to, DispatchSink& sink) {
  absl::Time cursor = from;
  while (const auto wake = next_wake(cursor)) {
    if (*wake > to) break;
    cursor = std::max(cursor, *wake);
    fire_due(cursor, sink);
  }
  return cursor;
}

void Dispatcher::prune_attempts(CustomerState& c, absl::Time now) const {
  const std::int64_t horizon = absl::ToUnixSeconds(now - attempt_retention_);
  auto keep = std::find_if(c.attempts.begin(), c.attempts.end(),
                           [&](const state::Attempt& a) { return a.at >= horizon; });
  c.attempts.erase(c.attempts.begin(), keep);
}

void Dispatcher::mark_changed(state::CustomerIndex ci) {
  if (changed_flag_.size() <= ci) changed_flag_.resize(ci + 1, false);
  if (changed_flag_[ci]) return;
  changed_flag_[ci] = true;
  changed_.push_back(ci);
}

bool Dispatcher::restore_record(std::string_view record) {
  state::CustomerState customer;
  if (!state::decode_state(record, store_.labels(), customer)) return false;
  restore(std::move(customer));
  return true;
}

void Dispatcher::restore(state::CustomerState customer) {
  const state::CustomerIndex ci = store_.find_or_add(customer.customer_id);
  state::CustomerState& c = store_.at(ci);
  deferred_total_ -= c.deferred.size();
  customer.customer_id = std::move(c.customer_id);  // the index keys on this string
  c = std::move(customer);
  for (const auto& d : c.deferred) schedule(ci, d);
  deferred_total_ += c.deferred.size();
}

Dispatcher::StateSummary Dispatcher::summarize(absl::Time now) const {
  StateSummary out;
  out.customers = static_cast<std::int64_t>(store_.size());
  out.bytes = static_cast<std::int64_t>(store_.approximate_bytes());
  const std::int64_t now_s = absl::ToUnixSeconds(now);
  std::int64_t oldest = 0;
  std::int64_t deferred_capacity = 0;
  for (std::size_t i = 0; i < store_.size(); ++i) {
    const auto& c = store_.at(static_cast<state::CustomerIndex>(i));
    deferred_capacity += static_cast<std::int64_t>(c.deferred.capacity());
    for (const auto& p : c.deferred) {
      const int ch = rules::channel_index(p.channel);
      ++out.deferred_by_channel[ch];
      ++out.deferred_total;
      if (p.due <= now_s) ++out.backlog_by_channel[ch];
      if (p.due < now_s) oldest = std::max(oldest, now_s - std::int64_t{p.due});
    }
  }
  out.oldest_overdue_seconds = static_cast<double>(oldest);
  out.schedule_bytes = deferred_capacity * static_cast<std::int64_t>(sizeof(state::DeferredContact)) +
                       static_cast<std::int64_t>(schedule_.approximate_bytes());
  return out;
}

void Dispatcher::report_state(absl::Time now) {
  const auto s = summarize(now);
  state_probe_.set_customers(s.customers);
  for (Channel ch : rules::kAllChannels) {
    state_probe_.set_deferred(ch, s.deferred_by_channel[rules::channel_index(ch)]);
  }
  for (Channel ch : rules::kAllChannels) {
    state_probe_.set_backlog(ch, s.backlog_by_channel[rules::channel_index(ch)]);
  }
  state_probe_.set_oldest_overdue_seconds(s.oldest_overdue_seconds);
  state_probe_.set_state_bytes(s.bytes);
}

}  // namespace reminder::pipeline
