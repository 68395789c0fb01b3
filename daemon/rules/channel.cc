#include "rules/channel.h"

namespace reminder::rules {

std::optional<Channel> channel_from_name(std::string_view name) {
  for (Channel c : kAllChannels) {
    if (channel_name(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace reminder::rules
