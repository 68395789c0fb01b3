#!/usr/bin/env python3
"""Turns bench/harness/run.sh's results.jsonl into the markdown tables of
bench/RESULTS.md, with the ratios and the issue 7 / issue 5 targets.

    python3 bench/harness/summarize.py OUT_DIR/results.jsonl
"""
import json
import statistics
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    print(f"<!-- unparsable line: {line[:120]} -->")
    return rows


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    if isinstance(v, (int, float)):
        if digits == 0:
            return f"{v:,.0f}"
        return f"{v:,.{digits}f}"
    return str(v)


def main():
    rows = load(sys.argv[1])
    out = []
    machine = next((r for r in rows if r.get("kind") == "machine"), {})
    config = next((r for r in rows if r.get("kind") == "config"), {})
    inp = next((r for r in rows if r.get("kind") == "input"), None)
    out.append(
        f"Machine: {machine.get('nproc')} cores ({machine.get('cpu')}), {machine.get('mem_gib')} GiB RAM, "
        f"kernel {machine.get('kernel')}, librdkafka {machine.get('librdkafka')}; "
        f"run {machine.get('date')} at {machine.get('git')}."
    )
    if inp:
        out.append(
            f"Input: {inp['events']:,} AccountEvents, {inp['customers']:,} customers "
            f"({inp['intro_events']:,} introduction events first), mean value {inp['value_bytes_mean']} B, "
            f"{config.get('partitions')} partitions; produced at {inp['rate']:,.0f}/s."
        )
    out.append("")

    # ---------------------------------------------------------- throughput
    tp = [r for r in rows if r.get("kind") == "throughput"]
    latest = {}
    for r in tp:  # a rerun (attempt 2) replaces its round's first attempt
        key = (r["scenario"], r["round"])
        if key not in latest or int(r["attempt"]) >= int(latest[key]["attempt"]):
            latest[key] = r
    scen_order = ["passthrough-idem", "passthrough-txn", "reminderd-alo", "reminderd-eos"]
    med = {}
    if latest:
        out.append("### Throughput (pre-produced input, each run a fresh group and fresh outputs)")
        out.append("")
        out.append(
            "| scenario | events/s (median) | runs (events/s) | CPU s / M events (process) "
            "| broker CPU s / M events | peak RSS (MB) | other load (cores) | load avg (1/5/15 min) at start |"
        )
        out.append("|---|---:|---|---:|---:|---:|---:|---|")
        for s in scen_order:
            rs = sorted((r for (sc, _), r in latest.items() if sc == s), key=lambda r: int(r["round"]))
            ok = [r for r in rs if r.get("ok")]
            if not rs:
                continue
            if not ok:
                out.append(f"| {s} | FAILED | | | | | | |")
                continue
            m = {
                "rate": statistics.median(r["rate"] for r in ok),
                "cpu": statistics.median(r["cpu_s_per_m"] for r in ok),
                "bcpu": statistics.median(r["broker_cpu_s_per_m"] for r in ok),
                "hwm": max(r["hwm_mb"] for r in ok),
                "other": statistics.median(r["other_cores"] for r in ok),
            }
            med[s] = m
            runs = ", ".join(
                fmt(r["rate"]) + ("*" if int(r["attempt"]) > 1 else "") for r in ok
            )
            loads = "; ".join(r["load_start"] for r in ok)
            out.append(
                f"| {s} | **{fmt(m['rate'])}** | {runs} | {fmt(m['cpu'], 2)} | {fmt(m['bcpu'], 2)} "
                f"| {fmt(m['hwm'], 1)} | {fmt(m['other'], 2)} | {loads} |"
            )
        out.append("")
        out.append("`*` = a rerun, the first attempt having had more than MAX_OTHER_CORES of other load.")
        extra = [r for r in latest.values() if r["scenario"].startswith("reminderd") and r.get("ok")]
        for r in sorted(extra, key=lambda r: r["scenario"])[:1] + sorted(
                (r for r in extra if r["scenario"] == "reminderd-eos"), key=lambda r: r["round"])[:1]:
            try:
                if r["scenario"] == "reminderd-eos" and float(r.get("txn_count", 0)) > 0:
                    n, secs = float(r["txn_count"]), float(r["txn_seconds"])
                    out.append(
                        f"reminderd-eos round {r['round']}: {n:.0f} transactions, "
                        f"{r['target'] / n:,.0f} events each, commit (send_offsets + commit_transaction, "
                        f"blocking the event loop) {1000 * secs / n:.0f} ms on average = "
                        f"{100 * secs / r['seconds']:.0f}% of the run's wall time."
                    )
                out.append(
                    f"Per input event (reminderd, {r['scenario']} round {r['round']}): "
                    f"{int(r['decisions']) / r['target']:.2f} decision records, "
                    f"{int(r['dispatches']) / r['target']:.2f} channel messages, "
                    f"{int(r['changelog_offsets']) / r['target']:.2f} changelog offsets, "
                    f"{int(r['output_offsets']) / r['target']:.2f} output offsets in all "
                    f"(the passthrough writes 1.00); {int(r['dead_letters'])} dead letters."
                )
            except (KeyError, ValueError):
                pass
        out.append("")

        def ratio(a, b):
            if a in med and b in med and med[b]["rate"] > 0:
                return med[a]["rate"] / med[b]["rate"]
            return None

        out.append("| ratio | value | target |")
        out.append("|---|---:|---|")
        for a, b, target in [
            ("reminderd-alo", "passthrough-idem", ">= 0.80 (issue 7)"),
            ("reminderd-eos", "reminderd-alo", ">= 0.90 (issue 7: EOS within 10% of ALO)"),
            ("reminderd-eos", "passthrough-txn", "(like for like: both transactional)"),
            ("passthrough-txn", "passthrough-idem", "(what transactions cost the bare loop)"),
        ]:
            v = ratio(a, b)
            verdict = ""
            if v is not None and target.startswith(">="):
                verdict = " — met" if v >= float(target.split()[1]) else " — **missed**"
            out.append(f"| {a} / {b} | {fmt(v, 2) if v is not None else 'n/a'} | {target}{verdict} |")
        if "reminderd-alo" in med and "passthrough-idem" in med:
            c = med["reminderd-alo"]["cpu"] / med["passthrough-idem"]["cpu"]
            out.append(f"| CPU per event, reminderd-alo / passthrough-idem | {c:.1f}x | |")
        out.append("")

    # ------------------------------------------------------------- latency
    lat = [r for r in rows if r.get("kind") == "latency"]
    if lat:
        out.append("### Latency at a fixed rate (input produce -> output readable, read_committed)")
        out.append("")
        out.append(
            "| scenario | target rate | achieved (pace slips) | samples | missing | p50 ms | p90 ms | p99 ms "
            "| p99.9 ms | max ms | other load (cores) | load avg at start |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for s in scen_order:
            for r in sorted((r for r in lat if r["scenario"] == s), key=lambda r: -float(r["rate"])):
                achieved = r.get("loadgen_rate")
                achieved = fmt(float(achieved)) if achieved not in (None, "", "null") else "n/a"
                out.append(
                    f"| {s} | {fmt(float(r['rate']))} | {achieved} ({r.get('pace_slips', 'n/a')}) "
                    f"| {fmt(r['samples'])} | {fmt(r['missing'])} "
                    f"| {fmt(r['p50_ms'], 1)} | {fmt(r['p90_ms'], 1)} | **{fmt(r['p99_ms'], 1)}** "
                    f"| {fmt(r['p999_ms'], 1)} | {fmt(r['max_ms'], 1)} | {r.get('other_cores', 'n/a')} "
                    f"| {r['load_start']} |"
                )
        for r in lat:
            try:
                n, secs = float(r.get("txn_count") or 0), float(r.get("txn_seconds") or 0)
            except ValueError:
                continue
            if n > 0:
                out.append("")
                out.append(
                    f"{r['scenario']} latency run at {float(r['rate']):,.0f}/s: {n:.0f} transactions "
                    f"(introduction included), "
                    f"commit {1000 * secs / n:.0f} ms on average."
                )
        alo = next((r for r in lat if r["scenario"] == "reminderd-alo"), None)  # the first rate: LAT_RATE
        if alo:
            verdict = "met" if 0 <= alo["p99_ms"] < 20 else "**missed**"
            out.append("")
            out.append(f"Target p99 < 20 ms at-least-once at half the maximum rate: {alo['p99_ms']:.1f} ms — {verdict}.")
        out.append("")

    # ------------------------------------------------------------- restore
    res = [r for r in rows if r.get("kind") == "restore"]
    fill = next((r for r in rows if r.get("kind") == "restore_fill"), None)
    if res:
        r = res[-1]
        out.append("### Restore")
        out.append("")
        out.append("| customers | changelog records | bytes | `state.restored` seconds | process start -> /readyz 200 (s) | VmHWM after restore (MB) | load avg at start | target |")
        out.append("|---:|---:|---:|---:|---:|---:|---|---|")
        verdict = "met" if r["seconds"] < 5 else "**missed**"
        out.append(
            f"| {fmt(r['restored_customers'])} | {fmt(r['records'])} | {fmt(r['bytes'])} | **{r['seconds']:.2f}** "
            f"| {r['process_start_to_ready_s']:.2f} | {r['hwm_mb_after_restore']} | {r.get('load_start', 'n/a')} "
            f"| < 5 s — {verdict} |"
        )
        if fill and fill.get("ok"):
            out.append("")
            out.append(
                f"Filling it: reminderd exactly-once took the {fill['target']:,} profile events at "
                f"{fill['rate']:,.0f} events/s (other load {fill['other_cores']:.2f} cores)."
            )
        out.append("")

    # --------------------------------------------------------------- state
    st = [r for r in rows if r.get("kind") == "state"]
    if st:
        out.append("### State memory (through pipeline::Dispatcher, 12 partitions)")
        out.append("")
        out.append(
            "| customers | channels | RSS growth | RSS bytes / customer | approximate_bytes() / customer "
            "| accounts | attempts | deferred | build s | target |"
        )
        out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in st:
            if r.get("skipped"):
                out.append(f"| {fmt(r['requested'])} | skipped: {r['skipped']} | | | | | | | | |")
                continue
            if r.get("run") == "deferred_probe":
                continue
            verdict = "met" if r["rss_bytes_per_customer"] <= 128 else "**missed**"
            out.append(
                f"| {fmt(r['customers'])} | {'all paused' if r['paused'] else 'normal'} "
                f"| {fmt(r['rss_growth_mb'], 0)} MB | **{fmt(r['rss_bytes_per_customer'], 0)}** "
                f"| {fmt(r['approx_bytes_per_customer'], 0)} | {fmt(r['accounts'])} | {fmt(r['attempts'])} "
                f"| {fmt(r['deferred'])} | {r['seconds']} | <= 128 B — {verdict} |"
            )
        probe = next((r for r in st if r.get("run") == "deferred_probe"), None)
        first = next((r for r in st if r.get("run") == "normal" and not r.get("skipped")), None)
        out.append("")
        if probe:
            out.append(
                f"Bytes per deferred contact: {probe['rss_bytes_per_deferred']:.0f} (RSS, paused minus normal over "
                f"{probe['extra_deferred']:,.0f} extra deferrals), {probe['approx_bytes_per_deferred']:.0f} "
                f"(approximate_bytes()); vector slot + heap strings alone: "
                f"{probe['deferred_vector_and_string_bytes_per_deferred']:.0f}."
            )
        if first:
            out.append(
                f"Layout: sizeof(CustomerState) {first['sizeof_customer_state']}, AccountState "
                f"{first['sizeof_account_state']}, DeferredContact {first['sizeof_deferred_contact']}, "
                f"Attempt {first['sizeof_attempt']}, schedule entry {first['schedule_entry_bytes']} bytes."
            )
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
