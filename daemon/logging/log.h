#pragma once

// Structured JSON-line logs through spdlog. Callers pass an event name and
// key/value fields; values are escaped here. Personal data (phone, email,
// names, amounts) must never be passed: log ids and codes only.

#include <initializer_list>
#include <string>
#include <string_view>

namespace reminder::logging {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <class Number, class = std::enable_if_t<std::is_arithmetic_v<Number>>>
  Field(std::string_view k, Number n) : key(k), value(std::to_string(n)) {}
};

// Sets up the process-wide JSON logger on stderr. Called once by app/.
void init(std::string_view level);
bool parse_level(std::string_view name, Level& out);

void log(Level level, std::string_view event, std::initializer_list<Field> fields = {});
inline void debug(std::string_view e, std::initializer_list<Field> f = {}) { log(Level::kDebug, e, f); }
inline void info(std::string_view e, std::initializer_list<Field> f = {}) { log(Level::kInfo, e, f); }
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) { log(Level::kWarn, e, f); }
inline void error(std::string_view e, std::initializer_list<Field> f = {}) { log(Level::kError, e, f); }

// JSON string escaping (without the surrounding quotes).
std::string json_escape(std::string_view s);

}  // namespace reminder::logging
