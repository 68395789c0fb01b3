#include "rules/policy.h"

namespace reminder::rules {

ChannelCapacity PacingRules::capacity(Channel channel, std::string_view queue) const {
  switch (channel) {
    case Channel::kSms:
      return sms;
    case Channel::kEmail:
      return email;
    case Channel::kCall:
      if (auto it = call_per_hour_by_queue.find(absl::string_view(queue.data(), queue.size()));
          it != call_per_hour_by_queue.end()) {
        return ChannelCapacity{it->second, absl::Hours(1)};
      }
      return call_default;
  }
  return ChannelCapacity{};
}

}  // namespace reminder::rules
