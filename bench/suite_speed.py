"""`make test` here against `make test` in a baseline checkout, back to back, quiet or busy.

The suite's speed target is a ratio against older code measured in one sitting, because the
machines are shared and their speed swings 2x from day to day. This runs ``make test`` in the
baseline checkout (which has its own ``.venv``: ``make install`` there first) and in this one,
alternating (baseline first in odd rounds, this one first in even rounds, so a drift in the
machine's load falls on both), optionally with CPU-bound burner processes beside both, and
prints each run's wall and CPU time (the make process tree's user + system) with the median
ratio baseline / this.

    git worktree add ../old 012fd23 && make -C ../old install
    python bench/suite_speed.py --baseline ../old --rounds 2 --burners 4
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BURN = "while True: pass"


@dataclass(frozen=True)
class SuiteRun:
    """One `make test` run of one checkout."""

    checkout: str
    round: int
    passed: bool
    wall_s: float
    cpu_s: float
    load_before: float
    summary: str
    failed: tuple[str, ...]


def children_cpu() -> float:
    """User + system seconds of the children reaped so far (burners are reaped only at the end)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_suite(checkout: Path, label: str, number: int) -> SuiteRun:
    """`make test` in `checkout`, timed; the summary is pytest's last line."""
    load = os.getloadavg()[0]
    cpu_before = children_cpu()
    started = time.monotonic()
    done = subprocess.run(
        ["make", "test"], cwd=checkout, capture_output=True, text=True, check=False
    )
    wall = time.monotonic() - started
    lines = [line for line in done.stdout.splitlines() if " in " in line and "passed" in line]
    summary = lines[-1].strip("= ") if lines else (done.stdout + done.stderr).strip()[-200:]
    failed = tuple(sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.M))))
    cpu = children_cpu() - cpu_before
    return SuiteRun(label, number, done.returncode == 0, wall, cpu, load, summary, failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the older checkout")
    parser.add_argument("--this", type=Path, default=ROOT, help="the newer checkout (this one)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each checkout")
    parser.add_argument("--burners", type=int, default=0, help="CPU-bound processes beside")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    checkouts = {"baseline": args.baseline.resolve(), "this": args.this.resolve()}
    burners = [
        subprocess.Popen([sys.executable, "-c", BURN], stdout=subprocess.DEVNULL)
        for _ in range(args.burners)
    ]
    runs: list[SuiteRun] = []
    try:
        for number in range(1, args.rounds + 1):
            order = ["baseline", "this"] if number % 2 else ["this", "baseline"]
            for label in order:
                run = run_suite(checkouts[label], label, number)
                runs.append(run)
                if not args.json:
                    verdict = "passed" if run.passed else "FAILED"
                    print(
                        f"round {number} {label:8} {verdict}: {run.wall_s:6.1f} s wall,"
                        f" {run.cpu_s:6.1f} s CPU, load {run.load_before:4.1f}: {run.summary}",
                        flush=True,
                    )
                    for test in run.failed:
                        print(f"    {test}")
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()

    def median(label: str, field: str) -> float:
        return statistics.median(getattr(run, field) for run in runs if run.checkout == label)

    figures = {
        "burners": args.burners,
        "baseline_wall_s": median("baseline", "wall_s"),
        "this_wall_s": median("this", "wall_s"),
        "wall_ratio": median("baseline", "wall_s") / median("this", "wall_s"),
        "baseline_cpu_s": median("baseline", "cpu_s"),
        "this_cpu_s": median("this", "cpu_s"),
        "all_passed": all(run.passed for run in runs),
        "runs": [asdict(run) for run in runs],
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"medians with {args.burners} burners: baseline {figures['baseline_wall_s']:.1f} s,"
            f" this {figures['this_wall_s']:.1f} s: {figures['wall_ratio']:.2f}x faster"
            f" (CPU {figures['baseline_cpu_s']:.0f} s vs {figures['this_cpu_s']:.0f} s)"
        )
    return 0 if figures["all_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
