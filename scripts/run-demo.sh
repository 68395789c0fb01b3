#!/usr/bin/env bash
# Fresh machine to reminders flowing: installs what is needed, builds, and runs
# reminderd on the embedded Kafka (librdkafka's mock cluster) with the demo
# feed. Ctrl-C drains and stops it. Extra arguments go to `reminderd run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh -DREMINDERD_TESTS=OFF -DREMINDERD_BENCH=OFF
exec "${BUILD_DIR:-build}/daemon/app/reminderd" run --config deploy/reminderd.yaml \
  --embedded-kafka --demo "$@"
