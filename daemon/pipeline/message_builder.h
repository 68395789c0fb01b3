#pragma once

// Builds the channel messages a downstream consumes from a send decision.

#include <absl/time/time.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "reminder/v1/dispatch.pb.h"
#include "rules/policy.h"
#include "state/customer_state.h"

namespace reminder::pipeline {

struct MessageFields {
  const state::CustomerState& customer;
  std::string_view dispatch_id;
  std::uint32_t account_mask;
  std::string_view template_id;
  std::string_view queue;
  int priority;
  absl::Time not_before;
  absl::Time not_after;
  bool handoff;
  const rules::Policy& policy;
};

// Into `out`, cleared first: a reused message keeps its buffers (no
// allocation per message once warm).
void build_sms(const MessageFields& f, reminder::v1::SmsMessage& out);
void build_email(const MessageFields& f, reminder::v1::EmailMessage& out);
void build_call_task(const MessageFields& f, reminder::v1::CallTask& out);

}  // namespace reminder::pipeline
