#pragma once

// Deterministic dispatch ids: FNV-1a (128-bit) over the fields that identify
// a decision, so a redelivered event or a restarted instance produces the same
// id and a downstream can deduplicate. Stable across builds and hosts (unlike
// absl::Hash, which is seeded per process).

#include <cstdint>
#include <string>
#include <string_view>

namespace reminder::state {

struct DispatchId {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  bool empty() const { return hi == 0 && lo == 0; }
  friend bool operator==(const DispatchId&, const DispatchId&) = default;
  std::string hex() const;  // 32 lowercase hex digits
};

class DispatchIdBuilder {
 public:
  DispatchIdBuilder& add(std::string_view field);
  DispatchIdBuilder& add(std::int64_t field);
  DispatchId build() const;

 private:
  unsigned __int128 h_ = (static_cast<unsigned __int128>(0x6c62272e07bb0142ULL) << 64) |
                         0x62b821756295c58dULL;  // FNV-1a 128 offset basis
  void mix(std::uint8_t byte);
};

// 64-bit FNV-1a, for event-id dedupe hashes.
std::uint64_t fnv1a64(std::string_view s);

}  // namespace reminder::state
