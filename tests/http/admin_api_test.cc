#include "http/admin_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fakes/fake_admin_backend.h"

namespace reminder::http {
namespace {

using reminder::testing::FakeAdminBackend;

// A strict JSON (RFC 8259) syntax check, enough to prove bodies are well-formed.
class JsonChecker {
 public:
  static bool valid(std::string_view s) {
    JsonChecker c(s);
    c.ws();
    if (!c.value()) return false;
    c.ws();
    return c.i_ == s.size();
  }

 private:
  explicit JsonChecker(std::string_view s) : s_(s) {}
  bool eof() const { return i_ >= s_.size(); }
  char peek() const { return eof() ? '\0' : s_[i_]; }
  void ws() {
    while (!eof() && (peek() == ' ' || peek() == '\n' || peek() == '\r' || peek() == '\t')) ++i_;
  }
  bool literal(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) return false;
    i_ += lit.size();
    return true;
  }
  bool value() {
    switch (peek()) {
      case '{': return object();
      case '[': return array();
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }
  bool object() {
    ++i_;
    ws();
    if (peek() == '}') return ++i_, true;
    while (true) {
      ws();
      if (!string()) return false;
      ws();
      if (peek() != ':') return false;
      ++i_;
      ws();
      if (!value()) return false;
      ws();
      if (peek() == '}') return ++i_, true;
      if (peek() != ',') return false;
      ++i_;
    }
  }
  bool array() {
    ++i_;
    ws();
    if (peek() == ']') return ++i_, true;
    while (true) {
      ws();
      if (!value()) return false;
      ws();
      if (peek() == ']') return ++i_, true;
      if (peek() != ',') return false;
      ++i_;
    }
  }
  bool string() {
    if (peek() != '"') return false;
    ++i_;
    while (!eof()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c == '\\') {
        const char e = peek();
        ++i_;
        if (e == 'u') {
          for (int k = 0; k < 4; ++k, ++i_) {
            if (!std::isxdigit(static_cast<unsigned char>(peek()))) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    const std::size_t start = i_;
    if (peek() == '-') ++i_;
    while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    if (peek() == '.') {
      ++i_;
      while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    }
    return i_ > start;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

const AdminAuth kAuth{"s3cret-token", "test"};

HttpRequest req(std::string method, std::string target, std::string authorization = "") {
  return HttpRequest{std::move(method), std::move(target), std::move(authorization), ""};
}

HttpRequest admin(std::string method, std::string target) {
  return req(std::move(method), std::move(target), "Bearer s3cret-token");
}

std::string header(const HttpResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

void expect_json(const HttpResponse& r) {
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_TRUE(JsonChecker::valid(r.body)) << r.body;
}

TEST(JsonCheckerTest, AcceptsValidRejectsBroken) {
  EXPECT_TRUE(JsonChecker::valid(R"({"a":[1,-2.5,true,null,"x\n\u00e9"],"b":{}})"));
  EXPECT_FALSE(JsonChecker::valid(R"({"a":"unterminated})"));
  EXPECT_FALSE(JsonChecker::valid("{\"a\":\"raw\nnewline\"}"));
  EXPECT_FALSE(JsonChecker::valid(R"({"a":"\q"})"));
  EXPECT_FALSE(JsonChecker::valid(R"({"a":1,})"));
}

TEST(AdminApiTest, MetricsServesPrometheusText) {
  FakeAdminBackend b;
  const HttpResponse r = handle_request(req("GET", "/metrics"), b, kAuth);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u) << r.content_type;
  EXPECT_EQ(r.body, b.metrics);
  // A query string does not change the route; no token needed.
  EXPECT_EQ(handle_request(req("GET", "/metrics?name[]=x"), b, AdminAuth{}).status, 200);
}

TEST(AdminApiTest, Healthz) {
  FakeAdminBackend b;
  HttpResponse r = handle_request(req("GET", "/healthz"), b, kAuth);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  b.is_live = false;
  r = handle_request(req("GET", "/healthz"), b, kAuth);
  EXPECT_EQ(r.status, 503);
}

TEST(AdminApiTest, ReadyzCarriesTheReason) {
  FakeAdminBackend b;
  EXPECT_EQ(handle_request(req("GET", "/readyz"), b, kAuth).status, 200);
  b.readiness = {false, "restoring partition 3 (41% done)"};
  const HttpResponse r = handle_request(req("GET", "/readyz"), b, kAuth);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("restoring partition 3 (41% done)"), std::string::npos) << r.body;
}

TEST(AdminApiTest, UnknownPathIs404) {
  FakeAdminBackend b;
  for (const char* target : {"/", "/nope", "/metrics/extra", "/healthz/", "//metrics", ""}) {
    const HttpResponse r = handle_request(req("GET", target), b, kAuth);
    EXPECT_EQ(r.status, 404) << target;
    expect_json(r);
  }
}

TEST(AdminApiTest, WrongMethodIs405WithAllow) {
  FakeAdminBackend b;
  for (const char* target : {"/metrics", "/healthz", "/readyz"}) {
    const HttpResponse r = handle_request(req("POST", target), b, kAuth);
    EXPECT_EQ(r.status, 405) << target;
    EXPECT_EQ(header(r, "Allow"), "GET");
    expect_json(r);
  }
  struct Case {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (const Case& c : {Case{"POST", "/admin/customers/c1", "GET"},
                        Case{"DELETE", "/admin/channels", "GET"},
                        Case{"GET", "/admin/channels/sms/pause", "POST"},
                        Case{"PUT", "/admin/channels/sms/resume", "POST"},
                        Case{"GET", "/admin/reload", "POST"}}) {
    const HttpResponse r = handle_request(admin(c.method, c.target), b, kAuth);
    EXPECT_EQ(r.status, 405) << c.method << " " << c.target;
    EXPECT_EQ(header(r, "Allow"), c.allow);
    expect_json(r);
  }
  EXPECT_TRUE(b.paused_calls.empty());
  EXPECT_EQ(b.reloads, 0);
}

TEST(AdminApiTest, AdminDisabledWithoutTokenFailsClosed) {
  FakeAdminBackend b;
  const AdminAuth disabled{"", "none"};
  for (const HttpRequest& r :
       {req("GET", "/admin/channels"), req("GET", "/admin/channels", "Bearer "),
        req("GET", "/admin/channels", "Bearer anything"), req("POST", "/admin/reload"),
        req("POST", "/admin/channels/sms/pause", "Bearer x"), req("GET", "/admin/customers/c1")}) {
    const HttpResponse resp = handle_request(r, b, disabled);
    EXPECT_EQ(resp.status, 403) << r.method << " " << r.target;
    expect_json(resp);
    EXPECT_NE(resp.body.find("admin_disabled"), std::string::npos);
  }
  EXPECT_TRUE(b.paused_calls.empty());
  EXPECT_EQ(b.reloads, 0);
  EXPECT_TRUE(b.explained.empty());
}

TEST(AdminApiTest, MissingTokenIs401WithChallenge) {
  FakeAdminBackend b;
  for (const char* authorization : {"", "Bearer", "Bearer   ", "Basic czNjcmV0LXRva2Vu",
                                    "Bearers3cret-token", "s3cret-token"}) {
    const HttpResponse r =
        handle_request(req("POST", "/admin/reload", authorization), b, kAuth);
    EXPECT_EQ(r.status, 401) << authorization;
    EXPECT_EQ(header(r, "WWW-Authenticate"), "Bearer realm=\"reminderd-admin\"") << authorization;
    expect_json(r);
  }
  EXPECT_EQ(b.reloads, 0);
}

TEST(AdminApiTest, WrongTokenIs401InvalidToken) {
  FakeAdminBackend b;
  for (const char* authorization : {"Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token2",
                                    "Bearer S3CRET-TOKEN", "Bearer s3cret-token x"}) {
    const HttpResponse r =
        handle_request(req("POST", "/admin/reload", authorization), b, kAuth);
    EXPECT_EQ(r.status, 401) << authorization;
    EXPECT_EQ(header(r, "WWW-Authenticate"),
              "Bearer realm=\"reminderd-admin\", error=\"invalid_token\"");
    expect_json(r);
    // The expected token never appears in a response.
    EXPECT_EQ(r.body.find("s3cret"), std::string::npos);
  }
  EXPECT_EQ(b.reloads, 0);
}

TEST(AdminApiTest, AuthBeforeRoutingHidesAdminPaths) {
  FakeAdminBackend b;
  EXPECT_EQ(handle_request(req("GET", "/admin/nope"), b, kAuth).status, 401);
  EXPECT_EQ(handle_request(req("GET", "/admin"), b, kAuth).status, 401);
  EXPECT_EQ(handle_request(admin("GET", "/admin/nope"), b, kAuth).status, 404);
  EXPECT_EQ(handle_request(admin("GET", "/admin"), b, kAuth).status, 404);
}

TEST(AdminApiTest, RightTokenAnySchemeCase) {
  FakeAdminBackend b;
  for (const char* authorization : {"Bearer s3cret-token", "bearer s3cret-token",
                                    "BEARER  s3cret-token ", "Bearer\ts3cret-token"}) {
    EXPECT_EQ(handle_request(req("GET", "/admin/channels", authorization), b, kAuth).status, 200)
        << authorization;
  }
}

TEST(AdminApiTest, ExplainCustomer) {
  FakeAdminBackend b;
  b.customers["c-1"] = R"({"customer_id":"c-1","decisions":[]})";
  b.customers["a/b c"] = R"({"customer_id":"a/b c"})";

  HttpResponse r = handle_request(admin("GET", "/admin/customers/c-1"), b, kAuth);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, b.customers["c-1"]);
  expect_json(r);

  r = handle_request(admin("GET", "/admin/customers/a%2Fb%20c"), b, kAuth);
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(b.explained.size(), 2u);
  EXPECT_EQ(b.explained[1], "a/b c");

  r = handle_request(admin("GET", "/admin/customers/c-404"), b, kAuth);
  EXPECT_EQ(r.status, 404);
  expect_json(r);
  EXPECT_EQ(r.body.find("c-404"), std::string::npos) << "ids are not echoed";

  EXPECT_EQ(handle_request(admin("GET", "/admin/customers/%zz"), b, kAuth).status, 400);
  EXPECT_EQ(handle_request(admin("GET", "/admin/customers/ab%2"), b, kAuth).status, 400);
  EXPECT_EQ(handle_request(admin("GET", "/admin/customers/"), b, kAuth).status, 404);
  EXPECT_EQ(handle_request(admin("GET", "/admin/customers"), b, kAuth).status, 404);
  EXPECT_EQ(handle_request(admin("GET", "/admin/customers/c-1/x"), b, kAuth).status, 404);
}

TEST(AdminApiTest, ChannelsList) {
  FakeAdminBackend b;
  const HttpResponse r = handle_request(admin("GET", "/admin/channels"), b, kAuth);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, b.channels);
  expect_json(r);
}

TEST(AdminApiTest, PauseAndResumeEachChannel) {
  FakeAdminBackend b;
  for (const rules::Channel c : rules::kAllChannels) {
    const std::string name(rules::channel_name(c));
    HttpResponse r = handle_request(admin("POST", "/admin/channels/" + name + "/pause"), b, kAuth);
    EXPECT_EQ(r.status, 200);
    expect_json(r);
    EXPECT_EQ(r.body, "{\"channel\":\"" + name + "\",\"paused\":true}\n");
    r = handle_request(admin("POST", "/admin/channels/" + name + "/resume"), b, kAuth);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"channel\":\"" + name + "\",\"paused\":false}\n");
  }
  using P = std::pair<rules::Channel, bool>;
  EXPECT_EQ(b.paused_calls, (std::vector<P>{{rules::Channel::kSms, true},
                                            {rules::Channel::kSms, false},
                                            {rules::Channel::kEmail, true},
                                            {rules::Channel::kEmail, false},
                                            {rules::Channel::kCall, true},
                                            {rules::Channel::kCall, false}}));
}

TEST(AdminApiTest, UnknownChannelOrActionIs404) {
  FakeAdminBackend b;
  HttpResponse r = handle_request(admin("POST", "/admin/channels/fax/pause"), b, kAuth);
  EXPECT_EQ(r.status, 404);
  expect_json(r);
  EXPECT_EQ(handle_request(admin("POST", "/admin/channels/SMS/pause"), b, kAuth).status, 404);
  EXPECT_EQ(handle_request(admin("POST", "/admin/channels/sms/stop"), b, kAuth).status, 404);
  EXPECT_EQ(handle_request(admin("POST", "/admin/channels/sms"), b, kAuth).status, 404);
  EXPECT_TRUE(b.paused_calls.empty());
}

TEST(AdminApiTest, ReloadSuccess) {
  FakeAdminBackend b;
  const HttpResponse r = handle_request(admin("POST", "/admin/reload"), b, kAuth);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"ok\":true,\"message\":\"policy v2 loaded\"}\n");
  EXPECT_EQ(b.reloads, 1);
}

TEST(AdminApiTest, ReloadFailurePassesTheMessageThroughEscaped) {
  FakeAdminBackend b;
  b.reload_outcome = {false, "policy.yaml:12: caps[0].window: \"7x\" is not a duration\n\tkept v1"};
  const HttpResponse r = handle_request(admin("POST", "/admin/reload"), b, kAuth);
  EXPECT_EQ(r.status, 422);
  expect_json(r);
  EXPECT_EQ(r.body,
            "{\"ok\":false,\"message\":\"policy.yaml:12: caps[0].window: \\\"7x\\\" is not a "
            "duration\\n\\tkept v1\"}\n");
  // Binary junk from a broken file still yields a well-formed body.
  static constexpr char kJunk[] = "bad byte \xff\xfe and nul \0 end";
  b.reload_outcome = {false, std::string(kJunk, sizeof kJunk - 1)};
  expect_json(handle_request(admin("POST", "/admin/reload"), b, kAuth));
}

TEST(AdminApiTest, BackendExceptionIs500WithoutDetails) {
  class Backend final : public AdminBackend {
   public:
    std::string metrics_text() override { throw std::runtime_error("boom c-42"); }
    bool live() override { return true; }
    ReadyState ready() override { return {true, ""}; }
    std::string explain_customer_json(std::string_view) override {
      throw std::runtime_error("customer c-42 state corrupt");
    }
    void set_channel_paused(rules::Channel, bool) override {}
    std::string channels_json() override { return "{}"; }
    ReloadOutcome reload_policy() override { return {true, ""}; }
  } b;
  for (const HttpRequest& r : {req("GET", "/metrics"), admin("GET", "/admin/customers/c-42")}) {
    const HttpResponse resp = handle_request(r, b, kAuth);
    EXPECT_EQ(resp.status, 500);
    expect_json(resp);
    EXPECT_EQ(resp.body.find("c-42"), std::string::npos);
  }
}

TEST(JsonStringTest, Escapes) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("q\"b\\s/"), R"("q\"b\\s/")");
  EXPECT_EQ(json_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(json_string(std::string_view("\x01\x1f\x7f\0", 4)), R"("\u0001\u001f\u007f\u0000")");
  // Valid UTF-8 passes through; invalid bytes become U+FFFD.
  EXPECT_EQ(json_string("Zürich €"), "\"Zürich €\"");
  EXPECT_EQ(json_string("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
  EXPECT_EQ(json_string("a\xff" "b"), R"("a\ufffdb")");
  EXPECT_EQ(json_string("\xc0\xaf"), R"("\ufffd\ufffd")");          // overlong '/'
  EXPECT_EQ(json_string("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(json_string("\xe2\x82"), R"("\ufffd\ufffd")");          // truncated
}

TEST(ConstantTimeEqualsTest, Compares) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abd", "abc"));
  EXPECT_FALSE(constant_time_equals("ab", "abc"));
  EXPECT_FALSE(constant_time_equals("abcd", "abc"));
  EXPECT_FALSE(constant_time_equals("", "abc"));
  // An empty expected token never matches: that state means "disabled".
  EXPECT_FALSE(constant_time_equals("", ""));
}

class LoadAdminTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("reminderd-token-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ::unsetenv(kVar);
  }
  void TearDown() override {
    ::unsetenv(kVar);
    std::filesystem::remove_all(dir_);
  }
  std::string write(const std::string& name, const std::string& content) {
    const std::filesystem::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

  static constexpr const char* kVar = "REMINDERD_TEST_ADMIN_TOKEN";
  std::filesystem::path dir_;
};

TEST_F(LoadAdminTokenTest, FileWinsAndIsTrimmed) {
  ::setenv(kVar, "from-env", 1);
  const std::string path = write("token", "from-file\n");
  const AdminAuth a = load_admin_token(path, kVar);
  EXPECT_EQ(a.token, "from-file");
  EXPECT_TRUE(a.enabled());
  EXPECT_EQ(a.source, "file " + path);
  EXPECT_EQ(load_admin_token(write("crlf", "tok\r\n"), kVar).token, "tok");
}

TEST_F(LoadAdminTokenTest, FallsBackToEnvWhenFileMissingOrEmpty) {
  ::setenv(kVar, "from-env\n", 1);
  AdminAuth a = load_admin_token((dir_ / "absent").string(), kVar);
  EXPECT_EQ(a.token, "from-env");
  EXPECT_EQ(a.source, std::string("env ") + kVar);
  a = load_admin_token(write("empty", "\n"), kVar);
  EXPECT_EQ(a.token, "from-env");
  a = load_admin_token("", kVar);
  EXPECT_EQ(a.token, "from-env");
}

TEST_F(LoadAdminTokenTest, NothingConfiguredDisables) {
  AdminAuth a = load_admin_token((dir_ / "absent").string(), kVar);
  EXPECT_FALSE(a.enabled());
  EXPECT_EQ(a.source, "none");
  ::setenv(kVar, "  ", 1);
  EXPECT_FALSE(load_admin_token("", kVar).enabled());
  EXPECT_FALSE(load_admin_token("", "").enabled());
}

}  // namespace
}  // namespace reminder::http
