#pragma once

// Small loopback helpers for the security and fault tests: a blocking HTTP
// GET against the daemon's listener, the listener's port from its log, a
// free port, and a TCP forwarder that plays "the broker comes up".

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace reminder::testing {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};  // bounded: a stuck peer fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline std::optional<HttpAnswer> http_get(int port, const std::string& path) {
  const int fd = connect_loopback(port);
  if (fd < 0) return std::nullopt;
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return std::nullopt;
  }
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  std::smatch m;
  if (!std::regex_search(raw, m, std::regex(R"(^HTTP/1\.[01] (\d{3}))"))) return std::nullopt;
  HttpAnswer out;
  out.status = std::stoi(m[1]);
  if (auto at = raw.find("\r\n\r\n"); at != std::string::npos) out.body = raw.substr(at + 4);
  return out;
}

// The port of the daemon's `http.listening` log line, or 0.
inline int http_port_in_log(const std::string& log) {
  std::smatch m;
  if (std::regex_search(log, m,
                        std::regex(R"re("event":"http\.listening"[^\n]*"port":"(\d+)")re"))) {
    return std::stoi(m[1]);
  }
  return 0;
}

// A loopback port nothing listens on right now (the kernel's pick, released).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Accepts on 127.0.0.1:`port` and relays every connection to 127.0.0.1:`target`.
class TcpForwarder {
 public:
  TcpForwarder(int port, int target) : target_(target) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
          ::listen(listen_fd_, 16) == 0;
    if (ok_) accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~TcpForwarder() {
    stop_ = true;
    if (accept_thread_.joinable()) accept_thread_.join();
    for (auto& t : relays_) t.join();
    ::close(listen_fd_);
  }
  bool ok() const { return ok_; }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int upstream = connect_loopback(target_);
      if (upstream < 0) {
        ::close(client);
        continue;
      }
      relays_.emplace_back([this, client, upstream] { relay(client, upstream); });
    }
  }
  void relay(int a, int b) {
    char buf[16384];
    while (!stop_) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 100) <= 0) continue;
      bool closed = false;
      for (int i = 0; i < 2 && !closed; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::recv(p[i].fd, buf, sizeof buf, 0);
        closed = n <= 0 || ::send(p[1 - i].fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n;
      }
      if (closed) break;
    }
    ::close(a);
    ::close(b);
  }

  int target_;
  int listen_fd_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::vector<std::thread> relays_;
};

}  // namespace reminder::testing
