from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import SCHEMA, QuizApp
from bot.kernel.clock import FakeClock
from bot.kernel.db import open_sync
from bot.kernel.identity import Actor
from tests import pg_server

pytest_plugins = ["tests.slack_fixtures"]  # Slack fixtures, and no real SLACK_* env anywhere

# Pictures are drawn in worker processes (matplotlib, ~1 s of CPU to start one): the suite runs
# text only unless a test turns them on (tests/pictures/, with their own Pictures).
os.environ.setdefault("QUIZBOT_PICTURES", "off")
# Hypothesis runs its installed plugins when it loads: the one installed is trio's (selenium
# depends on trio), which imports trio and runs a full garbage collection to register trio's
# random generator (~0.1 s of CPU in every worker that collects the fuzz tests). The suite's
# async code is asyncio; no test uses trio.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")
# The tests' picture pools (Pictures(...), a new one in many tests) fork their workers from the
# worker process's one forkserver: it imports the drawing code (matplotlib, ~0.35 s of CPU) once
# and each picture worker starts with it loaded, instead of each importing it (~0.4 s a worker,
# 20 or so in a run; the forkserver's children are not the run's, so no CPU figure of the run
# showed them). The bot's own start, with its idle-priority worker importing matplotlib itself,
# is tested in a process of its own (tests/pictures/test_picture_workers_exit.py).
multiprocessing.set_forkserver_preload(["bot.pictures.draw"])

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"

MEMORY_TMP = Path("/dev/shm")
MEMORY_TMP_ROOM = 2 << 30  # a run's temporary files (pytest keeps its last three runs')


def _temporary_files_in_memory() -> None:
    """pytest's tmp_path, tempfile and the processes the tests start use /dev/shm (a tmpfs),
    where there is one with room and TMPDIR does not name a folder already: the suite makes,
    copies, checkpoints and deletes thousands of small SQLite files, and on a disk each close's
    checkpoint waits for an fsync (longest while other work writes to the same disk). Nothing
    a test checks is the file surviving an OS crash or power cut (the PostgreSQL half commits
    without waiting for its WAL flush, tests/pg_server.py). Set here, on import, so the xdist
    controller's base temp folder (which the workers' are made in) and every child inherit it."""
    if os.environ.get("TMPDIR") or not os.access(MEMORY_TMP, os.W_OK | os.X_OK):
        return
    room = os.statvfs(MEMORY_TMP)
    if room.f_bavail * room.f_frsize < MEMORY_TMP_ROOM:
        return
    os.environ["TMPDIR"] = str(MEMORY_TMP)
    tempfile.tempdir = None  # gettempdir() looks again


_temporary_files_in_memory()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # a Monday


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sqlite_only(why): a test of the SQLite file itself, in a module that runs on both"
        " backends (the reason says why it has no PostgreSQL counterpart)",
    )


# A module whose tests run on both backends says so: ``BACKENDS = ("sqlite", "postgres")``
# (a test of the SQLite file itself is marked sqlite_only); without it, SQLite only.
def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "BACKENDS", ("sqlite",))
        if metafunc.definition.get_closest_marker("sqlite_only"):
            backends = ("sqlite",)
        metafunc.parametrize("backend", list(backends), indirect=True)


@pytest.fixture(scope="session")
def pg_run():
    """This run's own PostgreSQL database (dropped at the end), or why there is none."""
    run = pg_server.start_run()
    yield run
    if isinstance(run, pg_server.PgRun):
        run.drop_later()  # the run's end need not wait for the server's checkpoint


@pytest.fixture
def backend(request) -> str:
    return request.param


@pytest.fixture
def postgres(request) -> pg_server.PgRun:
    """The run's PostgreSQL database; skips (or fails, when required) without a server."""
    run = request.getfixturevalue("pg_run")
    if isinstance(run, str):
        if pg_server.required():
            pytest.fail(run)
        pytest.skip(run)
    return run


@pytest.fixture(scope="session")
def pg_schemas(pg_run):
    """Empty schemas for this worker's tests, reused once emptied (see tests/pg_server.py)."""
    if not isinstance(pg_run, pg_server.PgRun):
        yield None
        return
    pool = pg_server.SchemaPool(pg_run)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An empty SQLite file at this quizbot's schema, made once per worker: a test's database
    starts as a copy (a fraction of a millisecond) instead of running every migration (~8-10
    ms of DDL, a test). The file is the bot's own (WAL mode, quizbot's settings) and closed,
    so its WAL is checkpointed into it and gone: the copy is the file alone, as after a clean
    stop. Tests of a brand-new file or of migrating one use a path of their own."""
    path = tmp_path_factory.mktemp("sqlite_template") / "migrated.db"
    open_sync(path, SCHEMA).close()
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the template's close left {leftovers}: it would not be the file alone"
    path.chmod(0o444)  # never opened again, never written: every copy starts the same
    return path


@pytest.fixture(scope="session")
def typed_content_folder(tmp_path_factory) -> Path:
    """The shipped pack plus the typed-answer card (tests/typed_content.py), written once per
    worker for the tests that only read it: the loader keeps the packs it built by the files'
    paths and texts, so the apps opened on this one folder parse it once (a folder per test
    was a new pack to parse each time, ~120-250 ms of a typed test's set-up). A test that
    edits its content writes its own with ``typed_content(tmp_path / ...)``."""
    from tests.typed_content import typed_content  # it imports CONTENT from here

    return typed_content(tmp_path_factory.mktemp("typed") / "content")


@pytest.fixture
def db_target(backend, tmp_path, request):
    """Where a test's database lives: a SQLite file (empty, at this quizbot's schema), or an
    empty PostgreSQL schema's URL (migrated too, when an earlier test left it so)."""
    if backend == "sqlite":
        path = tmp_path / "quiz.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield path
        return
    request.getfixturevalue("postgres")  # skips, or fails when required, without a server
    pool = request.getfixturevalue("pg_schemas")
    url = pool.take()
    yield url
    pool.give_back(url)


@pytest.fixture
async def app(db_target, clock):
    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    yield app
    await app.close()


def console_actor(name: str, channel: str = "terminal") -> Actor:
    return Actor("console", name.lower(), name, "local", channel, is_admin=True)


def write_old_database(path, version: int) -> None:
    """A database at an older schema ``version`` holding one right answer by Ada (10 points,
    2026-02-25, post 7), for the migration tests."""
    db = open_sync(path, SCHEMA, upto=version)
    db.execute(
        "INSERT INTO posts(id, question_id, card_id, workspace_key, channel_key, created_at)"
        " VALUES (7, 'pvt-threads-share-what', 'processes-vs-threads', 'console:local',"
        " 'console:local:terminal', '2026-02-25T10:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO users(user_key, display_name, points, answered, correct, streak,"
        " best_streak, last_correct_day) VALUES ('console:ada', 'Ada', 10, 1, 1, 1, 1,"
        " '2026-02-25')"
    )
    db.execute(
        "INSERT INTO answers(post_id, user_key, question_id, card_id, choice, correct, points,"
        " answered_at) VALUES (7, 'console:ada', 'pvt-threads-share-what',"
        " 'processes-vs-threads', 0, 1, 10, '2026-02-25T10:00:05+00:00')"
    )
    if version >= 2:  # v2 added the answer's week
        db.execute("UPDATE answers SET week = '2026-02-23'")
    db.close()
