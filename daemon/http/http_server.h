#pragma once

// A small HTTP/1.1 server (Boost.Beast) on the daemon's own io_context, for
// /metrics, health and admin. It never blocks the loop: all I/O is async,
// every read and write has a deadline, requests are size-capped and the
// number of connections is bounded, so a slow or hostile client cannot
// stall the pipeline that shares the thread.
//
// Threading: the io_context must be run by a single thread, and start(),
// stop() and the destructor must be called on that thread (or while the
// loop is not running). The io_context must outlive the server.

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/admin_api.h"

namespace reminder::http {

struct HttpServerOptions {
  // Deadline for each request (headers and body) and for the idle time
  // between keep-alive requests; a client that stalls is disconnected.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
  std::uint32_t header_limit = 8 * 1024;  // larger -> 431 and close
  std::uint64_t body_limit = 64 * 1024;   // larger -> 413 and close
  // Beyond this, new connections are closed at once (counted in
  // rejected_connections()).
  std::size_t max_connections = 64;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // `listen` is "host:port": an IPv4 address, "[IPv6]", "localhost", or ""/"*"
  // for all IPv4 interfaces; port 0 picks an ephemeral port (see port()).
  HttpServer(boost::asio::io_context& ioc, std::string listen, Handler handler,
             HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Throws std::runtime_error naming the address
  // and the OS error if the address is malformed or cannot be bound.
  void start();
  // Stops accepting and closes every connection; idempotent.
  void stop();

  // The bound port (the real one when 0 was asked); 0 before start().
  unsigned short port() const;
  std::size_t active_connections() const;
  std::uint64_t rejected_connections() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with in-flight handlers
};

}  // namespace reminder::http
