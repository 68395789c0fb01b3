#include "config/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace reminder::config {
namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct FileRead {
  std::string value;
  std::string error;  // empty on success
};

FileRead failed(std::string error) { return FileRead{"", std::move(error)}; }

FileRead read_secret_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) return failed("cannot open file '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return failed("'" + path + "' is not a regular file");
  }
  std::string value;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed("cannot read file '" + path + "': " + std::strerror(errno));
    if (n == 0) break;
    value.append(buf, static_cast<std::size_t>(n));
    if (value.size() > kMaxSecretBytes) {
      return failed("file '" + path + "' is larger than " + std::to_string(kMaxSecretBytes) +
                    " bytes");
    }
  }
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  return FileRead{std::move(value), ""};
}

}  // namespace

Loaded<std::map<std::string, std::string>> resolve_secrets(
    const std::map<std::string, SecretRef>& refs) {
  std::map<std::string, std::string> values;
  for (const auto& [property, ref] : refs) {
    const std::string where = "kafka_secrets." + property;
    std::string value;
    switch (ref.source) {
      case SecretSource::kFile: {
        FileRead read = read_secret_file(ref.location);
        if (!read.error.empty()) return ConfigError{where, std::move(read.error)};
        value = std::move(read.value);
        if (value.empty()) return ConfigError{where, "file '" + ref.location + "' is empty"};
        break;
      }
      case SecretSource::kEnv: {
        const char* env = std::getenv(ref.location.c_str());
        if (env == nullptr || *env == '\0') {
          return ConfigError{where,
                             "environment variable '" + ref.location + "' is unset or empty"};
        }
        value = env;
        break;
      }
    }
    // librdkafka takes C strings: a NUL would silently cut the secret short.
    if (value.find('\0') != std::string::npos) {
      return ConfigError{where, "contains a NUL byte"};
    }
    values[property] = std::move(value);
  }
  return values;
}

}  // namespace reminder::config
