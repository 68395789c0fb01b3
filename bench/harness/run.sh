#!/usr/bin/env bash
# bench/harness/run.sh: throughput, latency, restore time and state memory of
# reminderd against the Kafka limit (a bare librdkafka passthrough), on one
# machine, in one go (issue 7; the exactly-once cost of issue 5).
#
#   bench/harness/run.sh              # everything, default sizes (~15 min on 2 cores)
#
# What it does, in order:
#   0. builds the harness and reminderd (RelWithDebInfo) into $BUILD_DIR
#   1. starts its own single-node Kafka 4.1 broker (scripts/kafka-local.sh,
#      KAFKA_PORT=59092, its own KAFKA_STATE_DIR) and stops and deletes it at the end
#   2. produces the input once: $EVENTS AccountEvents over $CUSTOMERS customers
#      (loadgen: every customer's profile + first delinquency, then the mix),
#      12 partitions
#   3. throughput, $RUNS rounds, each scenario once per round (interleaved, so a
#      change in the machine's load hits all of them), each with a fresh
#      consumer group and fresh output topics, all reading the same input:
#        passthrough-idem  bare consume->produce loop, idempotent producer
#        passthrough-txn   the same, a transaction per 10,000 records or 100 ms
#        reminderd-alo     delivery.mode at_least_once
#        reminderd-eos     delivery.mode exactly_once, commit_interval_ms 100
#      measured from outside by progress_watch: events/s from the first
#      consumption to every input offset committed (after its outputs are
#      acknowledged / in its transaction), CPU s per million events of the
#      process and of the broker, peak RSS (VmHWM), other load on the machine.
#      A run during which other processes used more than $MAX_OTHER_CORES cores
#      is rerun once (at most $RERUN_BUDGET reruns in all, to bound the time).
#      Reported: the median of the rounds.
#   4. latency at a fixed rate ($LAT_RATE, default half the median reminderd-alo
#      rate) for $LAT_SECONDS s, fresh topics, fetch.wait.max.ms 5 everywhere:
#      input produce -> output readable with read_committed. First the
#      $LAT_CUSTOMERS customers are introduced (unpaced) and consumed, then the
#      paced mix is measured. Passthrough: the copied bench-produced-ns header;
#      reminderd: the first decision record of each event_id against the
#      loadgen's produce-time file.
#   5. restore: reminderd exactly-once over $RESTORE_CUSTOMERS profile events,
#      drained (SIGTERM), started again: `state.restored` seconds from its log.
#   6. state_memory: bytes per customer for $STATE_CUSTOMERS customers, bytes
#      per deferred contact.
#   7. prints a markdown table (also in $OUT_DIR/summary.md); raw JSON lines in
#      $OUT_DIR/results.jsonl, every log and per-run CSV timeline in $OUT_DIR.
#
# Environment (defaults in brackets):
#   EVENTS [2000000]  CUSTOMERS [200000]  PARTITIONS [12]  RUNS [3]
#   LAT_RATE [half the ALO median]  LAT_SECONDS [20]  LAT_CUSTOMERS [50000]
#   LAT_EXTRA_RATES [unset]: more fixed rates to measure latency at, e.g. "5000"
#   RESTORE_CUSTOMERS [1000000]  STATE_CUSTOMERS [1000000,10000000]
#   TXN_EVERY [10000]  COMMIT_INTERVAL_MS [100]  MAX_OTHER_CORES [1.0]  RERUN_BUDGET [3]
#   SKIP_THROUGHPUT, SKIP_LATENCY, SKIP_RESTORE, SKIP_STATE [unset]: =1 skips a part
#   SCENARIOS ["passthrough-idem passthrough-txn reminderd-alo reminderd-eos"]
#   KAFKA_PORT [59092]  KAFKA_STATE_DIR [/tmp/reminderd-bench-kafka-$KAFKA_PORT]
#   HTTP_PORT [59464]  BUILD_DIR [build-harness]  SKIP_BUILD [unset]
#   OUT_DIR [$BUILD_DIR/bench-results/<UTC timestamp>]  KEEP_BROKER [unset]  RUN_ID [MMDDhhmmss]: names prefix
#   WATCH_TIMEOUT_S [600]  PERF [unset]: =1 also records a perf profile of one
#   extra reminderd-alo run ($OUT_DIR/perf-alo.txt; needs `perf`)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

EVENTS=${EVENTS:-2000000}
CUSTOMERS=${CUSTOMERS:-200000}
PARTITIONS=${PARTITIONS:-12}
RUNS=${RUNS:-3}
LAT_SECONDS=${LAT_SECONDS:-20}
LAT_CUSTOMERS=${LAT_CUSTOMERS:-50000}
RESTORE_CUSTOMERS=${RESTORE_CUSTOMERS:-1000000}
STATE_CUSTOMERS=${STATE_CUSTOMERS:-1000000,10000000}
TXN_EVERY=${TXN_EVERY:-10000}
COMMIT_INTERVAL_MS=${COMMIT_INTERVAL_MS:-100}
MAX_OTHER_CORES=${MAX_OTHER_CORES:-1.0}
RERUN_BUDGET=${RERUN_BUDGET:-3}
SCENARIOS=${SCENARIOS:-passthrough-idem passthrough-txn reminderd-alo reminderd-eos}
export KAFKA_PORT=${KAFKA_PORT:-59092}
export KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-/tmp/reminderd-bench-kafka-$KAFKA_PORT}
HTTP_PORT=${HTTP_PORT:-59464}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-harness}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
OUT_DIR=${OUT_DIR:-$BUILD_DIR/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
WATCH_TIMEOUT_S=${WATCH_TIMEOUT_S:-600}
BOOTSTRAP=127.0.0.1:$KAFKA_PORT
POLICY=$ROOT/deploy/policies/us-reg-f.yaml
# Every topic and consumer group of this invocation starts with $NS, so a
# reused broker (KEEP_BROKER) never mixes runs.
NS=b${RUN_ID:-$(date -u +%m%d%H%M%S)}
INPUT=$NS-in

mkdir -p "$OUT_DIR"
RESULTS=$OUT_DIR/results.jsonl
: >"$RESULTS"
T_START=$SECONDS

log() { printf '[run.sh %s +%ds] %s\n' "$(date -u +%H:%M:%S)" "$((SECONDS - T_START))" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------------ processes
# Every process this script starts is tracked and stopped at exit (bounded);
# a pid is only ever signalled while it is still this shell's child (no pid reuse).
declare -a PIDS=()

ours() { [[ -r /proc/$1/stat ]] && [[ $(awk '{print $4}' "/proc/$1/stat" 2>/dev/null) == "$$" ]]; }
alive() { ours "$1" && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

stop_pid() { # pid [term-wait-seconds]: SIGTERM, wait, SIGKILL; returns its exit code or 143/137
  local pid=$1 wait_s=${2:-30} i
  ours "$pid" || { wait "$pid" 2>/dev/null; return $?; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "pid $pid ignored SIGTERM for ${wait_s}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  return $rc
}

wait_exit() { # pid timeout-seconds: waits for the process to end; its exit code (124 on timeout, then stopped)
  local pid=$1 limit=$2 i
  for ((i = 0; i < limit * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "pid $pid still running after ${limit}s: stopping it"
    stop_pid "$pid" 10 || true
    return 124
  fi
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  return $rc
}

# run_fg CMD...: runs CMD in the background, tracked, and waits for it (so a
# SIGTERM/SIGINT to this script is handled at once, not after CMD ends).
run_fg() {
  "$@" &
  local p=$!
  PIDS+=("$p")
  local rc=0
  wait "$p" || rc=$?
  return $rc
}

cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do
    ours "$pid" && stop_pid "$pid" 15
  done
  if [[ -z ${KEEP_BROKER:-} ]]; then
    "$ROOT/scripts/kafka-local.sh" down >>"$OUT_DIR/broker-script.log" 2>&1
  fi
  log "done (exit $rc); results in $OUT_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --------------------------------------------------------------------- build
BIN=$BUILD_DIR/bench/harness
REMINDERD=$BUILD_DIR/daemon/app/reminderd
if [[ -z ${SKIP_BUILD:-} ]]; then
  log "building into $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREMINDERD_TESTS=OFF \
    >"$OUT_DIR/cmake.log" 2>&1 || { tail -30 "$OUT_DIR/cmake.log"; die "cmake failed"; }
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target bench_harness >"$OUT_DIR/build.log" 2>&1 ||
    { tail -40 "$OUT_DIR/build.log"; die "build failed"; }
fi
for b in loadgen passthrough latency_probe progress_watch bench_admin state_memory; do
  [[ -x $BIN/$b ]] || die "missing $BIN/$b"
done
[[ -x $REMINDERD ]] || die "missing $REMINDERD"

# -------------------------------------------------------------------- broker
log "starting Kafka on $BOOTSTRAP (state $KAFKA_STATE_DIR)"
"$ROOT/scripts/kafka-local.sh" up >>"$OUT_DIR/broker-script.log" 2>&1 ||
  { tail -30 "$OUT_DIR/broker-script.log"; die "broker did not start"; }
BROKER_PID=$(<"$KAFKA_STATE_DIR/kafka.pid")

admin() { "$BIN/bench_admin" --bootstrap "$BOOTSTRAP" "$@"; }

machine_json() {
  local model mem
  model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
  mem=$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)
  printf '{"kind":"machine","nproc":%s,"cpu":"%s","mem_gib":%s,"kernel":"%s","date":"%s","git":"%s","librdkafka":"%s"}\n' \
    "$(nproc)" "$model" "$mem" "$(uname -r)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)+worktree" \
    "$(pkg-config --modversion rdkafka 2>/dev/null || echo unknown)"
}
machine_json >>"$RESULTS"
printf '{"kind":"config","events":%s,"customers":%s,"partitions":%s,"runs":%s,"txn_every":%s,"commit_interval_ms":%s}\n' \
  "$EVENTS" "$CUSTOMERS" "$PARTITIONS" "$RUNS" "$TXN_EVERY" "$COMMIT_INTERVAL_MS" >>"$RESULTS"

# tag_json KIND [key value]... : prefixes a JSON line from stdin with "kind" and extra string fields
tag_json() {
  local kind=$1
  shift
  local extra=""
  while (($# >= 2)); do
    extra+=",\"$1\":\"$2\""
    shift 2
  done
  sed -e "s/^{/{\"kind\":\"$kind\"$extra,/"
}

# ------------------------------------------------------------ daemon configs
write_config() { # file mode group prefix input [extra kafka lines...]
  local file=$1 mode=$2 group=$3 prefix=$4 input=$5
  shift 5
  {
    echo "policy: $POLICY"
    echo "kafka:"
    echo "  bootstrap.servers: \"$BOOTSTRAP\""
    echo "  client.id: \"reminderd-bench\""
    if [[ $mode == exactly_once ]]; then echo "  group.instance.id: \"$group\""; fi
    local kv
    for kv in "$@"; do echo "  ${kv%%=*}: \"${kv#*=}\""; done
    cat <<EOF
topics:
  input: $input
  sms: $prefix-sms
  email: $prefix-email
  call: $prefix-call
  decisions: $prefix-decisions
  dead_letter: $prefix-dlq
  changelog: $prefix-changelog
  partitions: $PARTITIONS
  create_missing: true
consumer:
  group_id: $group
  batch_size: 1000
  poll_interval_ms: 5
delivery:
  mode: $mode
  commit_interval_ms: $COMMIT_INTERVAL_MS
  max_batch_events: $TXN_EVERY
  transactional_id_prefix: reminderd-bench
http:
  listen: "127.0.0.1:$HTTP_PORT"
log:
  level: info
shutdown:
  drain_timeout_ms: 60000
EOF
  } >"$file"
}

daemon_topics() { # prefix
  echo "$1-sms $1-email $1-call $1-decisions $1-dlq $1-changelog"
}

busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $9}' /proc/stat; }  # user nice system steal
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

wait_http_ready() { # pid timeout-seconds: until /readyz answers 200
  local pid=$1 limit=$2 i
  for ((i = 0; i < limit * 10; i++)); do
    alive "$pid" || return 1
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/readyz" 2>/dev/null) == 200 ]]; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

wait_file_has() { # file regex timeout-seconds
  local file=$1 re=$2 limit=$3 i
  for ((i = 0; i < limit * 10; i++)); do
    [[ -f $file ]] && grep -Eq "$re" "$file" && return 0
    sleep 0.1
  done
  return 1
}

# ------------------------------------------------------------- one throughput run
# run_throughput SCENARIO ROUND: appends a "throughput" JSON line; returns 0 if ok.
run_throughput() {
  local scenario=$1 round=$2 attempt=${3:-1}
  local name="tp-$scenario-r$round-a$attempt"
  local tag="$NS-$name"
  local dir=$OUT_DIR/$name
  mkdir -p "$dir"
  local group="g-$tag" pid watch_json rc=0
  case $scenario in
    passthrough-*)
      local txn_args=()
      [[ $scenario == passthrough-txn ]] && txn_args=(--transactions "$TXN_EVERY" --txn-interval-ms "$COMMIT_INTERVAL_MS")
      admin create --partitions "$PARTITIONS" "out-$tag"
      "$BIN/passthrough" --bootstrap "$BOOTSTRAP" --input "$INPUT" --output "out-$tag" --group "$group" \
        --expect "$EVENTS" --status-file "$dir/status" "${txn_args[@]}" >"$dir/passthrough.json" 2>"$dir/passthrough.log" &
      pid=$!
      PIDS+=("$pid")
      run_fg "$BIN/progress_watch" --pid "$pid" --broker-pid "$BROKER_PID" --target "$EVENTS" \
        --bootstrap "$BOOTSTRAP" --group "$group" --topic "$INPUT" --status-file "$dir/status" \
        --timeout-s "$WATCH_TIMEOUT_S" --csv "$dir/timeline.csv" >"$dir/watch.json" 2>"$dir/watch.log" || rc=$?
      watch_json=$(cat "$dir/watch.json")
      wait_exit "$pid" 60 || rc=$?
      admin delete "out-$tag" || true
      ;;
    reminderd-*)
      local mode=at_least_once
      [[ $scenario == reminderd-eos ]] && mode=exactly_once
      write_config "$dir/reminderd.yaml" "$mode" "$group" "$tag" "$INPUT"
      "$REMINDERD" run --config "$dir/reminderd.yaml" >"$dir/stdout.log" 2>"$dir/reminderd.log" &
      pid=$!
      PIDS+=("$pid")
      run_fg "$BIN/progress_watch" --pid "$pid" --broker-pid "$BROKER_PID" --target "$EVENTS" \
        --bootstrap "$BOOTSTRAP" --group "$group" --topic "$INPUT" --metrics-url "127.0.0.1:$HTTP_PORT" \
        --timeout-s "$WATCH_TIMEOUT_S" --csv "$dir/timeline.csv" >"$dir/watch.json" 2>"$dir/watch.log" || rc=$?
      watch_json=$(cat "$dir/watch.json")
      curl -s "http://127.0.0.1:$HTTP_PORT/metrics" >"$dir/metrics.txt" 2>/dev/null || true
      stop_pid "$pid" 90 || { local drc=$?; log "$tag: reminderd exit code $drc"; rc=1; }
      # Records written per topic (end offsets; with transactions the commit
      # markers take an offset each too).
      # shellcheck disable=SC2046
      admin offsets $(daemon_topics "$tag") >"$dir/output-offsets.txt" 2>/dev/null || true
      # shellcheck disable=SC2046
      admin delete $(daemon_topics "$tag") || true
      ;;
  esac
  [[ -n ${watch_json:-} ]] || { log "$tag: no measurement"; return 1; }
  local extra=()
  if [[ $scenario == reminderd-* && -f $dir/metrics.txt ]]; then
    local decisions dispatches dead
    decisions=$(awk '/^reminderd_decisions_total\{/ {s+=$NF} END {printf "%d", s}' "$dir/metrics.txt")
    dispatches=$(awk '/^reminderd_dispatches_total\{/ {s+=$NF} END {printf "%d", s}' "$dir/metrics.txt")
    dead=$(awk '/^reminderd_dead_letters_total\{/ {s+=$NF} END {printf "%d", s}' "$dir/metrics.txt")
    local out_records changelog_records
    out_records=$(awk '{s+=$2} END {printf "%d", s}' "$dir/output-offsets.txt" 2>/dev/null || echo -1)
    changelog_records=$(awk '/-changelog / {printf "%d", $2}' "$dir/output-offsets.txt" 2>/dev/null || echo -1)
    local txn_count txn_seconds
    txn_count=$(awk '/^reminderd_transaction_duration_seconds_count/ {printf "%d", $NF}' "$dir/metrics.txt")
    txn_seconds=$(awk '/^reminderd_transaction_duration_seconds_sum/ {printf "%.3f", $NF}' "$dir/metrics.txt")
    extra=(decisions "$decisions" dispatches "$dispatches" dead_letters "$dead"
      output_offsets "$out_records" changelog_offsets "$changelog_records"
      txn_count "${txn_count:-0}" txn_seconds "${txn_seconds:-0}")
  fi
  echo "$watch_json" | tag_json throughput scenario "$scenario" round "$round" attempt "$attempt" "${extra[@]}" >>"$RESULTS"
  log "$tag: $(echo "$watch_json" | jq -c '{ok, rate, cpu_s_per_m, broker_cpu_s_per_m, hwm_mb, other_cores, load_start}')"
  # Rerun once when other processes took a large share of the machine.
  local other
  other=$(echo "$watch_json" | jq -r '.other_cores')
  if ((attempt == 1 && RERUN_BUDGET > 0)) && awk -v o="$other" -v m="$MAX_OTHER_CORES" 'BEGIN {exit !(o > m)}'; then
    RERUN_BUDGET=$((RERUN_BUDGET - 1))
    log "$tag: other processes used $other cores (> $MAX_OTHER_CORES): rerunning once ($RERUN_BUDGET reruns left)"
    sleep 5
    run_throughput "$scenario" "$round" 2
    return $?
  fi
  return $rc
}

# --------------------------------------------------------------- one latency run
run_latency() {
  local scenario=$1 rate=$2
  local tag="$NS-lat$rate-$scenario"
  local dir=$OUT_DIR/lat-$rate-$scenario
  mkdir -p "$dir"
  local group="g-$tag" input="in-$tag" pid probe_pid out mode events
  events=$(awk -v r="$rate" -v s="$LAT_SECONDS" 'BEGIN {printf "%d", r * s}')
  local customers=$LAT_CUSTOMERS
  ((customers * 4 <= events)) || customers=$((events / 4))
  admin create --partitions "$PARTITIONS" "$input"
  case $scenario in
    passthrough-*)
      out="out-$tag"
      mode=header
      local txn_args=()
      [[ $scenario == passthrough-txn ]] && txn_args=(--transactions "$TXN_EVERY" --txn-interval-ms "$COMMIT_INTERVAL_MS")
      admin create --partitions "$PARTITIONS" "$out"
      "$BIN/passthrough" --bootstrap "$BOOTSTRAP" --input "$input" --output "$out" --group "$group" \
        --status-file "$dir/status" -X fetch.wait.max.ms=5 "${txn_args[@]}" \
        >"$dir/passthrough.json" 2>"$dir/passthrough.log" &
      pid=$!
      PIDS+=("$pid")
      wait_file_has "$dir/status" 'assigned=[1-9]' 60 ||
        { log "$tag: passthrough not assigned"; stop_pid "$pid" 30; return 1; }
      ;;
    reminderd-*)
      out="$tag-decisions"
      mode=decisions
      local dmode=at_least_once
      [[ $scenario == reminderd-eos ]] && dmode=exactly_once
      write_config "$dir/reminderd.yaml" "$dmode" "$group" "$tag" "$input" fetch.wait.max.ms=5
      "$REMINDERD" run --config "$dir/reminderd.yaml" >"$dir/stdout.log" 2>"$dir/reminderd.log" &
      pid=$!
      PIDS+=("$pid")
      wait_http_ready "$pid" 90 || { log "$tag: reminderd not ready"; stop_pid "$pid" 30; return 1; }
      ;;
  esac
  # The customers first (their profiles and first delinquencies, unpaced), and
  # wait until the consumer under test has committed all of it: the timed
  # phase measures the steady mix, not the one-off introduction burst.
  local total=$((events + 2 * customers))
  run_fg "$BIN/loadgen" --bootstrap "$BOOTSTRAP" --topic "$input" --customers "$customers" --events "$total" \
    --seed 7 --phase intro >"$dir/loadgen-intro.json" 2>"$dir/loadgen-intro.log" || log "$tag: intro loadgen failed"
  local i lag=-1
  for ((i = 0; i < 1200; i++)); do
    lag=$(admin lag --group "$group" --topic "$input" 2>/dev/null | awk '{print $3}')
    [[ $lag == 0 ]] && break
    sleep 0.1
  done
  [[ $lag == 0 ]] || log "$tag: the introduction was not consumed within 120 s (lag $lag)"
  local since
  since=$(date +%s%N)
  "$BIN/latency_probe" --bootstrap "$BOOTSTRAP" --topic "$out" --group "probe-$tag" --mode "$mode" \
    --produced "$dir/produced.txt" --expect "$total" --idle-exit-s 4 --max-s $((LAT_SECONDS + 120)) \
    --warmup-s 2 --since-ns "$since" --ready-file "$dir/probe-ready" >"$dir/probe.json" 2>"$dir/probe.log" &
  probe_pid=$!
  PIDS+=("$probe_pid")
  wait_file_has "$dir/probe-ready" ready 60 ||
    { log "$tag: probe not ready"; stop_pid "$probe_pid" 10; stop_pid "$pid" 30; return 1; }
  local load_start load_end t0 t1 busy0 busy1 b0 b1 p0 p1
  load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  t0=$(date +%s.%N) busy0=$(busy_ticks) b0=$(proc_ticks "$BROKER_PID") p0=$(proc_ticks "$pid")
  run_fg "$BIN/loadgen" --bootstrap "$BOOTSTRAP" --topic "$input" --customers "$customers" --events "$total" \
    --rate "$rate" --seed 7 --phase mix --produced-file "$dir/produced.txt" >"$dir/loadgen.json" 2>"$dir/loadgen.log" ||
    log "$tag: loadgen failed"
  t1=$(date +%s.%N) busy1=$(busy_ticks) b1=$(proc_ticks "$BROKER_PID") p1=$(proc_ticks "$pid")
  load_end=$(cut -d' ' -f1-3 /proc/loadavg)
  wait_exit "$probe_pid" $((LAT_SECONDS + 150)) || true
  [[ $scenario == reminderd-* ]] && curl -s "http://127.0.0.1:$HTTP_PORT/metrics" >"$dir/metrics.txt" 2>/dev/null
  stop_pid "$pid" 90 || true
  # Cores used by other processes while the paced phase ran: machine busy time
  # minus the broker, the process under test, the loadgen (and the probe, over
  # its whole life: an upper bound).
  local hz other
  hz=$(getconf CLK_TCK)
  other=$(awk -v t0="$t0" -v t1="$t1" -v bz0="$busy0" -v bz1="$busy1" -v b0="$b0" -v b1="$b1" -v p0="$p0" -v p1="$p1" \
    -v hz="$hz" -v lg="$(jq -r '.cpu_s // 0' "$dir/loadgen.json" 2>/dev/null)" \
    -v pr="$(jq -r '.cpu_s // 0' "$dir/probe.json" 2>/dev/null)" \
    'BEGIN { o = ((bz1 - bz0) - (b1 - b0) - (p1 - p0)) / hz - lg - pr; if (o < 0) o = 0; printf "%.2f", o / (t1 - t0) }')
  # shellcheck disable=SC2046
  admin delete "$input" "$out" $([[ $scenario == reminderd-* ]] && daemon_topics "$tag") || true
  local probe
  probe=$(cat "$dir/probe.json")
  [[ -n $probe ]] || { log "$tag: no probe result"; return 1; }
  echo "$probe" | tag_json latency scenario "$scenario" rate "$rate" load_start "$load_start" load_end "$load_end" \
    loadgen_rate "$(jq -r .rate "$dir/loadgen.json" 2>/dev/null)" \
    pace_slips "$(jq -r .pace_slips "$dir/loadgen.json" 2>/dev/null)" customers "$customers" other_cores "$other" \
    txn_count "$(awk '/^reminderd_transaction_duration_seconds_count/ {printf "%d", $NF}' "$dir/metrics.txt" 2>/dev/null)" \
    txn_seconds "$(awk '/^reminderd_transaction_duration_seconds_sum/ {printf "%.3f", $NF}' "$dir/metrics.txt" 2>/dev/null)" \
    >>"$RESULTS"
  log "$tag: $(echo "$probe" | jq -c '{samples, missing, p50_ms, p99_ms, p999_ms, max_ms}')"
}

# ------------------------------------------------------------------- restore
run_restore() {
  local tag=$NS-restore dir=$OUT_DIR/restore
  mkdir -p "$dir"
  local group=g-$NS-restore input=$NS-restore-in pid
  log "restore: producing $RESTORE_CUSTOMERS profile events"
  run_fg "$BIN/loadgen" --bootstrap "$BOOTSTRAP" --topic "$input" --create-partitions "$PARTITIONS" \
    --customers "$RESTORE_CUSTOMERS" --profiles-only --replicate-from 100000 --seed 3 \
    >"$dir/loadgen.json" 2>"$dir/loadgen.log" ||
    { log "restore: loadgen failed"; return 1; }
  write_config "$dir/reminderd.yaml" exactly_once "$group" "$tag" "$input"
  "$REMINDERD" run --config "$dir/reminderd.yaml" >"$dir/stdout-1.log" 2>"$dir/reminderd-1.log" &
  pid=$!
  PIDS+=("$pid")
  run_fg "$BIN/progress_watch" --pid "$pid" --broker-pid "$BROKER_PID" --target "$RESTORE_CUSTOMERS" \
    --bootstrap "$BOOTSTRAP" --group "$group" --topic "$input" --metrics-url "127.0.0.1:$HTTP_PORT" \
    --timeout-s "$WATCH_TIMEOUT_S" --csv "$dir/timeline-1.csv" >"$dir/watch.json" 2>"$dir/watch.log" || true
  tag_json restore_fill scenario reminderd-eos <"$dir/watch.json" >>"$RESULTS"
  stop_pid "$pid" 90 || log "restore: first run exit code $?"
  local t0 t1 restore_load
  restore_load=$(cut -d' ' -f1-3 /proc/loadavg)
  t0=$(date +%s.%N)
  "$REMINDERD" run --config "$dir/reminderd.yaml" >"$dir/stdout-2.log" 2>"$dir/reminderd-2.log" &
  pid=$!
  PIDS+=("$pid")
  if wait_http_ready "$pid" 300; then
    t1=$(date +%s.%N)
  else
    t1=""
    log "restore: second run not ready"
  fi
  local hwm
  hwm=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status" 2>/dev/null || echo -1)
  stop_pid "$pid" 90 || true
  local line
  line=$(grep '"state.restored"' "$dir/reminderd-2.log" | tail -1 || true)
  [[ -n $line ]] || { log "restore: no state.restored line"; return 1; }
  echo "$line" >"$dir/state.restored.json"
  local ready_s=-1
  [[ -n $t1 ]] && ready_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  jq -c --arg ready "$ready_s" --arg hwm "$hwm" --arg n "$RESTORE_CUSTOMERS" --arg load "$restore_load" \
    '{kind: "restore", customers_produced: ($n|tonumber), restored_customers: (.customers // .fields.customers),
      records: (.records // .fields.records), bytes: (.bytes // .fields.bytes),
      seconds: ((.seconds // .fields.seconds)|tostring|tonumber), process_start_to_ready_s: ($ready|tonumber),
      hwm_mb_after_restore: ($hwm|tonumber), load_start: $load}' <<<"$line" >>"$RESULTS" ||
    { log "restore: cannot parse: $line"; return 1; }
  log "restore: $(tail -1 "$RESULTS")"
  # shellcheck disable=SC2046
  admin delete "$input" $(daemon_topics "$tag") || true
}

# ------------------------------------------------------------------- the runs
if [[ -z ${SKIP_THROUGHPUT:-} || -n ${PERF:-} ]]; then  # (latency runs have their own input)
  log "producing the input: $EVENTS events, $CUSTOMERS customers, $PARTITIONS partitions"
  admin create --partitions "$PARTITIONS" "$INPUT"
  run_fg "$BIN/loadgen" --bootstrap "$BOOTSTRAP" --topic "$INPUT" --customers "$CUSTOMERS" --events "$EVENTS" \
    --seed 1 >"$OUT_DIR/loadgen-input.json" 2>"$OUT_DIR/loadgen-input.log" || die "loadgen failed"
  tag_json input <"$OUT_DIR/loadgen-input.json" >>"$RESULTS"
  log "input: $(cat "$OUT_DIR/loadgen-input.json")"
fi

if [[ -z ${SKIP_THROUGHPUT:-} ]]; then
  for ((round = 1; round <= RUNS; round++)); do
    for scenario in $SCENARIOS; do
      log "throughput: $scenario, round $round/$RUNS"
      run_throughput "$scenario" "$round" || log "throughput: $scenario round $round FAILED"
    done
  done
fi

if [[ -n ${PERF:-} ]]; then
  # One extra reminderd-alo run under perf (not part of the figures): 10 s of
  # samples with DWARF call graphs once consumption is under way.
  dir=$OUT_DIR/perf-alo
  mkdir -p "$dir"
  write_config "$dir/reminderd.yaml" at_least_once "g-$NS-perf" "$NS-perf" "$INPUT"
  "$REMINDERD" run --config "$dir/reminderd.yaml" >"$dir/stdout.log" 2>"$dir/reminderd.log" &
  pid=$!
  PIDS+=("$pid")
  wait_http_ready "$pid" 60 || true
  sleep 2
  perf record -F 499 --call-graph dwarf,16384 -o "$dir/perf.data" -p "$pid" -- sleep 10 \
    >"$dir/perf-record.log" 2>&1 || log "perf record failed (see $dir/perf-record.log)"
  stop_pid "$pid" 90 || true
  {
    echo "## threads"
    perf report -i "$dir/perf.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$'
    echo "## main thread (comm reminderd), self time by symbol"
    perf report -i "$dir/perf.data" --no-children --comm reminderd --sort dso,symbol --stdio -g none \
      --percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$' | cut -c1-160
    echo "## main thread, inclusive time by symbol"
    perf report -i "$dir/perf.data" --children --comm reminderd --sort symbol --stdio -g none \
      --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | cut -c1-160
  } >"$OUT_DIR/perf-alo.txt"
  log "perf profile: $OUT_DIR/perf-alo.txt"
  # shellcheck disable=SC2046
  admin delete $(daemon_topics "$NS-perf") || true
fi

if [[ -z ${SKIP_LATENCY:-} ]]; then
  if [[ -z ${LAT_RATE:-} ]]; then
    # Half the median reminderd-alo rate (the last attempt of each round).
    LAT_RATE=$(jq -s '[.[] | select(.kind=="throughput" and .scenario=="reminderd-alo")]
      | group_by(.round) | map(max_by(.attempt | tonumber)) | map(select(.ok == true) | .rate)
      | sort | if length == 0 then 20000 else .[(length-1)/2|floor] / 2 | floor end' "$RESULTS")
  fi
  for rate in $LAT_RATE ${LAT_EXTRA_RATES:-}; do
    log "latency at $rate events/s for ${LAT_SECONDS}s"
    for scenario in $SCENARIOS; do
      run_latency "$scenario" "$rate" || log "latency: $scenario at $rate/s FAILED"
    done
  done
fi

if [[ -z ${SKIP_RESTORE:-} ]]; then
  run_restore || log "restore FAILED"
fi

if [[ -z ${SKIP_STATE:-} ]]; then
  log "state_memory: $STATE_CUSTOMERS customers"
  run_fg "$BIN/state_memory" --customers "$STATE_CUSTOMERS" --partitions "$PARTITIONS" \
    >"$OUT_DIR/state_memory.jsonl" 2>"$OUT_DIR/state_memory.log" || log "state_memory FAILED"
  sed 's/^{/{"kind":"state",/' "$OUT_DIR/state_memory.jsonl" >>"$RESULTS"
  cat "$OUT_DIR/state_memory.jsonl" >&2
fi

python3 "$ROOT/bench/harness/summarize.py" "$RESULTS" | tee "$OUT_DIR/summary.md"
