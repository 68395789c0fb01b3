#!/usr/bin/env bash
# Installs everything reminderd needs to build, run and test on a fresh Debian 12.
# Idempotent: a no-op (apart from `apt-get update`) where everything is present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libboost-dev            # Asio event loop + Beast HTTP (header-only)
  librdkafka-dev kcat     # Kafka client; kcat for manual poking
  libprotobuf-dev protobuf-compiler   # wire contract
  libabsl-dev             # time zones (absl::TimeZone), flat_hash_map
  libyaml-cpp-dev         # policy/config files
  libspdlog-dev libfmt-dev  # structured logs
  libcli11-dev            # command line
  prometheus-cpp-dev      # metrics registry + text exposition
  libgtest-dev libgmock-dev libbenchmark-dev  # tests, micro-benchmarks
  libsystemd-dev          # sd_notify
  default-jdk-headless maven  # the real Kafka broker for integration tests
  openssl                 # the test broker's throwaway CA and certificate (SASL_SSL tests)
  clang libclang-rt-14-dev  # libFuzzer + sanitizer runtimes for scripts/fuzz.sh (clang 14 on Debian 12)
  python3 prometheus      # test helpers (checkers); promtool + prometheus for tests/deploy
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
