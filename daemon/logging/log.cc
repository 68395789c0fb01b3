#include "logging/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace reminder::logging {
namespace {

spdlog::level::level_enum to_spdlog(Level l) {
  switch (l) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

bool parse_level(std::string_view name, Level& out) {
  if (name == "trace") out = Level::kTrace;
  else if (name == "debug") out = Level::kDebug;
  else if (name == "info") out = Level::kInfo;
  else if (name == "warn") out = Level::kWarn;
  else if (name == "error") out = Level::kError;
  else return false;
  return true;
}

void init(std::string_view level) {
  auto logger = spdlog::stderr_logger_mt("reminderd");
  // One JSON object per line; %v is the already-escaped field list.
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  Level l = Level::kInfo;
  parse_level(level, l);
  logger->set_level(to_spdlog(l));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

void log(Level level, std::string_view event, std::initializer_list<Field> fields) {
  auto logger = spdlog::default_logger_raw();
  const auto lvl = to_spdlog(level);
  if (!logger->should_log(lvl)) return;
  std::string line = "\"event\":\"" + json_escape(event) + "\"";
  for (const auto& f : fields) {
    line += ",\"";
    line += json_escape(f.key);
    line += "\":\"";
    line += json_escape(f.value);
    line += '"';
  }
  logger->log(lvl, "{}", line);
}

}  // namespace reminder::logging
