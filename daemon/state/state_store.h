#pragma once

// All customers' state held by this instance, addressed by a dense index so
// the schedule can refer to a customer in 4 bytes. Owned by the io_context
// thread: no locks.

#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>

#include "state/customer_state.h"
#include "state/label_table.h"

namespace reminder::state {

using CustomerIndex = std::uint32_t;

class StateStore {
 public:
  StateStore() = default;
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;
  // Moving keeps the customers where they are (on the heap), so the index's
  // functors stay valid. A moved-from store is not used again.
  StateStore(StateStore&&) = default;
  StateStore& operator=(StateStore&&) = default;

  CustomerIndex find_or_add(std::string_view customer_id);
  std::optional<CustomerIndex> find(std::string_view customer_id) const;
  CustomerState& at(CustomerIndex i) { return (*customers_)[i]; }
  const CustomerState& at(CustomerIndex i) const { return (*customers_)[i]; }
  std::size_t size() const { return customers_->size(); }
  std::size_t approximate_bytes() const;
  // Template / queue names of the deferred contacts held here.
  LabelTable& labels() { return labels_; }
  const LabelTable& labels() const { return labels_; }

 private:
  // A deque (element addresses are stable) on the heap (its address survives
  // a move of the store): the index reads the ids stored in the states.
  std::unique_ptr<std::deque<CustomerState>> customers_ =
      std::make_unique<std::deque<CustomerState>>();
  // The index holds 4-byte customer indexes, hashed and compared by the id
  // stored in the customer's state (a map keyed by string_view took 24-byte
  // slots, ~35 bytes per customer at its load factor).
  struct IdHash {
    using is_transparent = void;
    const std::deque<CustomerState>* customers;
    std::size_t operator()(std::string_view id) const { return absl::Hash<std::string_view>{}(id); }
    std::size_t operator()(CustomerIndex i) const { return (*this)((*customers)[i].customer_id); }
  };
  struct IdEq {
    using is_transparent = void;
    const std::deque<CustomerState>* customers;
    std::string_view id(CustomerIndex i) const { return (*customers)[i].customer_id; }
    bool operator()(CustomerIndex a, CustomerIndex b) const { return a == b; }
    bool operator()(CustomerIndex a, std::string_view b) const { return id(a) == b; }
    bool operator()(std::string_view a, CustomerIndex b) const { return a == id(b); }
  };
  absl::flat_hash_set<CustomerIndex, IdHash, IdEq> index_{0, IdHash{customers_.get()},
                                                          IdEq{customers_.get()}};
  LabelTable labels_;
};

}  // namespace reminder::state
