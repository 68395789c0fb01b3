#pragma once

// Request routing for the daemon's HTTP port, without sockets: the server
// (http_server.h) parses a request into HttpRequest and writes back the
// HttpResponse; everything here is a pure function of the request and the
// backend, so every route is unit-testable.
//
//   GET  /metrics                       Prometheus text format
//   GET  /healthz                       200 "ok" | 503 (not live)
//   GET  /readyz                        200 "ready" | 503 "not ready: <why>"
//   GET  /admin/customers/{id}          explain a customer (404 if unknown)
//   GET  /admin/channels                channel states
//   POST /admin/channels/{ch}/pause     kill switch on  (ch: sms | email | call)
//   POST /admin/channels/{ch}/resume    kill switch off
//   POST /admin/reload                  validate and swap the policy
//
// /admin/* needs "Authorization: Bearer <token>". Without a configured token
// the admin API is disabled (403): it fails closed.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/channel.h"

namespace reminder::http {

struct HttpRequest {
  std::string method;         // "GET", "POST", ... (case-sensitive)
  std::string target;         // origin-form: path plus optional "?query"
  std::string authorization;  // the Authorization header value, "" if absent
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  // Extra headers the status needs (WWW-Authenticate on 401, Allow on 405).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ReadyState {
  bool ready = false;
  std::string why;  // for operators when not ready, e.g. "restoring partition 3"
};

struct ReloadOutcome {
  bool ok = false;
  std::string message;  // on failure: why the new policy was rejected (old one kept)
};

// What the routes need from the daemon. Called on the io_context thread.
class AdminBackend {
 public:
  virtual ~AdminBackend() = default;
  virtual std::string metrics_text() = 0;
  virtual bool live() = 0;
  virtual ReadyState ready() = 0;
  // A JSON document explaining the customer's state and recent decisions;
  // "" if the customer is unknown on this instance.
  virtual std::string explain_customer_json(std::string_view customer_id) = 0;
  virtual void set_channel_paused(rules::Channel channel, bool paused) = 0;
  virtual std::string channels_json() = 0;
  virtual ReloadOutcome reload_policy() = 0;
};

struct AdminAuth {
  std::string token;   // expected bearer token; empty = admin API disabled
  std::string source;  // where it came from, for logs: "file <path>", "env <VAR>", "none"

  bool enabled() const { return !token.empty(); }
};

// The token from `token_file` (surrounding whitespace trimmed) if it names a
// readable, non-empty file, else from the environment variable `env_var`,
// else empty (admin disabled). Never log the returned token.
AdminAuth load_admin_token(const std::string& token_file, const std::string& env_var);

HttpResponse handle_request(const HttpRequest& request, AdminBackend& backend,
                            const AdminAuth& auth);

// A JSON string literal (with quotes): escapes quotes, backslashes and control
// characters; invalid UTF-8 becomes U+FFFD so the document stays well-formed.
std::string json_string(std::string_view s);

// Equal without an early exit; the running time depends on `expected` only.
bool constant_time_equals(std::string_view given, std::string_view expected);

}  // namespace reminder::http
