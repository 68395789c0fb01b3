#pragma once

// The one error type of the config loaders: where it is and what is wrong,
// ready to print for `reminderd check-config` and the reload log line.

#include <string>
#include <variant>

namespace reminder::config {

struct ConfigError {
  std::string where;    // "FILE:LINE:COL" (1-based) or "FILE" when no position applies
  std::string message;  // stable wording: tests and runbooks match it exactly

  std::string to_string() const { return where + ": " + message; }
};

// Either the loaded value or the first error found. Loaders never throw.
template <class T>
using Loaded = std::variant<T, ConfigError>;

}  // namespace reminder::config
