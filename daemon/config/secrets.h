#pragma once

// Reads the secrets named by `kafka_secrets:` (a password, a key) from their
// files or environment variables, at start-up only. Errors name the property
// and the file or variable, never any of its content; the values go to
// librdkafka and nowhere else (no log line, no metric, no HTTP answer).

#include <map>
#include <string>

#include "config/config_error.h"
#include "config/daemon_config.h"

namespace reminder::config {

inline constexpr std::size_t kMaxSecretBytes = 64 * 1024;

// Property -> value. A file's content is taken as is, less one trailing
// "\n" or "\r\n" (what `echo` and editors add). Empty values, NUL bytes,
// files over kMaxSecretBytes and anything but a regular file are errors.
Loaded<std::map<std::string, std::string>> resolve_secrets(
    const std::map<std::string, SecretRef>& refs);

}  // namespace reminder::config
