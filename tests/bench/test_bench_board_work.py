"""bench/board_work.py counts the work of every board kind's read on a small bulk data set, on
both backends, so the bench doesn't rot. No count is checked beyond there being one per kind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
BACKENDS = ("sqlite", "postgres")
KINDS = 13  # bench/leaderboard.py's board kinds


@pytest.fixture
def bench_modules(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))  # as `python bench/board_work.py` would have it
    import board_work
    import bulk_data

    return board_work, bulk_data


def test_every_board_kind_has_a_work_count(bench_modules, backend, db_target, tmp_path):
    board_work, bulk_data = bench_modules
    data = tmp_path / "bulk.db"
    bulk_data.build_bulk(data, 50, 2_000)
    # the derived rows, rank buckets included, equal what the writers would have kept
    assert bulk_data.check_against_answers(data) == []
    target = data
    if backend == "postgres":
        asyncio.run(bulk_data.copy_bulk_to_postgres(data, db_target))
        target = db_target
    work = asyncio.run(board_work.board_work(target, 50, reads=3))
    assert len(work) == KINDS, sorted(work)
    assert all(count > 0 for count in work.values()), work
