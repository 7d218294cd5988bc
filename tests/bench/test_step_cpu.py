"""bench/step_cpu.py still runs and times both parts of an answer's work."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_the_trailing_step_costs_more_cpu_than_the_click():
    done = subprocess.run(
        [sys.executable, "bench/step_cpu.py", "--posts", "2", "--answers", "300"]
        + ["--rounds", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    figures = json.loads(done.stdout.splitlines()[-1])
    assert figures["batch"] == 100
    # the click stores the answer, the user and an outbox row; the trailing step everything
    # derived (FSRS, six score rows, rank buckets, topics): several times the click's work
    assert 0 < figures["click_cpu_us"] < figures["trailing_cpu_us"]
