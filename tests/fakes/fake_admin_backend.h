#pragma once

// An AdminBackend with scripted answers that records what it was asked.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/admin_api.h"
#include "rules/channel.h"

namespace reminder::testing {

class FakeAdminBackend final : public http::AdminBackend {
 public:
  std::string metrics =
      "# HELP reminderd_ready Ready.\n# TYPE reminderd_ready gauge\nreminderd_ready 1\n";
  bool is_live = true;
  http::ReadyState readiness{true, ""};
  std::map<std::string, std::string, std::less<>> customers;  // id -> explain JSON
  std::string channels = R"({"sms":{"paused":false}})";
  http::ReloadOutcome reload_outcome{true, "policy v2 loaded"};

  // Recorded calls.
  std::vector<std::string> explained;
  std::vector<std::pair<rules::Channel, bool>> paused_calls;
  int reloads = 0;

  std::string metrics_text() override { return metrics; }
  bool live() override { return is_live; }
  http::ReadyState ready() override { return readiness; }
  std::string explain_customer_json(std::string_view customer_id) override {
    explained.emplace_back(customer_id);
    const auto it = customers.find(customer_id);
    return it == customers.end() ? std::string() : it->second;
  }
  void set_channel_paused(rules::Channel channel, bool paused) override {
    paused_calls.emplace_back(channel, paused);
  }
  std::string channels_json() override { return channels; }
  http::ReloadOutcome reload_policy() override {
    ++reloads;
    return reload_outcome;
  }
};

}  // namespace reminder::testing
