#pragma once

// CustomerState <-> its changelog record (reminder.v1.CustomerStateRecord).

#include <string>
#include <string_view>

#include "state/customer_state.h"
#include "state/label_table.h"

namespace reminder::state {

inline constexpr unsigned kStateFormatVersion = 1;

// `labels` resolves the template / queue labels of the deferred contacts: the
// record holds the names, so it does not depend on one process's labels.
void encode_state(const CustomerState& state, const LabelTable& labels, std::string& out);

// False if the bytes are not a record of a format this build reads; `out`
// is then unspecified. Names are interned into `labels`.
bool decode_state(std::string_view bytes, LabelTable& labels, CustomerState& out);

}  // namespace reminder::state
