#include "http/admin_api.h"

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iterator>
#include <optional>

namespace reminder::http {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kRealm = "Bearer realm=\"reminderd-admin\"";

HttpResponse make(int status, std::string_view content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::string(content_type);
  r.body = std::move(body);
  return r;
}

HttpResponse json_error(int status, std::string_view code, std::string_view message) {
  return make(status, kJson,
              "{\"error\":" + json_string(code) + ",\"message\":" + json_string(message) + "}\n");
}

HttpResponse method_not_allowed(std::string_view allowed) {
  HttpResponse r = json_error(405, "method_not_allowed", "use " + std::string(allowed));
  r.headers.emplace_back("Allow", std::string(allowed));
  return r;
}

HttpResponse not_found() { return json_error(404, "not_found", "no such endpoint"); }

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// ASCII case-insensitive equality (auth schemes are case-insensitive).
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The credentials of "Bearer <token>" (scheme case-insensitive, RFC 7235);
// nullopt for a missing header or another scheme.
std::optional<std::string_view> bearer_token(std::string_view header) {
  header = trim(header);
  constexpr std::string_view kScheme = "Bearer";
  if (header.size() <= kScheme.size() || !iequals(header.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  const std::string_view rest = header.substr(kScheme.size());
  if (rest.front() != ' ' && rest.front() != '\t') return std::nullopt;
  const std::string_view token = trim(rest);
  if (token.empty()) return std::nullopt;
  return token;
}

// nullopt if the request may go on, else the refusal.
std::optional<HttpResponse> check_admin_auth(const HttpRequest& req, const AdminAuth& auth) {
  if (!auth.enabled()) {
    return json_error(403, "admin_disabled", "admin API disabled: no admin token configured");
  }
  const std::optional<std::string_view> token = bearer_token(req.authorization);
  if (!token) {
    HttpResponse r = json_error(401, "unauthorized", "missing bearer token");
    r.headers.emplace_back("WWW-Authenticate", std::string(kRealm));
    return r;
  }
  if (!constant_time_equals(*token, auth.token)) {
    HttpResponse r = json_error(401, "unauthorized", "invalid bearer token");
    r.headers.emplace_back("WWW-Authenticate", std::string(kRealm) + ", error=\"invalid_token\"");
    return r;
  }
  return std::nullopt;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes one path segment; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::optional<rules::Channel> parse_channel(std::string_view name) {
  for (const rules::Channel c : rules::kAllChannels) {
    if (rules::channel_name(c) == name) return c;
  }
  return std::nullopt;
}

// Splits "/a/b/c" into {"a","b","c"}; an empty segment ("//", trailing "/")
// is kept so such paths do not alias the clean ones.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

HttpResponse route_admin(const HttpRequest& req, const std::vector<std::string_view>& parts,
                         AdminBackend& backend) {
  const bool get = req.method == "GET";
  const bool post = req.method == "POST";
  // parts[0] == "admin"
  if (parts.size() == 3 && parts[1] == "customers") {
    if (!get) return method_not_allowed("GET");
    const std::optional<std::string> id = percent_decode(parts[2]);
    if (!id) return json_error(400, "bad_request", "malformed percent-encoding in customer id");
    if (id->empty()) return not_found();
    std::string doc = backend.explain_customer_json(*id);
    // The id is not echoed: error bodies end up in logs and tickets.
    if (doc.empty()) return json_error(404, "unknown_customer", "customer not known here");
    return make(200, kJson, std::move(doc));
  }
  if (parts.size() == 2 && parts[1] == "channels") {
    if (!get) return method_not_allowed("GET");
    return make(200, kJson, backend.channels_json());
  }
  if (parts.size() == 4 && parts[1] == "channels" &&
      (parts[3] == "pause" || parts[3] == "resume")) {
    if (!post) return method_not_allowed("POST");
    const std::optional<rules::Channel> channel = parse_channel(parts[2]);
    if (!channel) return json_error(404, "unknown_channel", "channel must be sms, email or call");
    const bool paused = parts[3] == "pause";
    backend.set_channel_paused(*channel, paused);
    return make(200, kJson,
                "{\"channel\":" + json_string(rules::channel_name(*channel)) +
                    ",\"paused\":" + (paused ? "true" : "false") + "}\n");
  }
  if (parts.size() == 2 && parts[1] == "reload") {
    if (!post) return method_not_allowed("POST");
    const ReloadOutcome outcome = backend.reload_policy();
    // 422: the request was fine, the policy file is not; the old policy stays.
    return make(outcome.ok ? 200 : 422, kJson,
                std::string("{\"ok\":") + (outcome.ok ? "true" : "false") +
                    ",\"message\":" + json_string(outcome.message) + "}\n");
  }
  return not_found();
}

HttpResponse route(const HttpRequest& req, AdminBackend& backend, const AdminAuth& auth) {
  std::string_view path = req.target;
  path = path.substr(0, path.find_first_of("?#"));
  const std::vector<std::string_view> parts = split_path(path);
  if (parts.empty()) return not_found();

  if (parts[0] == "admin") {
    // Authenticate before routing, so an anonymous client learns nothing
    // about which admin endpoints exist.
    if (std::optional<HttpResponse> refusal = check_admin_auth(req, auth)) return *refusal;
    return route_admin(req, parts, backend);
  }
  if (parts.size() != 1) return not_found();
  if (parts[0] == "metrics") {
    if (req.method != "GET") return method_not_allowed("GET");
    return make(200, kPrometheusText, backend.metrics_text());
  }
  if (parts[0] == "healthz") {
    if (req.method != "GET") return method_not_allowed("GET");
    return backend.live() ? make(200, kText, "ok\n") : make(503, kText, "not live\n");
  }
  if (parts[0] == "readyz") {
    if (req.method != "GET") return method_not_allowed("GET");
    const ReadyState state = backend.ready();
    if (state.ready) return make(200, kText, "ready\n");
    return make(503, kText, "not ready: " + (state.why.empty() ? "unknown" : state.why) + "\n");
  }
  return not_found();
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n;
  std::uint32_t min;
  std::uint32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, min = 0x80, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, min = 0x800, cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string json_string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

bool constant_time_equals(std::string_view given, std::string_view expected) {
  // Walks `expected` fully whatever `given` holds; a length mismatch is
  // folded into the result rather than returned early.
  volatile unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff = diff | static_cast<unsigned char>(g ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0 && !expected.empty();
}

AdminAuth load_admin_token(const std::string& token_file, const std::string& env_var) {
  if (!token_file.empty()) {
    std::ifstream in(token_file, std::ios::binary);
    if (in) {
      const std::string content((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
      const std::string_view token = trim(content);
      if (!token.empty()) return AdminAuth{std::string(token), "file " + token_file};
    }
  }
  if (!env_var.empty()) {
    if (const char* value = std::getenv(env_var.c_str())) {
      const std::string_view token = trim(value);
      if (!token.empty()) return AdminAuth{std::string(token), "env " + env_var};
    }
  }
  return AdminAuth{"", "none"};
}

HttpResponse handle_request(const HttpRequest& request, AdminBackend& backend,
                            const AdminAuth& auth) {
  try {
    return route(request, backend, auth);
  } catch (const std::exception&) {
    // Details stay out of the response: they may name a customer.
    return json_error(500, "internal", "internal error");
  }
}

}  // namespace reminder::http
