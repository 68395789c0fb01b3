#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in their own build
# directory and runs each one for N seconds on a copy of its seed corpus
# (tests/fuzz/corpus/<target>/). Fails on any crash, sanitizer report, leak,
# timeout or out-of-memory; the reproducer is kept and its path printed.
#
#   scripts/fuzz.sh            CI smoke: 20 s per target (about a minute)
#   scripts/fuzz.sh 3600       an hour per target
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 0     10 million executions per target, no time limit
#
# Env:
#   FUZZ_BUILD_DIR   build directory (default build-fuzz)
#   FUZZ_TARGETS     space-separated subset (default: all three)
#   FUZZ_RUNS        stop each target after this many executions
#   FUZZ_OUT         keep the grown corpora and any reproducers here
#                    (default: a temporary directory, removed when clean)
#   FUZZ_ARGS        extra libFuzzer flags, e.g. "-max_len=65536"
#   JOBS             build parallelism (default: nproc)
# Reproduce a finding: build-fuzz/tests/fuzz/<target> <reproducer file>
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
targets=(${FUZZ_TARGETS:-event_decoder_fuzz policy_parser_fuzz replay_line_fuzz})

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (scripts/install-deps.sh installs clang and libclang-rt-14-dev)" >&2
  exit 2
fi

echo "== fuzz build ($build_dir: clang, libFuzzer, ASan + UBSan)"
# -Werror stays with the GCC build (scripts/test.sh); a clang-only warning in
# someone's new code must not hide the fuzz results.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREMINDERD_FUZZ=ON -DREMINDERD_TESTS=OFF \
  -DREMINDERD_BENCH=OFF -DREMINDERD_WERROR=OFF >/dev/null
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}" --target "${targets[@]}"

if [[ -n "${FUZZ_OUT:-}" ]]; then
  out=$FUZZ_OUT
  mkdir -p "$out"
  keep=1
else
  out=$(mktemp -d -t reminderd-fuzz.XXXXXX)
  keep=0
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Per-target input size limit: the policy seeds are whole policy files.
max_len() {
  case $1 in
    policy_parser_fuzz) echo 32768 ;;
    *) echo 8192 ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  bin="$build_dir/tests/fuzz/$t"
  corpus="$out/$t/corpus"
  artifacts="$out/$t/artifacts"
  mkdir -p "$corpus" "$artifacts"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  args=(-timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [[ "$seconds" != 0 ]] && args+=(-max_total_time="$seconds")
  [[ -n "${FUZZ_RUNS:-}" ]] && args+=(-runs="$FUZZ_RUNS")
  [[ -f tests/fuzz/$t.dict ]] && args+=(-dict="tests/fuzz/$t.dict")
  # shellcheck disable=SC2206
  args+=(${FUZZ_ARGS:-})
  echo "== $t (${seconds}s${FUZZ_RUNS:+, $FUZZ_RUNS runs})"
  log="$out/$t/fuzz.log"
  rc=0
  "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  # Any reproducer is a failure, also in -fork=1 -ignore_crashes=1 mode.
  if ((rc == 0)) && [[ -z "$(ls -A "$artifacts")" ]]; then
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^Done ' "$log" || true
  else
    failed+=("$t")
    tail -n 60 "$log"
    echo "!! $t failed; reproducer(s):" >&2
    ls -1 "$artifacts"/* 2>/dev/null >&2 || echo "   (none written; see $log)" >&2
    keep=1
  fi
done

if ((${#failed[@]})); then
  echo "fuzz.sh: FAILED: ${failed[*]} (logs, corpora and reproducers in $out)" >&2
  exit 1
fi
if ((keep)); then
  echo "fuzz.sh: clean; corpora and logs in $out"
else
  rm -rf "$out"
  echo "fuzz.sh: clean"
fi
