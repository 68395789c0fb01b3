#!/usr/bin/env python3
"""End-to-end check of the Grafana dashboard and the alert rules against real data.

Starts reminderd (with its demo feed) against the test broker and Debian's
Prometheus scraping it every second, then runs every PromQL query of
deploy/grafana/reminderd-dashboard.json (panels, template variables,
annotations) through Prometheus' HTTP API. Every query must succeed; the key
ones (events consumed, decisions by outcome, dispatches or deferred backlog,
readiness, build info...) must return non-empty, non-zero series. The alert
rules of deploy/prometheus/alerts.yaml are loaded into the same Prometheus and
must evaluate without error on the real series.

Python 3 standard library only. Both processes are stopped at the end (SIGTERM,
then SIGKILL), also on failure; they also die with this script (PDEATHSIG).

Environment (set by tests/deploy/CMakeLists.txt):
  REMINDERD_BINARY   the reminderd binary
  KAFKA_BOOTSTRAP    the test broker, e.g. 127.0.0.1:39092
  PROMETHEUS_BINARY  optional, default: `prometheus` from PATH
Arguments: --dashboard FILE --policy FILE --alerts FILE [--keep]
"""

import argparse
import ctypes
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

JOB = "reminderd"
# Concrete values for Grafana's variables when the queries run outside Grafana.
SUBSTITUTIONS = {
    "job": JOB,
    "instance": ".*",
    "__rate_interval": "30s",
    "__interval": "15s",
    "__range": "5m",
}
OVERALL_DEADLINE_S = 240  # below the ctest TIMEOUT, so cleanup always runs
START_TIMEOUT_S = 60  # reminderd: topic creation, group join
PROM_READY_TIMEOUT_S = 30
DATA_TIMEOUT_S = 120  # key series non-zero
STOP_TERM_WAIT_S = 30  # reminderd drains on SIGTERM (drain_timeout_ms below is 10 s)
STOP_KILL_WAIT_S = 10
# A daemon that exits during start-up is restarted like systemd (RestartSec=5s) or
# the kubelet would, at most this often, with a warning: this test is about the
# dashboard, the start-up itself is covered by the pipeline e2e test.
MAX_RESTARTS = 2
RESTART_DELAY_S = 3

# (name, how to find the dashboard query, what it must show). A key check
# passes when at least one matching query returns a series with a non-zero,
# finite value.
KEY_CHECKS = [
    ("build info", lambda e: "reminderd_build_info" in e),
    ("events consumed/s", lambda e: "reminderd_events_consumed_total" in e and "rate(" in e),
    ("decisions by outcome", lambda e: "reminderd_decisions_total" in e and "by (outcome)" in e),
    ("dispatches or deferred backlog",
     lambda e: "reminderd_dispatches_total" in e or "reminderd_deferred_contacts" in e),
    ("readiness", lambda e: e.startswith("sum(reminderd_ready")),
    ("scrape up", lambda e: e.startswith("sum(up{")),
    ("assigned partitions", lambda e: "reminderd_assigned_partitions" in e),
    ("consume-to-produce latency", lambda e: "reminderd_consume_to_produce_seconds" in e),
    ("customers in state", lambda e: "reminderd_customers" in e),
    # After POST /admin/channels/email/pause (the kill switch) during the run.
    ("channel paused", lambda e: e.startswith("sum(reminderd_channel_paused")),
    ("kill switch annotation", lambda e: e.startswith("changes(reminderd_channel_paused")),
]
PAUSED_CHANNEL = "email"


def log(msg):
    print(f"[dashboard-e2e] {msg}", flush=True)


def die_with_parent():
    """preexec_fn: the child gets SIGKILL if this script dies (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


def http_post(url, token, timeout=5.0):
    req = urllib.request.Request(url, data=b"", method="POST",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


class Proc:
    """A child process with its output in a file, stopped by stop()."""

    def __init__(self, name, argv, out_path, env=None):
        self.name = name
        self.out_path = out_path
        self.out = open(out_path, "wb")
        log(f"starting {name}: {' '.join(argv)}")
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.out,
                                  stderr=subprocess.STDOUT, preexec_fn=die_with_parent, env=env)

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        """SIGTERM, wait, SIGKILL; returns the exit code (negative: killed by signal)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(STOP_TERM_WAIT_S)
            except subprocess.TimeoutExpired:
                log(f"{self.name} ignored SIGTERM for {STOP_TERM_WAIT_S}s: SIGKILL")
                self.p.kill()
                try:
                    self.p.wait(STOP_KILL_WAIT_S)
                except subprocess.TimeoutExpired:
                    log(f"{self.name} (pid {self.p.pid}) did not exit after SIGKILL")
        self.out.close()
        return self.p.returncode

    def tail(self, n=40):
        try:
            with open(self.out_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""


# ------------------------------------------------------------------ dashboard


def dashboard_queries(dash):
    """[(where, expr, kind)] for every PromQL expression of the dashboard."""
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((f"panel '{p.get('title')}' {t.get('refId')}", t["expr"], "panel"))
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("expr"):
            out.append((f"annotation '{a.get('name')}'", a["expr"], "annotation"))
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", q or "", re.S)
        if not m:
            raise ValueError(f"variable {v.get('name')}: unsupported query {q!r}")
        # label_values(EXPR, LABEL) is what Grafana asks Prometheus as series of EXPR.
        out.append((f"variable '{v['name']}'", f"group by ({m.group(2)}) ({m.group(1)})", "variable"))
    return out


def substitute(expr):
    def repl(m):
        name = m.group(1) or m.group(2)
        if name not in SUBSTITUTIONS:
            raise ValueError(f"no value for ${name} in {expr!r}")
        return SUBSTITUTIONS[name]

    out = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)", repl, expr)
    if "$" in out:
        raise ValueError(f"unresolved variable in {out!r}")
    return out


class Prometheus:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def query(self, expr):
        """(ok, error, result list)."""
        url = f"{self.base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            _, body = http_get(url, timeout=10)
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as e:
            return False, f"request failed: {e}", []
        try:
            doc = json.loads(body)
        except ValueError:
            return False, f"not JSON: {body[:200]}", []
        if doc.get("status") != "success":
            return False, f"{doc.get('errorType')}: {doc.get('error')}", []
        data = doc["data"]
        if data["resultType"] == "vector":
            return True, "", data["result"]
        if data["resultType"] == "scalar":
            return True, "", [{"metric": {}, "value": data["result"]}]
        return False, f"unexpected result type {data['resultType']}", []

    def rules(self):
        _, body = http_get(f"{self.base}/api/v1/rules", timeout=10)
        return [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]]


def values(result):
    out = []
    for s in result:
        try:
            out.append(float(s["value"][1]))
        except (KeyError, ValueError, TypeError):
            pass
    return out


def nonzero(result):
    return any(v != 0 and math.isfinite(v) for v in values(result))


def describe(result, limit=3):
    parts = []
    for s in result[:limit]:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s["metric"].items()) if k != "__name__")
        parts.append(f"{{{labels}}}={s['value'][1]}")
    more = f" (+{len(result) - limit})" if len(result) > limit else ""
    return " ".join(parts) + more


# ------------------------------------------------------------------ setup


def write_daemon_config(path, policy, bootstrap, names, with_changelog, http_port):
    lines = [
        f"policy: {policy}",
        "kafka:",
        f"  bootstrap.servers: {bootstrap}",
        # Static membership, as the Kubernetes StatefulSet configures it.
        f"  group.instance.id: {names['prefix']}-0",
        "topics:",
        f"  input: {names['prefix']}-in",
        f"  sms: {names['prefix']}-sms",
        f"  email: {names['prefix']}-email",
        f"  call: {names['prefix']}-call",
        f"  decisions: {names['prefix']}-decisions",
        f"  dead_letter: {names['prefix']}-dlq",
    ]
    if with_changelog:
        lines.append(f"  changelog: {names['prefix']}-changelog")
    lines += [
        "  partitions: 3",
        "consumer:",
        f"  group_id: {names['prefix']}-group",
        "http:",
        # A fixed port, so a restarted daemon is scraped at the same target.
        f'  listen: "127.0.0.1:{http_port}"',
        "shutdown:",
        "  drain_timeout_ms: 10000",
        "demo:",
        "  customers: 500",
        "  events_per_second: 200",
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def check_config(binary, config):
    r = subprocess.run([binary, "check-config", "--config", config], capture_output=True, text=True,
                       timeout=30)
    return r.returncode, (r.stdout + r.stderr).strip()


def wait_for_listening(proc, log_path, deadline):
    """The daemon logs {"event":"http.listening",...} once its HTTP server is up."""
    while time.monotonic() < deadline:
        if not proc.alive():
            raise DaemonExited(proc.p.returncode)
        try:
            with open(log_path, "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        continue
                    if rec.get("event") == "http.listening":
                        return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("reminderd did not log http.listening in time")


class DaemonExited(Exception):
    def __init__(self, code):
        super().__init__(f"reminderd exited with {code}")
        self.code = code


def start_prometheus(binary, tmp, alerts, target_port, deadline):
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            f"rule_files:\n  - {alerts}\n"
            "scrape_configs:\n"
            f"  - job_name: {JOB}\n"
            "    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n")
    last = None
    for attempt in range(3):  # the free port can be taken between probe and bind
        port = free_port()
        proc = Proc("prometheus", [
            binary, f"--config.file={cfg}",
            f"--storage.tsdb.path={os.path.join(tmp, f'tsdb-{attempt}')}",
            f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            os.path.join(tmp, f"prometheus-{attempt}.log"))
        while time.monotonic() < deadline:
            if not proc.alive():
                break
            try:
                status, _ = http_get(f"http://127.0.0.1:{port}/-/ready", timeout=2)
                if status == 200:
                    return proc, Prometheus(port)
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        last = proc
        proc.stop()
        log(f"prometheus did not become ready on port {port}:\n{proc.tail(10)}")
    raise RuntimeError(f"prometheus did not start: see {last.out_path if last else tmp}")


# ------------------------------------------------------------------ main


def run(args, tmp, procs, warnings):
    started = time.monotonic()
    overall = started + OVERALL_DEADLINE_S
    binary = os.environ.get("REMINDERD_BINARY") or args.reminderd
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:39092")
    prom_bin = os.environ.get("PROMETHEUS_BINARY") or shutil.which("prometheus")
    if not binary or not os.access(binary, os.X_OK):
        raise RuntimeError(f"reminderd binary not found: {binary!r} (set REMINDERD_BINARY)")
    if not prom_bin:
        raise RuntimeError("prometheus not found (Debian package `prometheus`; scripts/install-deps.sh)")

    host, _, bport = bootstrap.split(",")[0].rpartition(":")
    try:
        socket.create_connection((host, int(bport)), timeout=5).close()
    except OSError as e:
        raise RuntimeError(f"no Kafka broker at {bootstrap}: {e} (the real_kafka fixture, "
                           "scripts/kafka-local.sh up, should have started it)") from e

    with open(args.dashboard) as f:
        dash = json.load(f)
    queries = [(w, e, substitute(e), k) for w, e, k in dashboard_queries(dash)]
    log(f"{len(queries)} queries in {args.dashboard}")

    # Unique topics and group per run: the broker is shared by the whole ctest run.
    prefix = f"dash-e2e-{int(time.time())}-{os.getpid()}"
    names = {"prefix": prefix}
    http_port = free_port()
    config = os.path.join(tmp, "reminderd.yaml")
    policy = os.path.abspath(args.policy)
    write_daemon_config(config, policy, bootstrap, names, True, http_port)
    rc, out = check_config(binary, config)
    if rc != 0 and "changelog" in out:
        # A daemon without the changelog topic key (issue 5 not merged): omit it.
        write_daemon_config(config, policy, bootstrap, names, False, http_port)
        rc, out = check_config(binary, config)
    if rc != 0:
        raise RuntimeError(f"check-config failed ({rc}): {out}")

    token = os.urandom(16).hex()
    env = dict(os.environ, REMINDERD_ADMIN_TOKEN=token)  # http.admin_token_env's default
    launches = []

    def launch():
        """Starts reminderd; if it exits at start, again (MAX_RESTARTS), as a supervisor would."""
        while True:
            n = len(launches)
            log_path = os.path.join(tmp, f"reminderd-{n}.log")
            proc = Proc("reminderd", [binary, "run", "--config", config, "--demo"], log_path, env=env)
            procs["reminderd"] = proc
            launches.append(proc)
            try:
                wait_for_listening(proc, log_path, min(overall, time.monotonic() + START_TIMEOUT_S))
                return proc
            except DaemonExited as e:
                restart_or_raise(proc, e.code)

    def restart_or_raise(proc, code):
        tail = "\n".join(l for l in proc.tail(60).splitlines() if "CONFWARN" not in l)[-3000:]
        if len(launches) > MAX_RESTARTS:
            raise RuntimeError(f"reminderd exited with {code}, also after {MAX_RESTARTS} restarts:\n{tail}")
        warnings.append(f"reminderd exited with {code} during start-up and was restarted after "
                        f"{RESTART_DELAY_S}s (as a supervisor would); a daemon bug to report. "
                        f"Its last log lines:\n{tail}")
        log(warnings[-1])
        proc.stop()
        time.sleep(RESTART_DELAY_S)

    daemon = launch()
    log(f"reminderd metrics on 127.0.0.1:{http_port}, topics {prefix}-*")

    prom, api = start_prometheus(prom_bin, tmp, os.path.abspath(args.alerts), http_port,
                                 min(overall, time.monotonic() + PROM_READY_TIMEOUT_S))
    procs["prometheus"] = prom
    log(f"prometheus on {api.base}")

    # Wait (bounded) until every key check is satisfied by the dashboard's own queries.
    key_queries = {name: [q for q in queries if match(q[1])] for name, match in KEY_CHECKS}
    for name, qs in key_queries.items():
        if not qs:
            raise RuntimeError(f"the dashboard has no query for key check '{name}'")
    data_deadline = min(overall - 30, time.monotonic() + DATA_TIMEOUT_S)
    pending = set(key_queries)
    paused = False
    while pending and time.monotonic() < data_deadline:
        if not daemon.alive():
            restart_or_raise(daemon, daemon.p.returncode)
            daemon = launch()
            paused = False  # the kill switch is not persisted across restarts
        if not paused and "build info" not in pending:
            # Pause one channel once Prometheus has seen it running, so the
            # kill-switch panels and annotation have a 0 -> 1 change to show.
            status, body = http_post(
                f"http://127.0.0.1:{http_port}/admin/channels/{PAUSED_CHANNEL}/pause", token)
            log(f"POST /admin/channels/{PAUSED_CHANNEL}/pause: {status} {body.strip()[:80]}")
            paused = True
        for name in sorted(pending):
            if any(nonzero(api.query(q[2])[2]) for q in key_queries[name]):
                pending.discard(name)
                log(f"key series present: {name} ({time.monotonic() - started:.0f}s)")
        if pending:
            time.sleep(2)

    # Every query, once more, now that data is there.
    failures = []
    rows = []
    for where, raw, expr, kind in queries:
        ok, err, result = api.query(expr)
        rows.append((where, ok, err, result, raw))
        if not ok:
            failures.append(f"{where}: query failed: {err}\n    {expr}")
    for name, _ in KEY_CHECKS:
        if name in pending:
            detail = "; ".join(f"{w}: {describe(api.query(e)[2]) or 'empty'}"
                               for w, _, e, _ in key_queries[name])
            failures.append(f"key check '{name}': no non-zero series ({detail})")
    variable_rows = [r for r, q in zip(rows, queries) if q[3] == "variable"]
    for where, ok, err, result, _ in variable_rows:
        if ok and not result:
            failures.append(f"{where}: no values")

    # The alert rules, evaluated by this Prometheus on the real series.
    rule_deadline = time.monotonic() + 15
    while True:
        rules = api.rules()
        unevaluated = [r for r in rules if r.get("lastEvaluation", "").startswith("0001-")]
        if not unevaluated or time.monotonic() > rule_deadline:
            break
        time.sleep(1)
    bad_rules = [r for r in rules if r.get("health") != "ok"]
    for r in bad_rules:
        failures.append(f"alert rule {r.get('name')}: health {r.get('health')}: {r.get('lastError')}")
    firing = sorted({r["name"] for r in rules if r.get("state") == "firing"})

    # Summary.
    print()
    print("=" * 100)
    print(f"dashboard queries: {len(rows)}  (job={JOB}, instance=.*, $__rate_interval=30s, $__range=5m)")
    for where, ok, err, result, _ in rows:
        status = "ok " if ok else "ERR"
        shown = describe(result) if ok else err
        print(f"  {status} {len(result):3d} series  {where}: {shown[:150] or '(empty)'}")
    print(f"key checks: {len(KEY_CHECKS) - len(pending)}/{len(KEY_CHECKS)} non-zero"
          + (f"; missing: {', '.join(sorted(pending))}" if pending else ""))
    print(f"alert rules: {len(rules)} loaded, {len(rules) - len(bad_rules)} healthy"
          + (f"; firing now: {', '.join(firing)}" if firing else "; none firing"))
    empty = [w for w, ok, _, result, _ in rows if ok and not result]
    if empty:
        print(f"empty (valid, no data in this run): {len(empty)}")
        for w in empty:
            print(f"    {w}")
    nan = [w for w, ok, _, result, _ in rows
           if ok and result and all(math.isnan(v) for v in values(result))]
    if nan:
        print(f"NaN only (valid; a histogram with no observations in the window): {len(nan)}")
        for w in nan:
            print(f"    {w}")
    print("=" * 100)
    return failures


def interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dashboard", required=True)
    ap.add_argument("--policy", required=True)
    ap.add_argument("--alerts", required=True)
    ap.add_argument("--reminderd", help="reminderd binary (default: $REMINDERD_BINARY)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir even on success")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="reminderd-dashboard-e2e-")
    procs = {}
    failures = []
    warnings = []
    signal.signal(signal.SIGTERM, interrupted)  # a SIGTERM to this script still cleans up
    try:
        failures = run(args, tmp, procs, warnings)
    except KeyboardInterrupt:
        failures = ["interrupted"]
    except Exception as e:  # noqa: BLE001 - report anything as a test failure
        failures = [f"{type(e).__name__}: {e}"]
    finally:
        for name in ("prometheus", "reminderd"):
            p = procs.get(name)
            if p is None:
                continue
            code = p.stop()
            log(f"{name} stopped, exit code {code}")
            if name == "reminderd" and code not in (0, None):
                log(f"reminderd did not drain cleanly (exit {code}); last log lines:\n{p.tail(20)}")

    for w in warnings:
        print(f"\nWARNING: {w}")
    if failures:
        print("\nFAILED:")
        for f in failures:
            print(f"  - {f}")
        print(f"\nlogs and configs kept in {tmp}")
        if "reminderd" in procs:
            print(f"--- last lines of reminderd.log ---\n{procs['reminderd'].tail(25)}")
        return 1
    print("PASSED: every dashboard query ran, key series are non-zero, alert rules are healthy")
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
