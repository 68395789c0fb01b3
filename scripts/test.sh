#!/usr/bin/env bash
# Fresh machine to every test: installs what is needed (Debian packages; the
# Kafka jars come from Maven Central via scripts/kafka-local.sh on first use),
# builds with -Werror, runs the whole suite (unit, integration and e2e against
# a real single-node Kafka 4.1 broker that ctest starts and stops), then
# runs each libFuzzer target for 20 s (scripts/fuzz.sh), then rebuilds with
# AddressSanitizer + UBSan and runs the unit tests again.
#   scripts/test.sh            everything
#   SKIP_FUZZ=1 SKIP_SANITIZERS=1 scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== build (RelWithDebInfo, -Werror)"
BUILD_DIR=build scripts/build.sh -DREMINDERD_WERROR=ON
echo "== tests: unit, integration, e2e"
# e2e includes the exactly-once suite (SIGKILLs, a broker restart, scale
# 1->3->1, and at-least-once across a broker restart; about 3-5 min); alone:
# (cd build && ctest -R exactly_once_e2e --output-on-failure). Label chaos is
# for cases too slow or too rough for every run (none at present).
(cd build && ctest --output-on-failure --timeout 900 -j 2 -LE chaos)

if [[ -z "${SKIP_FUZZ:-}" ]]; then
  echo "== fuzz smoke (libFuzzer, clang, ASan + UBSan): 20 s per target"
  scripts/fuzz.sh 20
fi

if [[ -z "${SKIP_SANITIZERS:-}" ]]; then
  echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
  BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DREMINDERD_SANITIZE=ON -DREMINDERD_BENCH=OFF
  echo "== tests under sanitizers: unit"
  # The million-contact wave is checked by the optimised build; a fifth of it
  # goes through the sanitizers.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     REMINDERD_WAVE_CONTACTS=200000 ctest --output-on-failure -L unit -j 2)
fi
