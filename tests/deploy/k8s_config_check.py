#!/usr/bin/env python3
"""Checks deploy/k8s/configmap.yaml against the daemon's own strict parser.

- the ConfigMap's policy (us-reg-f.yaml) is byte-identical to deploy/policies/us-reg-f.yaml;
- reminderd.yaml, rendered as the StatefulSet's init container does (@POD_NAME@ ->
  reminderd-0), passes `reminderd check-config` (with its absolute policy path pointed
  at a temp copy of the ConfigMap's policy).

Python 3 standard library only: the two block scalars are read with a minimal
reader that understands exactly the shape of that file (`  key: |` under `data:`,
content indented by four spaces).
Environment: REMINDERD_BINARY. Arguments: --configmap FILE --policy FILE
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile


def block_scalars(text):
    """{key: content} for every `  key: |` block under the top-level `data:`."""
    out = {}
    lines = text.split("\n")
    in_data = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^data:\s*$", line):
            in_data = True
        elif in_data and re.match(r"^\S", line) and not line.startswith("#"):
            in_data = False
        m = re.match(r"^  ([A-Za-z0-9_.-]+): \|\s*$", line) if in_data else None
        if not m:
            i += 1
            continue
        body = []
        i += 1
        while i < len(lines) and (lines[i].startswith("    ") or lines[i].strip() == ""):
            body.append(lines[i][4:])
            i += 1
        while body and body[-1].strip() == "":
            body.pop()
        out[m.group(1)] = "\n".join(body) + "\n"  # `|`: clip, one final newline
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configmap", required=True)
    ap.add_argument("--policy", required=True, help="the preset the ConfigMap must carry verbatim")
    args = ap.parse_args()
    binary = os.environ.get("REMINDERD_BINARY", "")
    if not os.access(binary, os.X_OK):
        print(f"REMINDERD_BINARY not executable: {binary!r}")
        return 1

    with open(args.configmap) as f:
        blocks = block_scalars(f.read())
    failures = []
    for key in ("reminderd.yaml", "us-reg-f.yaml"):
        if key not in blocks:
            failures.append(f"{args.configmap}: no data key {key}")
    if failures:
        print("\n".join(failures))
        return 1

    with open(args.policy) as f:
        preset = f.read()
    if blocks["us-reg-f.yaml"] != preset:
        a, b = blocks["us-reg-f.yaml"].splitlines(), preset.splitlines()
        n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        failures.append(f"the ConfigMap's us-reg-f.yaml differs from {args.policy} at line {n + 1}: "
                        "copy the preset into configmap.yaml again (indented by four spaces)")

    config = blocks["reminderd.yaml"]
    if "@POD_NAME@" not in config:
        failures.append("reminderd.yaml has no @POD_NAME@ placeholder (group.instance.id)")
    rendered = config.replace("@POD_NAME@", "reminderd-0")
    with tempfile.TemporaryDirectory(prefix="reminderd-k8s-check-") as tmp:
        policy_path = os.path.join(tmp, "us-reg-f.yaml")
        with open(policy_path, "w") as f:
            f.write(blocks["us-reg-f.yaml"])
        rendered, n = re.subn(r"(?m)^policy: .*$", f"policy: {policy_path}", rendered)
        if n != 1:
            failures.append("reminderd.yaml: expected exactly one top-level `policy:` line")
        config_path = os.path.join(tmp, "reminderd.yaml")
        with open(config_path, "w") as f:
            f.write(rendered)
        r = subprocess.run([binary, "check-config", "--config", config_path],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            failures.append(f"check-config failed ({r.returncode}): {(r.stdout + r.stderr).strip()}")
        else:
            print(f"check-config ok: {(r.stdout + r.stderr).strip()}")

    if failures:
        print("FAILED:\n  - " + "\n  - ".join(failures))
        return 1
    print("PASSED: ConfigMap policy equals the preset; rendered reminderd.yaml passes check-config")
    return 0


if __name__ == "__main__":
    sys.exit(main())
