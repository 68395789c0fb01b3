#pragma once

// All customers' state held by this instance, addressed by a dense index so
// the schedule can refer to a customer in 4 bytes. Owned by the io_context
// thread: no locks.

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

#include "state/customer_state.h"
#include "state/label_table.h"

namespace reminder::state {

using CustomerIndex = std::uint32_t;

class StateStore {
 public:
  CustomerIndex find_or_add(std::string_view customer_id);
  std::optional<CustomerIndex> find(std::string_view customer_id) const;
  CustomerState& at(CustomerIndex i) { return customers_[i]; }
  const CustomerState& at(CustomerIndex i) const { return customers_[i]; }
  std::size_t size() const { return customers_.size(); }
  std::size_t approximate_bytes() const;
  // Template / queue names of the deferred contacts held here.
  LabelTable& labels() { return labels_; }
  const LabelTable& labels() const { return labels_; }

 private:
  // deque: element addresses are stable, so the index can key on the ids
  // stored inside the states without a second copy.
  std::deque<CustomerState> customers_;
  absl::flat_hash_map<std::string_view, CustomerIndex> index_;
  LabelTable labels_;
};

}  // namespace reminder::state
