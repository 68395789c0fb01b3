#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace reminder::rules {

// The contact channels. Values match reminder.v1.Channel.
enum class Channel : std::uint8_t { kSms = 1, kEmail = 2, kCall = 3 };

inline constexpr std::array<Channel, 3> kAllChannels = {Channel::kSms, Channel::kEmail,
                                                        Channel::kCall};

// Dense index 0..2 for per-channel arrays.
constexpr int channel_index(Channel c) { return static_cast<int>(c) - 1; }

constexpr std::string_view channel_name(Channel c) {
  switch (c) {
    case Channel::kSms:
      return "sms";
    case Channel::kEmail:
      return "email";
    case Channel::kCall:
      return "call";
  }
  return "unknown";  // unreachable for valid enum values
}

std::optional<Channel> channel_from_name(std::string_view name);

}  // namespace reminder::rules
