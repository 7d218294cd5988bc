"""Smoke test of the end-to-end benches (bench/e2e_slack.py, bench/e2e_discord.py), so they
don't rot: each runs once with a few clicks against the real bot process and the bare library
app, and must end with its JSON figures and a reply for every click. No figure is checked.

A bench's main() runs in this process (its apps still in processes of their own, as always):
a Python of its own for the load side only started the libraries this one has loaded, most
of the test's CPU on a busy machine after the apps' own start."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SMALL = ["--json", "--rounds", "1", "--concurrency", "5", "--clicks", "20", "--warmup", "5"]


@pytest.mark.parametrize("script", ["e2e_slack", "e2e_discord"])
def test_bench_runs_and_every_click_gets_a_reply(script, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(BENCH))  # as `python bench/<script>.py` would have it
    importlib.import_module(script).main(SMALL)  # its waits are bounded (60 s start, per click)
    out = capsys.readouterr().out
    figures = json.loads(out.strip().splitlines()[-1])
    for key in ("ratio_per_s", "p99_ratio", "targets_met", "all_replied", "c5"):
        assert key in figures, key
    level = figures["c5"]
    for key in ("ratio_per_s", "p99_ratio", "cpu_ratio", "quizbot_per_s", "bare_p99_ms"):
        assert key in level, key
    assert level["quizbot_replied"] == level["quizbot_clicks"] == 20
    assert level["bare_replied"] == level["bare_clicks"] == 20
    assert figures["all_replied"] is True
