#!/usr/bin/env bash
# Configures and builds reminderd into BUILD_DIR (default: build/).
#   scripts/build.sh [extra cmake args...]
# Env: BUILD_DIR, BUILD_TYPE (default RelWithDebInfo), JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}"
