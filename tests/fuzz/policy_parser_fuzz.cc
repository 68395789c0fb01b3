// libFuzzer target: config::parse_policy on arbitrary text, as `reminderd
// check-config` and a SIGHUP reload would read a policy file.
//
// Checks: no crash, no exception escaping (parse_policy never throws), no
// sanitizer report, no hang (libFuzzer -timeout), no runaway memory
// (-rss_limit_mb / -malloc_limit_mb); an error carries the source name
// and a message.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "config/policy_loader.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "policy_parser_fuzz: %s %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto loaded = reminder::config::parse_policy(text, "fuzz.yaml");
  if (const auto* err = std::get_if<reminder::config::ConfigError>(&loaded)) {
    if (err->where.rfind("fuzz.yaml", 0) != 0) fail("error without the source name", err->where);
    if (err->message.empty()) fail("error without a message", err->where);
    return 0;
  }
  const auto& policy = std::get<reminder::rules::PolicyPtr>(loaded);
  if (!policy) fail("success without a policy");
  return 0;
}
