#include "state/customer_state.h"

#include <absl/time/civil_time.h>

#include <algorithm>

namespace reminder::state {

std::optional<std::int32_t> day_from_text(std::string_view v) {
  if (v.empty()) return kNoDay;
  if (v.size() != 10) return std::nullopt;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? v[i] != '-' : (v[i] < '0' || v[i] > '9')) return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) {
    int x = 0;
    for (std::size_t i = at; i < at + n; ++i) x = x * 10 + (v[i] - '0');
    return x;
  };
  const int year = num(0, 4), month = num(5, 2), day = num(8, 2);
  if (year < 1900 || year > 2200) return std::nullopt;
  const absl::CivilDay d(year, month, day);  // normalises an impossible date
  if (d.year() != year || d.month() != month || d.day() != day) return std::nullopt;
  return static_cast<std::int32_t>(d - absl::CivilDay(1970, 1, 1));
}

std::string day_to_text(std::int32_t day) {
  if (day == kNoDay) return {};
  // By hand: absl::FormatCivilTime goes through a strftime-like formatter,
  // and this runs for every changelog record and channel message.
  const absl::CivilDay d = absl::CivilDay(1970, 1, 1) + day;
  const auto year = static_cast<int>(d.year());
  if (year < 0 || year > 9999) return absl::FormatCivilTime(d);
  char out[10] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0'};
  auto put = [&](int at, int width, int value) {
    for (int i = at + width - 1; i >= at; --i, value /= 10)
      out[i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, year);
  put(5, 2, d.month());
  put(8, 2, d.day());
  return std::string(out, sizeof out);
}

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
  std::size_t n = sizeof(CustomerState) + str(customer_id) + str(phone) + str(email);
  if (accounts.capacity() > 1) n += accounts.capacity() * sizeof(AccountState);  // spilled
  for (const auto& a : accounts) n += str(a.account_id);
  n += attempts.capacity() * sizeof(Attempt);
  n += deferred.capacity() * sizeof(DeferredContact);
  n += flag_until.heap_bytes();
  return n;
}

}  // namespace reminder::state
