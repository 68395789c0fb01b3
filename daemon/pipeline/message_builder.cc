#include "pipeline/message_builder.h"

namespace reminder::pipeline {
namespace {

void set_timestamp(google::protobuf::Timestamp* ts, absl::Time t) {
  ts->set_seconds(absl::ToUnixSeconds(t));
}

// The fields every channel message shares; templated because the three
// message types are distinct protobuf classes with the same field names.
template <class Message>
void fill_common(Message& m, const MessageFields& f) {
  m.set_dispatch_id(f.dispatch_id.data(), f.dispatch_id.size());
  m.set_customer_id(f.customer.customer_id);
  m.set_template_id(f.template_id.data(), f.template_id.size());
  m.set_locale(f.customer.locale.view().data(), f.customer.locale.view().size());
  m.set_priority(f.priority);
  set_timestamp(m.mutable_not_before(), f.not_before);
  set_timestamp(m.mutable_not_after(), f.not_after);
  for (std::size_t i = 0; i < f.customer.accounts.size(); ++i) {
    if (!(f.account_mask >> i & 1u)) continue;
    const auto& a = f.customer.accounts[i];
    m.add_account_ids(a.account_id);
    auto* due = m.add_accounts();
    due->set_account_id(a.account_id);
    const std::string_view currency = a.currency.view();
    due->mutable_amount_due()->set_currency_code(currency.data(), currency.size());
    due->mutable_amount_due()->set_minor_units(a.amount_due_minor);
    due->mutable_minimum_due()->set_currency_code(currency.data(), currency.size());
    due->mutable_minimum_due()->set_minor_units(a.minimum_due_minor);
    due->set_due_date(state::day_to_text(a.due_day));
    due->set_days_past_due(a.days_past_due);
    due->set_product(a.product.view().data(), a.product.view().size());
  }
}

}  // namespace

void build_sms(const MessageFields& f, reminder::v1::SmsMessage& m) {
  m.Clear();
  fill_common(m, f);
  m.set_phone(f.customer.phone);
  m.set_opt_out_instruction(f.policy.opt_out_instruction[rules::channel_index(rules::Channel::kSms)]);
}

void build_email(const MessageFields& f, reminder::v1::EmailMessage& m) {
  m.Clear();
  fill_common(m, f);
  m.set_email(f.customer.email);
  m.set_opt_out_instruction(
      f.policy.opt_out_instruction[rules::channel_index(rules::Channel::kEmail)]);
}

void build_call_task(const MessageFields& f, reminder::v1::CallTask& m) {
  m.Clear();
  fill_common(m, f);
  // A hand-off is a work item for legal / the agency, not a call to dial: it
  // carries no phone number, so no dialer can act on it outside the rules.
  if (!f.handoff) m.set_phone(f.customer.phone);
  m.set_queue(f.queue.data(), f.queue.size());
  m.set_handoff(f.handoff);
}

}  // namespace reminder::pipeline
