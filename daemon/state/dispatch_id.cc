#include "state/dispatch_id.h"

namespace reminder::state {
namespace {
// FNV-1a 128-bit prime: 2^88 + 2^8 + 0x3b.
constexpr unsigned __int128 kPrime128 = (static_cast<unsigned __int128>(1) << 88) + 0x13b;
}  // namespace

void DispatchIdBuilder::mix(std::uint8_t byte) {
  h_ ^= byte;
  h_ *= kPrime128;
}

DispatchIdBuilder& DispatchIdBuilder::add(std::string_view field) {
  for (char c : field) mix(static_cast<std::uint8_t>(c));
  mix(0xff);  // separator: "ab","c" and "a","bc" must differ (0xff never occurs in UTF-8)
  return *this;
}

DispatchIdBuilder& DispatchIdBuilder::add(std::int64_t field) {
  auto v = static_cast<std::uint64_t>(field);
  for (int i = 0; i < 8; ++i) mix(static_cast<std::uint8_t>(v >> (8 * i)));
  mix(0xff);
  return *this;
}

DispatchId DispatchIdBuilder::build() const {
  return DispatchId{static_cast<std::uint64_t>(h_ >> 64), static_cast<std::uint64_t>(h_)};
}

std::string DispatchId::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[15 - i] = kDigits[(hi >> (4 * i)) & 0xf];
    out[31 - i] = kDigits[(lo >> (4 * i)) & 0xf];
  }
  return out;
}

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h == 0 ? 1 : h;  // 0 marks an empty slot in the recent-events ring
}

}  // namespace reminder::state
