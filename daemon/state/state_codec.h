#pragma once

// CustomerState <-> its changelog record (reminder.v1.CustomerStateRecord).

#include <memory>
#include <string>
#include <string_view>

#include "state/customer_state.h"
#include "state/label_table.h"

namespace reminder::v1 {
class CustomerStateRecord;
}

namespace reminder::state {

inline constexpr unsigned kStateFormatVersion = 1;

// `labels` resolves the template / queue labels of the deferred contacts: the
// record holds the names, so it does not depend on one process's labels.
void encode_state(const CustomerState& state, const LabelTable& labels, std::string& out);

// The same, keeping its protobuf record between calls so that encoding the
// changelog's stream of customers allocates nothing once warm. One per
// thread (the Dispatcher owns one).
class StateEncoder {
 public:
  StateEncoder();
  ~StateEncoder();
  StateEncoder(const StateEncoder&) = delete;
  StateEncoder& operator=(const StateEncoder&) = delete;
  StateEncoder(StateEncoder&&) noexcept;
  StateEncoder& operator=(StateEncoder&&) noexcept;
  void encode(const CustomerState& state, const LabelTable& labels, std::string& out);

 private:
  std::unique_ptr<reminder::v1::CustomerStateRecord> record_;
};

// False if the bytes are not a record of a format this build reads; `out`
// is then unspecified. Names are interned into `labels`.
bool decode_state(std::string_view bytes, LabelTable& labels, CustomerState& out);

}  // namespace reminder::state
