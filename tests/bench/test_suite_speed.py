"""bench/suite_speed.py runs `make test` in two checkouts, alternating, and reports both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def checkout(folder: Path, output: str, status: int) -> Path:
    """A checkout whose `make test` prints pytest's last lines and exits with `status`."""
    folder.mkdir()
    lines = "".join(f"\t@echo '{line}'\n" for line in output.splitlines())
    (folder / "Makefile").write_text(f"test:\n{lines}\t@exit {status}\n")
    return folder


def test_both_checkouts_run_alternating_and_a_failure_is_named(tmp_path):
    old = checkout(
        tmp_path / "old",
        "FAILED tests/test_x.py::test_waits - assert 0 == 10\n1 failed, 9 passed in 3.00s",
        1,
    )
    new = checkout(tmp_path / "new", "12 passed in 1.00s", 0)
    done = subprocess.run(
        [sys.executable, "bench/suite_speed.py", "--baseline", str(old), "--this", str(new)]
        + ["--rounds", "2", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1  # a run failed
    figures = json.loads(done.stdout.splitlines()[-1])
    order = [(run["round"], run["checkout"]) for run in figures["runs"]]
    assert order == [(1, "baseline"), (1, "this"), (2, "this"), (2, "baseline")]
    baseline = [run for run in figures["runs"] if run["checkout"] == "baseline"]
    assert {run["summary"] for run in baseline} == {"1 failed, 9 passed in 3.00s"}
    assert all(run["failed"] == ["tests/test_x.py::test_waits"] for run in baseline)
    assert not figures["all_passed"] and figures["wall_ratio"] > 0
