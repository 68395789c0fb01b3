#include "http/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "fakes/fake_admin_backend.h"

namespace reminder::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A server on 127.0.0.1:<ephemeral> whose loop runs on its own thread, the
// way the daemon runs it, with the real routes over a fake backend.
class LoopbackServer {
 public:
  explicit LoopbackServer(HttpServerOptions options) {
    server_.emplace(
        ioc_, "127.0.0.1:0",
        [this](const HttpRequest& r) {
          ++requests_;
          return handle_request(r, backend_, auth_);
        },
        options);
    server_->start();
    port_ = server_->port();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~LoopbackServer() {
    asio::post(ioc_, [this] { server_->stop(); });
    guard_.reset();
    thread_.join();
    server_.reset();
  }

  unsigned short port() const { return port_; }
  int requests() const { return requests_; }
  asio::io_context& ioc() { return ioc_; }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(ioc_);
  reminder::testing::FakeAdminBackend backend_;
  AdminAuth auth_{"tok", "test"};
  std::optional<HttpServer> server_;
  unsigned short port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

HttpServerOptions fast_timeout() {
  HttpServerOptions o;
  o.read_timeout = 200ms;
  return o;
}

class Client {
 public:
  explicit Client(unsigned short port) : socket_(ioc_) {
    socket_.connect({asio::ip::address_v4::loopback(), port});
  }
  void send(const std::string& data) { asio::write(socket_, asio::buffer(data)); }

  struct Result {
    std::string data;
    bool closed = false;  // EOF or reset seen
  };
  // Reads until the server closes, or gives up after ~5 s (a bound, not a
  // timing assertion: a healthy run finishes far sooner).
  Result read_until_closed() {
    Result r;
    socket_.non_blocking(true);
    char buf[4096];
    for (int i = 0; i < 500; ++i) {
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        std::this_thread::sleep_for(10ms);
        continue;
      }
      r.data.append(buf, n);
      if (ec) {
        r.closed = true;  // eof, connection_reset, ...
        return r;
      }
    }
    return r;
  }
  // Reads until `needle` arrived (or ~5 s passed), leaving the connection open.
  std::string read_until(const std::string& needle) {
    std::string data;
    socket_.non_blocking(true);
    char buf[4096];
    for (int i = 0; i < 500 && data.find(needle) == std::string::npos; ++i) {
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        std::this_thread::sleep_for(10ms);
        continue;
      }
      data.append(buf, n);
      if (ec) break;
    }
    return data;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
};

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

TEST(HttpServerTest, HealthzRoundTrip) {
  LoopbackServer server(fast_timeout());
  ASSERT_NE(server.port(), 0);
  Client c(server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  const Client::Result r = c.read_until_closed();
  EXPECT_TRUE(r.closed) << "Connection: close is honoured";
  EXPECT_EQ(r.data.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.data;
  EXPECT_NE(r.data.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(r.data.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_EQ(r.data.substr(r.data.size() - 7), "\r\n\r\nok\n");
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  LoopbackServer server(fast_timeout());
  Client c(server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string first = c.read_until("ok\n");
  EXPECT_EQ(first.rfind("HTTP/1.1 200 OK", 0), 0u) << first;
  // Same connection, then a pipelined pair whose second asks to close.
  c.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const Client::Result r = c.read_until_closed();
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(count(r.data, "HTTP/1.1 200 OK\r\n"), 2) << r.data;
  EXPECT_NE(r.data.find("ready\n"), std::string::npos);
  EXPECT_NE(r.data.find("version=0.0.4"), std::string::npos);
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpServerTest, AuthorizationHeaderReachesTheHandler) {
  LoopbackServer server(fast_timeout());
  {
    Client c(server.port());
    c.send("GET /admin/channels HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string data = c.read_until_closed().data;
    EXPECT_EQ(data.rfind("HTTP/1.1 401", 0), 0u) << data;
    EXPECT_NE(data.find("WWW-Authenticate: Bearer realm=\"reminderd-admin\"\r\n"),
              std::string::npos);
  }
  {
    Client c(server.port());
    c.send("GET /admin/channels HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
           "Connection: close\r\n\r\n");
    const std::string data = c.read_until_closed().data;
    EXPECT_EQ(data.rfind("HTTP/1.1 200", 0), 0u) << data;
    EXPECT_NE(data.find("Content-Type: application/json\r\n"), std::string::npos);
  }
}

TEST(HttpServerTest, OversizedBodyIsRejected) {
  LoopbackServer server(fast_timeout());
  Client c(server.port());
  // Refused on the header alone: the body is never read.
  c.send("POST /admin/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
         "Content-Length: 1000000\r\n\r\n");
  const Client::Result r = c.read_until_closed();
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.data.empty() || r.data.rfind("HTTP/1.1 413", 0) == 0) << r.data;
  EXPECT_EQ(server.requests(), 0);
}

TEST(HttpServerTest, OversizedHeaderIsRejected) {
  LoopbackServer server(fast_timeout());
  Client c(server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(10000, 'a') +
         "\r\n\r\n");
  const Client::Result r = c.read_until_closed();
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.data.empty() || r.data.rfind("HTTP/1.1 431", 0) == 0) << r.data;
  EXPECT_EQ(server.requests(), 0);
}

TEST(HttpServerTest, MalformedRequestGets400) {
  LoopbackServer server(fast_timeout());
  Client c(server.port());
  c.send("GARBAGE\r\n\r\n");
  const Client::Result r = c.read_until_closed();
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.data.rfind("HTTP/1.1 400", 0), 0u) << r.data;
}

TEST(HttpServerTest, SlowClientIsDisconnected) {
  LoopbackServer server(fast_timeout());
  Client c(server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
  const Client::Result r = c.read_until_closed();
  EXPECT_TRUE(r.closed) << "a half-sent request must not hold the connection";
  EXPECT_TRUE(r.data.empty()) << r.data;
  EXPECT_EQ(server.requests(), 0);
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  LoopbackServer server(fast_timeout());
  Client c(server.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const Client::Result r = c.read_until_closed();
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(count(r.data, "HTTP/1.1 200 OK"), 1);
}

TEST(HttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
  HttpServerOptions o;
  o.read_timeout = 30s;  // the first two stay open for the whole test
  o.max_connections = 2;
  LoopbackServer server(o);
  Client a(server.port());
  Client b(server.port());
  Client extra(server.port());
  const Client::Result r = extra.read_until_closed();
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.data.empty());
  // The admitted ones still work.
  a.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(a.read_until_closed().data.rfind("HTTP/1.1 200 OK", 0), 0u);
}

TEST(HttpServerTest, StopClosesOpenConnections) {
  HttpServerOptions o;
  o.read_timeout = 30s;
  auto server = std::make_unique<LoopbackServer>(o);
  Client c(server->port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(c.read_until("ok\n").find("200 OK"), std::string::npos);
  server.reset();  // stops the server and joins its loop
  EXPECT_TRUE(c.read_until_closed().closed);
}

TEST(HttpServerTest, StartFailsClearlyWhenThePortIsTaken) {
  LoopbackServer first(fast_timeout());
  asio::io_context ioc;
  const std::string listen = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(ioc, listen, [](const HttpRequest&) { return HttpResponse{}; });
  try {
    second.start();
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(listen), std::string::npos) << what;
    EXPECT_NE(what.find("bind"), std::string::npos) << what;
  }
}

TEST(HttpServerTest, MalformedListenAddressesThrow) {
  asio::io_context ioc;
  for (const char* listen : {"", "9090", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000",
                             "127.0.0.1:http", "example.com:80", "[::1:80", "::1:80"}) {
    HttpServer s(ioc, listen, [](const HttpRequest&) { return HttpResponse{}; });
    EXPECT_THROW(s.start(), std::runtime_error) << listen;
  }
  // The accepted spellings.
  for (const char* listen : {"localhost:0", "[::1]:0", "*:0", ":0"}) {
    HttpServer s(ioc, listen, [](const HttpRequest&) { return HttpResponse{}; });
    try {
      s.start();
    } catch (const std::runtime_error& e) {
      // A host without IPv6 cannot bind [::1]; only the parse must succeed.
      EXPECT_EQ(std::string(e.what()).find("invalid listen address"), std::string::npos)
          << e.what();
      continue;
    }
    EXPECT_NE(s.port(), 0) << listen;
    s.stop();
  }
}

}  // namespace
}  // namespace reminder::http
