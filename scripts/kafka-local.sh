#!/usr/bin/env bash
# Manages a real single-node Apache Kafka 4.1.1 broker (KRaft, broker+controller in
# one JVM) on 127.0.0.1 for tests and local runs of reminderd.
#
#   scripts/kafka-local.sh up        fetch jars if needed, format (once), start, wait
#                                     until ready; prints `bootstrap=127.0.0.1:PORT`
#   scripts/kafka-local.sh down      stop the broker and delete its state dir
#   scripts/kafka-local.sh status    `running bootstrap=...` (exit 0) or `stopped` (exit 1)
#   scripts/kafka-local.sh restart   stop and start again on the same data
#   scripts/kafka-local.sh topic NAME PARTITIONS [--compact]   create if missing
#
# Environment:
#   KAFKA_PORT             PLAINTEXT port (default 9092)
#   KAFKA_CONTROLLER_PORT  CONTROLLER port (default KAFKA_PORT+1)
#   KAFKA_STATE_DIR        config, data, logs, pid (default $REMINDERD_CACHE/kafka-run-$KAFKA_PORT)
#   KAFKA_SASL_SSL_PORT    opt-in: also a SASL_SSL listener (TLS + SCRAM-SHA-512 or PLAIN) on this port,
#                          with a throwaway CA and broker certificate (openssl, PEM keystore)
#                          and one SCRAM user created at format time; an ACL authorizer
#                          (anonymous PLAINTEXT clients are super users, so other tests are
#                          unaffected; topics without ACLs stay open). Its files, in
#                          $KAFKA_STATE_DIR/tls: ca.pem (trust anchor for clients),
#                          scram-user, scram-password (random, mode 0600). Decided when the
#                          state dir is formatted: `down` first to switch it on or off.
#   KAFKA_SCRAM_USER       the SCRAM user (default reminderd)
#   REMINDERD_CACHE        default ${XDG_CACHE_HOME:-$HOME/.cache}/reminderd; jars go to
#                          $REMINDERD_CACHE/kafka-4.1.1/libs (fetched once with Maven)
#
# Only the bootstrap/status line goes to stdout (plus `sasl_ssl=HOST:PORT tls_dir=DIR` with
# KAFKA_SASL_SSL_PORT); all diagnostics go to stderr.
# The broker logs (WARN and above) to $KAFKA_STATE_DIR/broker.log; its raw
# stdout/stderr (JVM errors) to $KAFKA_STATE_DIR/console.log.
set -euo pipefail

readonly KAFKA_VERSION=4.1.1
readonly HOST=127.0.0.1
readonly READY_TIMEOUT_S=60   # up/restart: start until the broker answers metadata
readonly STOP_TERM_WAIT_S=30  # SIGTERM grace period before SIGKILL
readonly STOP_KILL_WAIT_S=10  # wait for the process to vanish after SIGKILL
readonly LOCK_WAIT_S=180      # another up/down/restart on the same state dir
readonly FETCH_LOCK_WAIT_S=900

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly POM="$SCRIPT_DIR/kafka/pom.xml"

log() { printf 'kafka-local: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

CACHE="${REMINDERD_CACHE:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/reminderd}"
readonly KAFKA_DIST="$CACHE/kafka-$KAFKA_VERSION"
readonly LIBS="$KAFKA_DIST/libs"

PORT="${KAFKA_PORT:-9092}"
valid_port() { [[ $1 =~ ^[1-9][0-9]{0,4}$ ]] && (($1 < 65536)); }
valid_port "$PORT" || die "bad KAFKA_PORT '$PORT'"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
valid_port "$CPORT" || die "bad KAFKA_CONTROLLER_PORT '$CPORT'"
((CPORT != PORT)) || die "KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT"
SPORT="${KAFKA_SASL_SSL_PORT:-}"
if [[ -n $SPORT ]]; then
  valid_port "$SPORT" || die "bad KAFKA_SASL_SSL_PORT '$SPORT'"
  ((SPORT != PORT && SPORT != CPORT)) || die "KAFKA_SASL_SSL_PORT must differ from the other ports"
fi
SCRAM_USER="${KAFKA_SCRAM_USER:-reminderd}"
[[ $SCRAM_USER =~ ^[A-Za-z0-9._-]{1,64}$ ]] || die "bad KAFKA_SCRAM_USER '$SCRAM_USER'"
readonly PORT CPORT SPORT SCRAM_USER
readonly BOOTSTRAP="$HOST:$PORT"

STATE="${KAFKA_STATE_DIR:-$CACHE/kafka-run-$PORT}"
STATE=$(realpath -m -- "$STATE")   # absolute: it is written into config files
[[ $STATE != / && $STATE != "$(realpath -m -- "${HOME:-/}")" ]] || die "refusing state dir '$STATE'"
readonly STATE
readonly PIDFILE="$STATE/kafka.pid"
readonly MARKER="$STATE/.reminderd-kafka-local"   # dirs without it are never deleted
readonly BROKER_LOG="$STATE/broker.log"
readonly CONSOLE_LOG="$STATE/console.log"
readonly TLS_DIR="$STATE/tls"

now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
elapsed_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# ---------------------------------------------------------------------------- jars

write_file_atomic() { # path, content on stdin
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  mv -f "$tmp" "$1"
}

ensure_jars() {
  command -v java >/dev/null || die "java not found (scripts/install-deps.sh installs default-jdk-headless)"
  if [[ ! -f $LIBS/.complete || ! -f $KAFKA_DIST/tools-log4j.properties ]]; then
    mkdir -p "$KAFKA_DIST"
    local fd
    exec {fd}>"$KAFKA_DIST.lock"
    flock -w "$FETCH_LOCK_WAIT_S" "$fd" || die "timed out waiting for another jar fetch ($KAFKA_DIST.lock)"
    if [[ ! -f $LIBS/.complete ]]; then
      command -v mvn >/dev/null || die "mvn not found (scripts/install-deps.sh installs maven)"
      [[ -f $POM ]] || die "missing $POM"
      local t0 tmp
      t0=$(now)
      tmp=$(mktemp -d "$KAFKA_DIST/libs.tmp.XXXXXX")
      local -a args=(-B -q -f "$POM" dependency:copy-dependencies
        -DincludeScope=runtime -DoutputDirectory="$tmp")
      log "fetching Kafka $KAFKA_VERSION jars into $LIBS (one-time)"
      # Maven 3.8 prints bare ESC[0m resets even with -B -q; jansi.noreset stops that.
      export MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true"
      # Offline first: works without network when ~/.m2 already has everything.
      if ! mvn -o "${args[@]}" >/dev/null 2>&1; then
        rm -rf "$tmp" && mkdir -p "$tmp"
        if ! mvn "${args[@]}" >&2; then
          rm -rf "$tmp"
          die "mvn could not fetch the Kafka jars (needs Maven Central or a primed ~/.m2)"
        fi
      fi
      [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar && -f $tmp/kafka-tools-$KAFKA_VERSION.jar ]] ||
        { rm -rf "$tmp"; die "jar fetch incomplete: kafka jars missing in $tmp"; }
      touch "$tmp/.complete"
      rm -rf "$LIBS"
      mv "$tmp" "$LIBS"
      log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $(elapsed_since "$t0")"
    fi
    # Quiet logging for the short-lived admin tools: WARN+ to stderr. Kafka 4 has both
    # log4j 1 (reload4j, via SLF4J) and log4j 2 (used directly) on the classpath.
    write_file_atomic "$KAFKA_DIST/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
    write_file_atomic "$KAFKA_DIST/tools-log4j2.properties" <<'EOF'
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = STDERR
EOF
    # Admin client settings for TopicCommand: fail fast instead of the 60 s default.
    write_file_atomic "$KAFKA_DIST/admin.properties" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
    exec {fd}>&-
  fi
}

# A short-lived Kafka tool (StorageTool, TopicCommand) in a small, quick-starting JVM.
readonly -a JAVA_TOOL=(java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  -Dlog4j.configuration="file:$KAFKA_DIST/tools-log4j.properties"
  -Dlog4j2.configurationFile="$KAFKA_DIST/tools-log4j2.properties"
  -cp "$LIBS/*")

topic_command() { # timeout-seconds, TopicCommand args...; bounded even if the broker hangs
  local limit=$1
  shift
  timeout -k 5 "$limit" "${JAVA_TOOL[@]}" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --command-config "$KAFKA_DIST/admin.properties" "$@"
}

# -------------------------------------------------------------------------- broker

broker_pid() { # prints the pid of *our* broker (cmdline checked against pid reuse)
  [[ -f $PIDFILE ]] || return 1
  local pid cmd
  pid=$(<"$PIDFILE") || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *kafka.Kafka* && $cmd == *"$STATE/server.properties"* ]] || return 1
  printf '%s\n' "$pid"
}

# shellcheck disable=SC2016 # $0/$1 expand in the inner bash
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null; }

broker_answers() { topic_command 20 --list >/dev/null 2>&1; }

dump_logs() {
  if [[ -s $BROKER_LOG ]]; then
    log "last 50 lines of $BROKER_LOG:"
    tail -n 50 "$BROKER_LOG" >&2
  else
    log "$BROKER_LOG is empty or missing"
  fi
  if [[ -s $CONSOLE_LOG ]]; then
    log "last 50 lines of $CONSOLE_LOG:"
    tail -n 50 "$CONSOLE_LOG" >&2
  fi
}

lock_state() { # serialises up/down/restart on one state dir; lock file sits beside it
  mkdir -p "$(dirname "$STATE")"
  local fd
  exec {fd}>"$STATE.lock"
  flock -w "$LOCK_WAIT_S" "$fd" || die "timed out waiting for $STATE.lock"
  # $fd stays open (lock held) until this script exits.
}

prepare_state_dir() {
  if [[ -d $STATE && ! -f $MARKER ]] && [[ -n $(ls -A "$STATE") ]]; then
    die "$STATE exists, is not empty and was not created by this script; refusing to use it"
  fi
  mkdir -p "$STATE/data"
  touch "$MARKER"
}

# ------------------------------------------------------------------- TLS + SASL

# A throwaway CA and a broker certificate for 127.0.0.1 / localhost, made once
# per state dir. The broker reads a PEM keystore (unencrypted PKCS#8 key, then
# its certificate and the CA's); clients trust ca.pem.
make_tls() {
  [[ -f $TLS_DIR/broker-keystore.pem && -f $TLS_DIR/ca.pem ]] && return 0
  command -v openssl >/dev/null || die "openssl not found (scripts/install-deps.sh installs it)"
  local tmp
  tmp=$(mktemp -d "$STATE/tls.tmp.XXXXXX")
  (
    set -e
    cd "$tmp"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=reminderd-test-ca" \
      -keyout ca.key -out ca.pem \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout broker.key -out broker.csr
    printf '%s\n' "subjectAltName=IP:$HOST,DNS:localhost" "extendedKeyUsage=serverAuth" \
      "basicConstraints=CA:FALSE" >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
      -extfile broker.ext -out broker.pem
    openssl pkcs8 -topk8 -nocrypt -in broker.key -out broker.pk8
    cat broker.pk8 broker.pem ca.pem >broker-keystore.pem
    rm -f broker.key broker.pk8 broker.csr broker.ext ca.srl
    # Random SCRAM password: letters and digits only (it goes into a
    # --add-scram argument, where ',' ']' and '"' would need quoting).
    head -c 48 /dev/urandom | base64 -w 0 | tr -dc 'A-Za-z0-9' | head -c 32 >scram-password
    printf '%s' "$SCRAM_USER" >scram-user
    chmod 644 ca.pem scram-user
    chmod 755 .
  ) >/dev/null 2>"$STATE/openssl.log" || { cat "$STATE/openssl.log" >&2; rm -rf "$tmp"; die "openssl failed"; }
  rm -rf "$TLS_DIR"
  mv "$tmp" "$TLS_DIR"
  log "made a throwaway CA and broker certificate in $TLS_DIR"
}

sasl_ssl_properties() {
  [[ -n $SPORT ]] || return 0
  cat <<EOF
# SCRAM-SHA-512 for the user made at format time. PLAIN (over TLS) for the
# same user and password too: librdkafka before 2.6.1 (Debian 12 has 2.0.2)
# sends a SCRAM proof that Kafka 4.x brokers reject (librdkafka#4895).
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SCRAM_USER="$(<"$TLS_DIR/scram-password")";
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/broker-keystore.pem
listener.name.sasl_ssl.ssl.client.auth=none
# ACLs for the authorization-failure tests. PLAINTEXT and CONTROLLER clients
# are anonymous: super users, so nothing else notices the authorizer.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
allow.everyone.if.no.acl.found=true
EOF
}

write_configs() {
  local listeners="PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT"
  local advertised="PLAINTEXT://$HOST:$PORT"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n $SPORT ]]; then
    listeners+=",SASL_SSL://$HOST:$SPORT"
    advertised+=",SASL_SSL://$HOST:$SPORT"
    protocols+=",SASL_SSL:SASL_SSL"
  fi
  write_file_atomic "$STATE/server.properties" <<EOF
# Generated by scripts/kafka-local.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=$protocols
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.voters=1@$HOST:$CPORT
log.dirs=$STATE/data
num.partitions=12
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
$(sasl_ssl_properties)
EOF
  write_file_atomic "$STATE/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$BROKER_LOG
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  write_file_atomic "$STATE/log4j2.properties" <<EOF
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $BROKER_LOG
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.file.ref = FILE
EOF
}

format_if_needed() {
  if [[ -f $STATE/data/meta.properties ]]; then
    # SCRAM users exist only if they were added at format time.
    [[ -z $SPORT || -f $STATE/.sasl-ssl ]] ||
      die "$STATE was formatted without KAFKA_SASL_SSL_PORT; run '$0 down' first"
    return 0
  fi
  local -a scram=()
  if [[ -n $SPORT ]]; then
    scram=(--add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$(<"$TLS_DIR/scram-password")]")
  fi
  local id
  # A Kafka Uuid: 16 random bytes, URL-safe base64 without padding; Kafka's own
  # generator avoids a leading '-' (looks like a CLI flag), so do we.
  while :; do
    id=$(head -c 16 /dev/urandom | base64 -w 0 | tr '+/' '-_' | tr -d '=')
    [[ $id != -* ]] && break
  done
  log "formatting $STATE/data (cluster id $id)"
  # No --standalone: it is refused together with controller.quorum.voters.
  timeout -k 5 120 "${JAVA_TOOL[@]}" kafka.tools.StorageTool format -t "$id" -c "$STATE/server.properties" \
    --ignore-formatted "${scram[@]}" >&2 || die "formatting $STATE/data failed"
  if [[ -n $SPORT ]]; then touch "$STATE/.sasl-ssl"; fi
}

wait_ready() { # pid: until the port accepts AND a metadata request succeeds
  local pid=$1 t0=$2 deadline=$((SECONDS + READY_TIMEOUT_S))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker (pid $pid) exited during startup"
      return 1
    fi
    if port_open "$PORT" && broker_answers; then
      log "broker ready on $BOOTSTRAP (pid $pid) after $(elapsed_since "$t0")"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      log "broker not ready after ${READY_TIMEOUT_S}s"
      return 1
    fi
    sleep 0.3
  done
}

start_broker() {
  local t0 pid
  t0=$(now)
  ensure_jars
  port_open "$PORT" && die "port $PORT is already in use by another process (not our broker in $STATE)"
  port_open "$CPORT" && die "controller port $CPORT is already in use by another process"
  [[ -z $SPORT ]] || ! port_open "$SPORT" || die "SASL_SSL port $SPORT is already in use by another process"
  prepare_state_dir
  if [[ -n $SPORT ]]; then make_tls; fi
  write_configs
  format_if_needed
  rm -f "$PIDFILE"
  : >"$CONSOLE_LOG"
  (
    # Detach fully: new session, stdio away from the caller's pipes (so that
    # `$(kafka-local.sh up)` returns), and no inherited fds (our flock fds, bats' fd 3).
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    cd "$STATE"
    # setsid may fork; the inner bash records its own pid and execs java (same pid).
    # shellcheck disable=SC2016 # $$/$1/$@ expand in the inner bash
    exec setsid bash -c 'echo $$ >"$1"; shift; exec nohup "$@"' _ "$PIDFILE" \
      java -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
      -Dkafka.logs.dir="$STATE" \
      -Dlog4j.configuration="file:$STATE/log4j.properties" \
      -Dlog4j2.configurationFile="$STATE/log4j2.properties" \
      -cp "$LIBS/*" kafka.Kafka "$STATE/server.properties"
  ) </dev/null >>"$CONSOLE_LOG" 2>&1 &
  local i
  for ((i = 0; i < 100; i++)); do # the pid file appears within milliseconds
    pid=$(broker_pid) && break
    sleep 0.05
  done
  if [[ -z ${pid:-} ]]; then
    log "broker process did not start"
    dump_logs
    exit 1
  fi
  if ! wait_ready "$pid" "$t0"; then
    dump_logs
    stop_broker >/dev/null 2>&1 || true
    exit 1
  fi
}

stop_broker() { # returns 0 if a broker was stopped, 1 if none was running
  local pid i
  if ! pid=$(broker_pid); then
    rm -f "$PIDFILE"
    return 1
  fi
  local t0
  t0=$(now)
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TERM_WAIT_S * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker (pid $pid) ignored SIGTERM for ${STOP_TERM_WAIT_S}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_KILL_WAIT_S * 5; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && die "broker (pid $pid) survived SIGKILL"
  fi
  rm -f "$PIDFILE"
  log "broker (pid $pid) stopped after $(elapsed_since "$t0")"
  return 0
}

# ------------------------------------------------------------------------ commands

cmd_up() {
  lock_state
  local pid
  if pid=$(broker_pid); then
    # Ours and alive: normally ready already; otherwise wait (bounded) as on start.
    if ! port_open "$PORT" && ! wait_ready "$pid" "$(now)"; then
      dump_logs
      exit 1
    fi
  else
    start_broker
  fi
  echo "bootstrap=$BOOTSTRAP"
  if [[ -n $SPORT ]]; then echo "sasl_ssl=$HOST:$SPORT tls_dir=$TLS_DIR"; fi
}

cmd_down() {
  lock_state
  stop_broker || log "no broker running for $STATE"
  if [[ -d $STATE ]]; then
    if [[ -f $MARKER || -z $(ls -A "$STATE") ]]; then
      rm -rf -- "$STATE"
    else
      die "$STATE was not created by this script; not deleting it"
    fi
  fi
}

cmd_status() {
  if broker_pid >/dev/null; then
    echo "running bootstrap=$BOOTSTRAP"
  else
    echo "stopped"
    exit 1
  fi
}

cmd_restart() {
  lock_state
  stop_broker || log "no broker was running for $STATE; starting one"
  start_broker
  echo "bootstrap=$BOOTSTRAP"
  if [[ -n $SPORT ]]; then echo "sasl_ssl=$HOST:$SPORT tls_dir=$TLS_DIR"; fi
}

cmd_topic() {
  (($# == 2 || $# == 3)) || die "usage: $0 topic NAME PARTITIONS [--compact]"
  local name=$1 parts=$2
  [[ $name =~ ^[A-Za-z0-9._-]{1,249}$ ]] || die "bad topic name '$name'"
  [[ $parts =~ ^[1-9][0-9]{0,5}$ ]] || die "bad partition count '$parts'"
  local -a extra=()
  if (($# == 3)); then
    [[ $3 == --compact ]] || die "unknown option '$3' (only --compact)"
    extra=(--config cleanup.policy=compact)
  fi
  port_open "$PORT" || die "no broker listening on $BOOTSTRAP (run: $0 up)"
  ensure_jars
  topic_command 60 --create --if-not-exists --topic "$name" --partitions "$parts" \
    --replication-factor 1 "${extra[@]}" >&2 ||
    die "could not create topic '$name' on $BOOTSTRAP (is the broker up?)"
}

usage() {
  sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

(($# >= 1)) || usage
cmd=$1
shift
case $cmd in
up) (($# == 0)) || usage; cmd_up ;;
down) (($# == 0)) || usage; cmd_down ;;
status) (($# == 0)) || usage; cmd_status ;;
restart) (($# == 0)) || usage; cmd_restart ;;
topic) cmd_topic "$@" ;;
-h | --help | help) usage ;;
*) usage ;;
esac
