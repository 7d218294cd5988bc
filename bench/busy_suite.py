"""`make test-busy`: run the test suite while the machine is kept busy, several times.

A test that waits for a count of event-loop turns or a short sleep passes on a quiet machine
and fails on a loaded one (CI shares its machine). This starts CPU-bound burner processes
(two per core by default) beside pytest, runs the suite ``--runs`` times, and prints how many
runs passed, with each failing test's id. Extra arguments after ``--`` go to pytest.

    python bench/busy_suite.py --runs 3 -- -x tests/features/answers/test_durability.py
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BURN = "while True: pass"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="how many suite runs (default 3)")
    parser.add_argument(
        "--burners", type=int, default=2 * (os.cpu_count() or 1), help="busy processes"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest")
    args = parser.parse_args()
    burners = [
        subprocess.Popen([sys.executable, "-c", BURN], stdout=subprocess.DEVNULL)
        for _ in range(args.burners)
    ]
    runs: list[dict[str, object]] = []
    try:
        for number in range(1, args.runs + 1):
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args.pytest_args],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.monotonic() - started
            failed = sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.M)))
            # pytest's counts line ("1426 passed, 15 warnings in 118.2s"; addopts' one -q keeps
            # it, a second -q drops it)
            counts = re.findall(r"^\d+ (?:passed|failed).*$", done.stdout, re.M)
            summary = counts[-1] if counts else (done.stdout.strip().splitlines() or ["-"])[-1]
            runs.append(
                {
                    "run": number,
                    "passed": done.returncode == 0,
                    "seconds": seconds,
                    "summary": summary,
                    "failed": failed,
                }
            )
            if not args.json:
                verdict = "passed" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
                print(f"run {number}/{args.runs}: {verdict} in {seconds:.0f} s: {summary}")
                for test in failed:
                    print(f"    {test}")
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    passed = sum(1 for run in runs if run["passed"])
    if args.json:
        print(json.dumps({"burners": args.burners, "runs": runs, "passed_runs": passed}))
    else:
        print(f"{passed} of {len(runs)} runs passed with {args.burners} busy processes beside")
    return 0 if passed == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
