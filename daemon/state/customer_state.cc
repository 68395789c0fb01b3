#include "state/customer_state.h"

#include <algorithm>

namespace reminder::state {

int CustomerState::find_account(std::string_view account_id) const {
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    if (accounts[i].account_id == account_id) return static_cast<int>(i);
  }
  return -1;
}

int CustomerState::upsert_account(std::string_view account_id) {
  int i = find_account(account_id);
  if (i >= 0) return i;
  if (accounts.size() >= kMaxAccountsPerCustomer) return -1;
  accounts.emplace_back().account_id = std::string(account_id);
  return static_cast<int>(accounts.size() - 1);
}

bool CustomerState::saw_event(std::uint64_t event_hash) const {
  return std::find(recent_events.begin(), recent_events.end(), event_hash) != recent_events.end();
}

void CustomerState::remember_event(std::uint64_t event_hash) {
  recent_events[recent_pos] = event_hash;
  recent_pos = static_cast<std::uint8_t>((recent_pos + 1) % recent_events.size());
}

std::size_t CustomerState::approximate_bytes() const {
  auto str = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  std::size_t n = sizeof(CustomerState) + str(customer_id) + str(time_zone) + str(jurisdiction) + str(phone) +
                  str(email) + str(locale);
  for (const auto& a : accounts) {
    n += sizeof(AccountState) + str(a.account_id) + str(a.currency) + str(a.product) +
         str(a.due_date);
  }
  n += attempts.capacity() * sizeof(Attempt);
  n += deferred.capacity() * sizeof(DeferredContact);
  return n;
}

}  // namespace reminder::state
