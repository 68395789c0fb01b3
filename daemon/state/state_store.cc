#include "state/state_store.h"

namespace reminder::state {

CustomerIndex StateStore::find_or_add(std::string_view customer_id) {
  if (auto it = index_.find(customer_id); it != index_.end()) return *it;
  auto& c = customers_->emplace_back();
  c.customer_id = std::string(customer_id);
  auto i = static_cast<CustomerIndex>(customers_->size() - 1);
  index_.insert(i);
  return i;
}

std::optional<CustomerIndex> StateStore::find(std::string_view customer_id) const {
  if (auto it = index_.find(customer_id); it != index_.end()) return *it;
  return std::nullopt;
}

std::size_t StateStore::approximate_bytes() const {
  std::size_t n = index_.capacity() * (sizeof(CustomerIndex) + 1);
  for (const auto& c : *customers_) n += c.approximate_bytes();
  n += labels_.approximate_bytes();
  return n;
}

}  // namespace reminder::state
