#include "state/state_codec.h"

#include "reminder/v1/state.pb.h"

namespace reminder::state {

namespace {

void fill(const CustomerState& s, const LabelTable& labels, reminder::v1::CustomerStateRecord& r) {
  r.set_format_version(kStateFormatVersion);
  r.set_customer_id(s.customer_id);
  r.set_time_zone(s.time_zone.view().data(), s.time_zone.view().size());
  r.set_jurisdiction(s.jurisdiction.view().data(), s.jurisdiction.view().size());
  r.set_phone(s.phone);
  r.set_email(s.email);
  r.set_locale(s.locale.view().data(), s.locale.view().size());
  for (const auto& a : s.accounts) {
    auto* ar = r.add_accounts();
    ar->set_account_id(a.account_id);
    const std::string_view currency = a.currency.view();
    ar->set_currency(currency.data(), currency.size());
    ar->set_product(a.product.view().data(), a.product.view().size());
    ar->set_due_date(day_to_text(a.due_day));
    ar->set_amount_due_minor(a.amount_due_minor);
    ar->set_minimum_due_minor(a.minimum_due_minor);
    ar->set_status_since(a.status_since);
    ar->set_last_right_party_contact(a.last_right_party_contact);
    ar->set_promise_until_day(a.promise_until_day);
    ar->set_days_past_due(a.days_past_due);
    for (auto d : a.last_step_dpd) ar->add_last_step_dpd(d);
    ar->set_status(static_cast<unsigned>(a.status));
    ar->set_disputed(a.disputed);
  }
  for (const auto& a : s.attempts) {
    r.add_attempt_at(a.at);
    r.add_attempt_account_mask(a.account_mask);
    r.add_attempt_channel(static_cast<unsigned>(a.channel));
  }
  for (const auto& d : s.deferred) {
    auto* dr = r.add_deferred();
    dr->set_dispatch_id_hi(d.dispatch_id.hi);
    dr->set_dispatch_id_lo(d.dispatch_id.lo);
    dr->set_due(d.due);
    dr->set_not_after(d.not_after);
    dr->set_created(d.created);
    const auto template_id = labels.text(d.template_id);
    const auto queue = labels.text(d.queue);
    dr->set_template_id(template_id.data(), template_id.size());
    dr->set_queue(queue.data(), queue.size());
    dr->set_account_mask(d.account_mask);
    dr->set_priority(d.priority);
    dr->set_channel(static_cast<unsigned>(d.channel));
    dr->set_handoff(d.handoff());
    dr->set_queued(d.queued());
  }
  for (int k = 0; k < kFlagCount; ++k) r.add_flag_until(s.flag_until[k]);
  for (auto e : s.recent_events) r.add_recent_events(e);
  r.set_recent_pos(s.recent_pos);
  r.set_opted_out_mask(s.opted_out_mask);
  r.set_invalid_contact_points(s.invalid_contact_points);
}

}  // namespace

void encode_state(const CustomerState& s, const LabelTable& labels, std::string& out) {
  StateEncoder().encode(s, labels, out);
}

StateEncoder::StateEncoder() : record_(std::make_unique<reminder::v1::CustomerStateRecord>()) {}
StateEncoder::~StateEncoder() = default;
StateEncoder::StateEncoder(StateEncoder&&) noexcept = default;
StateEncoder& StateEncoder::operator=(StateEncoder&&) noexcept = default;

void StateEncoder::encode(const CustomerState& s, const LabelTable& labels, std::string& out) {
  // Clear() keeps the repeated sub-messages and string buffers for reuse.
  record_->Clear();
  fill(s, labels, *record_);
  out.clear();
  record_->SerializeToString(&out);
}

namespace {
bool valid_channel(unsigned c) { return c >= 1 && c <= 3; }
}  // namespace

bool decode_state(std::string_view bytes, LabelTable& labels, CustomerState& s) {
  reminder::v1::CustomerStateRecord r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  if (r.format_version() != kStateFormatVersion) return false;
  if (r.accounts_size() > static_cast<int>(kMaxAccountsPerCustomer)) return false;
  if (r.attempt_at_size() != r.attempt_account_mask_size() ||
      r.attempt_at_size() != r.attempt_channel_size()) {
    return false;
  }
  if (r.flag_until_size() != kFlagCount || r.recent_events_size() != static_cast<int>(s.recent_events.size())) {
    return false;
  }
  s = CustomerState{};
  s.customer_id = r.customer_id();
  s.time_zone = labels.share(r.time_zone());
  s.jurisdiction = labels.share(r.jurisdiction());
  s.phone = r.phone();
  s.email = r.email();
  s.locale = labels.share(r.locale());
  for (const auto& ar : r.accounts()) {
    AccountState a;
    a.account_id = ar.account_id();
    if (!a.currency.assign(ar.currency())) return false;
    a.product = labels.share(ar.product());
    const auto due_day = day_from_text(ar.due_date());
    if (!due_day) return false;
    a.due_day = *due_day;
    a.amount_due_minor = ar.amount_due_minor();
    a.minimum_due_minor = ar.minimum_due_minor();
    a.status_since = ar.status_since();
    a.last_right_party_contact = ar.last_right_party_contact();
    a.promise_until_day = ar.promise_until_day();
    a.days_past_due = ar.days_past_due();
    if (ar.last_step_dpd_size() != 3 || ar.status() > 3) return false;
    for (int i = 0; i < 3; ++i) a.last_step_dpd[i] = static_cast<std::int16_t>(ar.last_step_dpd(i));
    a.status = static_cast<AccountStatus>(ar.status());
    a.disputed = ar.disputed();
    s.accounts.push_back(std::move(a));
  }
  for (int i = 0; i < r.attempt_at_size(); ++i) {
    if (!valid_channel(r.attempt_channel(i))) return false;
    s.attempts.push_back(Attempt{r.attempt_at(i), r.attempt_account_mask(i),
                                 static_cast<rules::Channel>(r.attempt_channel(i))});
  }
  for (const auto& dr : r.deferred()) {
    if (!valid_channel(dr.channel())) return false;
    if (dr.priority() < -32768 || dr.priority() > 32767) return false;
    DeferredContact d;
    d.dispatch_id = DispatchId{dr.dispatch_id_hi(), dr.dispatch_id_lo()};
    d.due = to_seconds32(dr.due());
    d.not_after = to_seconds32(dr.not_after());
    d.created = to_seconds32(dr.created());
    const auto template_id = labels.try_intern(dr.template_id());
    const auto queue = labels.try_intern(dr.queue());
    if (!template_id || !queue) return false;
    d.template_id = *template_id;
    d.queue = *queue;
    d.account_mask = dr.account_mask();
    d.priority = static_cast<std::int16_t>(dr.priority());
    d.channel = static_cast<rules::Channel>(dr.channel());
    d.flags = static_cast<std::uint8_t>((dr.handoff() ? kDeferredHandoff : 0) |
                                        (dr.queued() ? kDeferredQueued : 0));
    s.deferred.push_back(std::move(d));
  }
  for (int i = 0; i < kFlagCount; ++i) s.flag_until.set(i, r.flag_until(i));
  for (int i = 0; i < r.recent_events_size(); ++i) s.recent_events[i] = r.recent_events(i);
  s.recent_pos = static_cast<std::uint8_t>(r.recent_pos() % s.recent_events.size());
  s.opted_out_mask = static_cast<std::uint8_t>(r.opted_out_mask());
  s.invalid_contact_points = static_cast<std::uint8_t>(r.invalid_contact_points());
  return true;
}

}  // namespace reminder::state
