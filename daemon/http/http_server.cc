#include "http/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <unordered_set>
#include <utility>
#include <vector>

namespace reminder::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

[[noreturn]] void bad_listen(const std::string& listen, const std::string& why) {
  throw std::runtime_error("http: invalid listen address '" + listen + "': " + why);
}

tcp::endpoint parse_listen(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      bad_listen(listen, "expected [IPv6]:port");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) bad_listen(listen, "expected host:port");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != std::string::npos) bad_listen(listen, "write IPv6 as [addr]:port");
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
    bad_listen(listen, "port must be a number 0..65535");
  }
  const unsigned long port_number = std::stoul(port);
  if (port_number > 65535) bad_listen(listen, "port must be a number 0..65535");

  asio::ip::address address;
  if (host.empty() || host == "*") {
    address = asio::ip::address_v4::any();
  } else if (host == "localhost") {
    address = asio::ip::address_v4::loopback();
  } else {
    // No DNS: a lookup would block the loop, and a listen address is an IP.
    boost::system::error_code ec;
    address = asio::ip::make_address(host, ec);
    if (ec) bad_listen(listen, "host must be an IP address, 'localhost' or '*'");
  }
  return {address, static_cast<unsigned short>(port_number)};
}

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

}  // namespace

class HttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& ioc, std::string listen, Handler handler, HttpServerOptions options)
      : listen_(std::move(listen)),
        handler_(std::move(handler)),
        options_(options),
        acceptor_(ioc),
        retry_timer_(ioc) {}

  void start() {
    if (running_) return;
    const tcp::endpoint endpoint = parse_listen(listen_);
    beast::error_code ec;
    const auto fail = [&](const char* what) {
      beast::error_code ignored;
      acceptor_.close(ignored);
      throw std::runtime_error("http: cannot listen on " + listen_ + " (" + what +
                               "): " + ec.message());
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) fail("open");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) fail("set SO_REUSEADDR");
    acceptor_.bind(endpoint, ec);
    if (ec) fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail("listen");
    port_ = acceptor_.local_endpoint(ec).port();
    running_ = true;
    do_accept();
  }

  void stop();

  unsigned short port() const { return port_; }
  std::size_t active() const { return sessions_.size(); }
  std::uint64_t rejected() const { return rejected_; }

 private:
  class Session;

  void do_accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

  void on_accept(beast::error_code ec, tcp::socket socket);

  const std::string listen_;
  const Handler handler_;
  const HttpServerOptions options_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  bool running_ = false;
  unsigned short port_ = 0;
  std::unordered_set<Session*> sessions_;
  std::uint64_t rejected_ = 0;
};

// One connection: read a request, answer it, repeat while keep-alive.
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}
  ~Session() { server_->sessions_.erase(this); }

  void run() { do_read(); }

  // Cancels pending I/O; the aborted completions then release the session.
  void close() { stream_.close(); }

 private:
  const HttpServerOptions& options() const { return server_->options_; }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(options().header_limit);
    parser_->body_limit(options().body_limit);
    stream_.expires_after(options().read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (!server_->running_) return;  // stopped while this completion was queued
    if (ec == bhttp::error::end_of_stream) return do_close();
    if (ec == bhttp::error::body_limit) {
      return send_error(bhttp::status::payload_too_large, "request body too large\n");
    }
    if (ec == bhttp::error::header_limit) {
      return send_error(bhttp::status::request_header_fields_too_large,
                        "request header too large\n");
    }
    if (ec == bhttp::error::partial_message) return do_close();  // client went away
    if (ec && is_http_parse_error(ec)) {
      return send_error(bhttp::status::bad_request, "malformed request\n");
    }
    if (ec) return;  // timeout (the stream is already closed) or a socket error
    respond(parser_->release());
  }

  void respond(bhttp::request<bhttp::string_body> req) {
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.authorization = std::string(req[bhttp::field::authorization]);
    request.body = std::move(req.body());

    HttpResponse out;
    try {
      out = server_->handler_(request);
    } catch (const std::exception&) {
      out = HttpResponse{};
      out.status = 500;
    }
    if (out.status < 100 || out.status > 599) {
      // Beast throws on such codes; a handler bug must not kill the loop.
      out = HttpResponse{};
      out.status = 500;
    }
    if (out.status == 500 && out.body.empty()) {
      out.content_type = "text/plain; charset=utf-8";
      out.body = "internal error\n";
    }

    res_ = {};
    res_.version(req.version());
    res_.result(static_cast<unsigned>(out.status));
    res_.set(bhttp::field::server, "reminderd");
    res_.set(bhttp::field::content_type, out.content_type);
    // Health, metrics and admin answers are live state; never cache them.
    res_.set(bhttp::field::cache_control, "no-store");
    for (const auto& [name, value] : out.headers) res_.set(name, value);
    res_.body() = std::move(out.body);
    res_.keep_alive(req.keep_alive());
    if (req.method() == bhttp::verb::head) {
      // A HEAD answer has no body; closing keeps the framing trivially right.
      res_.body().clear();
      res_.keep_alive(false);
    }
    res_.prepare_payload();
    do_write();
  }

  // For requests the parser rejected: answer and close, the stream position
  // inside the bad request is unknown.
  void send_error(bhttp::status status, std::string_view body) {
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.set(bhttp::field::server, "reminderd");
    res_.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res_.body() = std::string(body);
    res_.keep_alive(false);
    res_.prepare_payload();
    do_write();
  }

  void do_write() {
    stream_.expires_after(options().write_timeout);
    bhttp::async_write(stream_, res_,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         self->on_write(ec);
                       });
  }

  void on_write(beast::error_code ec) {
    if (ec || !server_->running_) return;
    if (!res_.keep_alive()) return do_close();
    do_read();
  }

  void do_close() {
    // Half-close so the client sees a clean EOF after the last response; the
    // socket itself closes when the last handler releases the session.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  std::shared_ptr<Impl> server_;
};

void HttpServer::Impl::stop() {
  if (!running_) return;
  running_ = false;
  beast::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
  // Sessions leave the set from their destructors; iterate over a copy so
  // that never depends on when close() releases them.
  const std::vector<Session*> open(sessions_.begin(), sessions_.end());
  for (Session* s : open) s->close();
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!running_) return;
  if (ec) {
    // E.g. EMFILE: the pending connection stays queued, so retrying at
    // once would spin the loop; back off briefly instead.
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec && self->running_) self->do_accept();
    });
    return;
  }
  if (sessions_.size() >= options_.max_connections) {
    // Shed load rather than queue: a fast failure beats a hung probe.
    ++rejected_;
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  } else {
    auto session = std::make_shared<Session>(std::move(socket), shared_from_this());
    sessions_.insert(session.get());
    session->run();
  }
  do_accept();
}

HttpServer::HttpServer(asio::io_context& ioc, std::string listen, Handler handler,
                       HttpServerOptions options)
    : impl_(std::make_shared<Impl>(ioc, std::move(listen), std::move(handler), options)) {}

HttpServer::~HttpServer() { impl_->stop(); }

void HttpServer::start() { impl_->start(); }
void HttpServer::stop() { impl_->stop(); }
unsigned short HttpServer::port() const { return impl_->port(); }
std::size_t HttpServer::active_connections() const { return impl_->active(); }
std::uint64_t HttpServer::rejected_connections() const { return impl_->rejected(); }

}  // namespace reminder::http
