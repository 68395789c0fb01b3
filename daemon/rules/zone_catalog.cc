#include "rules/zone_catalog.h"

#include "state/customer_state.h"

namespace reminder::rules {

const absl::TimeZone* ZoneCatalog::find(std::string_view name) const {
  if (name.empty()) return nullptr;
  auto it = cache_.find(absl::string_view(name.data(), name.size()));
  if (it == cache_.end()) {
    absl::TimeZone tz;
    std::optional<absl::TimeZone> loaded;
    if (absl::LoadTimeZone(std::string(name), &tz)) loaded = tz;
    it = cache_.emplace(std::string(name), loaded).first;
  }
  return it->second ? &*it->second : nullptr;
}

namespace {
const std::vector<std::string>* jurisdiction_list(const Policy& policy, std::string_view j) {
  if (j.empty()) return nullptr;
  if (auto it = policy.jurisdiction_zones.find(absl::string_view(j.data(), j.size())); it != policy.jurisdiction_zones.end()) {
    return &it->second;
  }
  auto dash = j.find('-');
  if (dash != std::string_view::npos) {
    const std::string_view country = j.substr(0, dash);
    if (auto it = policy.jurisdiction_zones.find(absl::string_view(country.data(), country.size()));
        it != policy.jurisdiction_zones.end()) {
      return &it->second;
    }
  }
  return nullptr;
}
}  // namespace

ZoneSet customer_zones(const state::CustomerState& customer, const Policy& policy,
                       const ZoneCatalog& zones) {
  ZoneSet out;
  if (const auto* tz = zones.find(customer.time_zone)) {
    out.push_back(*tz);
    return out;
  }
  const auto* names = jurisdiction_list(policy, customer.jurisdiction);
  if (names == nullptr) names = &policy.unknown_location_zones;
  for (const auto& n : *names) {
    // Policy zones are validated at load; a zone that stopped loading makes
    // the set empty rather than smaller, so nobody is contacted on a guess.
    const auto* tz = zones.find(n);
    if (tz == nullptr) return {};
    out.push_back(*tz);
  }
  return out;
}

}  // namespace reminder::rules
