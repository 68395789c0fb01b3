#pragma once

// "Why was customer X (not) contacted?": a JSON document built from the
// customer's state and a dry run of the rules for every channel at `now`.
// Personal data is masked: a phone shows its last two digits, an email its
// first letter and domain.

#include <absl/time/time.h>

#include <string>
#include <string_view>

#include "rules/policy.h"
#include "rules/zone_catalog.h"
#include "state/customer_state.h"

namespace reminder::explain {

// `labels`: the customer's partition's (StateStore::labels()).
std::string explain_customer(const state::CustomerState& customer,
                             const state::LabelTable& labels, const rules::Policy& policy,
                             const rules::ZoneCatalog& zones, absl::Time now);

std::string mask_phone(std::string_view phone);
std::string mask_email(std::string_view email);

}  // namespace reminder::explain
