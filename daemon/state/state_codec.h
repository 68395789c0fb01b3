#pragma once

// CustomerState <-> its changelog record (reminder.v1.CustomerStateRecord).

#include <string>
#include <string_view>

#include "state/customer_state.h"

namespace reminder::state {

inline constexpr unsigned kStateFormatVersion = 1;

void encode_state(const CustomerState& state, std::string& out);

// False if the bytes are not a record of a format this build reads; `out`
// is then unspecified.
bool decode_state(std::string_view bytes, CustomerState& out);

}  // namespace reminder::state
