"""Validation of the full example deployment: validate.yml with its seven check groups against
the local environment (deployed first on a stack of the benchmark's own), run a few times.

Target: a validation run takes under a minute on this machine. Also printed: each group's
wall time (from the report), to show what the concurrent groups cost together.
Run: .venv/bin/python bench/validation.py [--runs N]   (prints figures; asserts nothing)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _harness import REPO_ROOT, VENV_BIN, Bench, target

TARGET_SECONDS = 60


def run_playbook(bench: Bench, playbook: str, output: Path) -> float:
    """Seconds one playbook run on the local inventory takes; raises when it fails."""
    env = dict(os.environ, **bench.stack.environment())
    env.update(PATH="%s:%s" % (VENV_BIN, env["PATH"]), ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"))
    extra = json.dumps({"deploy_output_dir": str(output), "skip_tests": True})
    started = time.monotonic()
    process = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), playbook, "-i", "inventories/local", "-e", extra],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
    )
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (playbook, process.stdout[-4000:]))
    return seconds


def group_seconds(report: dict) -> dict[str, float]:
    """Per group, the summed duration of its checks (the group's own work)."""
    totals: dict[str, float] = {}
    for check in report["checks"]:
        totals[check["group"]] = totals.get(check["group"], 0.0) + check.get("duration_ms", 0.0) / 1000
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with Bench() as bench, tempfile.TemporaryDirectory(prefix="acinaces-bench-validation-") as folder:
        output = Path(folder)
        print("deploying the example app to a local stack of its own ...")
        print("  deploy.yml (validation included): %.1f s" % run_playbook(bench, "deploy.yml", output))
        times = []
        for number in range(1, args.runs + 1):
            seconds = run_playbook(bench, "validate.yml", output)
            report = json.loads((output / "validation" / "report.json").read_text())
            times.append(seconds)
            print("  validate.yml run %d: %.1f s, %d checks, %s" % (
                number, seconds, report["summary"]["total"], report["status"]))
        print("  checks' own time per group (last run, groups run concurrently):")
        for group, seconds in group_seconds(report).items():
            print("    %-12s %6.1f s" % (group, seconds))
        median = statistics.median(times)
        print(target("validation of the full example deployment under %d s" % TARGET_SECONDS,
                     median < TARGET_SECONDS, "median %.1f s over %d runs" % (median, len(times))))


if __name__ == "__main__":
    main()
