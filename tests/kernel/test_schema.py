"""Schema per feature: each feature declares its migrations (``Feature(migrations=…)``), the
kernel collects them from the feature list into the one version history every database went
through. Moving the files out of bot/kernel/migrations/ changed no version and no SQL: a
database migrated by the old layout is current, and a fresh one is the same schema."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from bot.app import FEATURES, SCHEMA, QuizApp
from bot.features.quiz import AnswerResult, QuestionView
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.db import open_sync
from bot.kernel.features import Feature, schema_of
from bot.kernel.migrations import Schema, statements
from tests.conftest import CONTENT, console_actor

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)
OLD_LAYOUT = Path(__file__).parent.parent / "data" / "schema" / "old_layout_v012.sql"
OLD_LAYOUT_VERSION = 12  # the last version the old layout released (later ones upgrade it)

# Each version's SQLite and PostgreSQL text (sha256, first 16 hex digits) as the old layout
# ran it (bot/kernel/migrations/ at 6129d21): a released migration never changes, wherever its
# file lives, or existing databases would differ from new ones.
RELEASED = {
    1: ("answers", "v001_walking_skeleton", "e01d510ca8709d62", "adf3087fe64cdbbd"),
    2: ("boards", "v002_leaderboards", "685568b6d949a823", "ca614a3a192b779a"),
    3: ("daily", "v003_daily_question", "92ab8a72c5365209", "0565297f539802c5"),
    4: ("groups", "v004_learning", "f3f8342166365bd6", "ed4beab4702f06b8"),
    5: ("boards", "v005_board_triggers", "f42492d6b93a85e2", "291d45a162c60ad8"),
    6: ("live", "v006_live_sessions", "7f27ba0eb9a70981", "887143dbc91cf328"),
    7: ("answers", "v007_typed_answers", "0b2a0e3bafa072b2", "9c02feb0d16cbced"),
    8: ("boards", "v008_board_columns", "2e5cc1fa9250c10c", "214c0720b3dca630"),
    9: ("teacher", "v009_teacher", "16cde0fd2c12c7dd", "58a1316df062608b"),
    10: ("teacher", "v010_first_answers", "f4a799fbca580808", "96c7ab7b7b8b3ca9"),
    11: ("answers", "v011_answer_outbox", "4bcccc114824350d", "f06a25a5cce9bc10"),
    12: ("boards", "v012_board_sizes_per_batch", "cf917a302ac641ad", "9e87ff42fb1f0955"),
    13: ("live", "v013_live_podium_owed", "1724b3347b482918", "c34f9ae429ba1783"),
    14: ("boards", "v014_rank_counts", "7234f70fdd1453a0", "d53d1199a248fee4"),
}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_every_version_once_in_order_with_the_old_layouts_exact_sql():
    found = {
        m.version: (m.owner, m.name, digest(m.sqlite), digest(m.postgres))
        for m in SCHEMA.migrations
    }
    assert found == RELEASED
    assert SCHEMA.version == len(RELEASED)


def test_the_feature_lists_order_does_not_change_the_history():
    assert schema_of(reversed(FEATURES)) == SCHEMA


def write_package(root: Path, name: str, files: dict[str, str]) -> str:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    for file, text in files.items():
        (package / file).write_text(text)
    return name


def test_a_gap_a_version_declared_twice_or_a_stray_twin_is_refused_at_start(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    one = write_package(tmp_path, "schema_one", {"v001_a.sql": "CREATE TABLE a(x INTEGER);"})
    three = write_package(tmp_path, "schema_three", {"v003_c.sql": "CREATE TABLE c(x INTEGER);"})
    again = write_package(tmp_path, "schema_again", {"v001_b.sql": "CREATE TABLE b(x INTEGER);"})
    twin = write_package(tmp_path, "schema_twin", {"v002_b.pg.sql": "SELECT 1;"})
    odd = write_package(tmp_path, "schema_odd", {"002_b.sql": "SELECT 1;"})
    with pytest.raises(RuntimeError, match="no feature declares migration v002"):
        schema_of([Feature("f", migrations=one), Feature("g", migrations=three)])
    with pytest.raises(RuntimeError, match="v001 is declared twice: f/v001_a and g/v001_b"):
        schema_of([Feature("f", migrations=one), Feature("g", migrations=again)])
    with pytest.raises(RuntimeError, match="twin schema_twin/v002_b.pg.sql has no .sql file"):
        schema_of([Feature("f", migrations=twin)])
    with pytest.raises(RuntimeError, match="schema_odd/002_b.sql is not named vNNN_name.sql"):
        schema_of([Feature("f", migrations=odd)])
    assert schema_of([Feature("none")]) == Schema(())


def old_layout_database(path: Path) -> None:
    """A SQLite file as the old layout left it at v012 (its schema, from the fixture)."""
    db = sqlite3.connect(path, isolation_level=None)
    for statement in statements(OLD_LAYOUT.read_text(encoding="utf-8")):
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {OLD_LAYOUT_VERSION}")
    db.close()


def schema_objects(path: Path) -> list[tuple[str, str, str, str]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            " ORDER BY rowid"
        ).fetchall()
    finally:
        db.close()


def test_a_new_database_has_the_old_layouts_schema_object_for_object(tmp_path):
    """Once the old layout's database took the versions released since, that is."""
    old_layout_database(tmp_path / "old.db")
    open_sync(tmp_path / "old.db", SCHEMA).close()
    open_sync(tmp_path / "new.db", SCHEMA).close()
    assert schema_objects(tmp_path / "new.db") == schema_objects(tmp_path / "old.db")


@pytest.mark.sqlite_only("the old layout's database is a SQLite file built from its schema")
async def test_a_database_migrated_by_the_old_layout_is_current(backend, tmp_path, clock):
    old_layout_database(tmp_path / "quiz.db")
    app = await QuizApp.open(tmp_path / "quiz.db", CONTENT, clock=clock)
    try:
        assert (app.db.migrated.found, app.db.migrated.now) == (
            OLD_LAYOUT_VERSION,
            SCHEMA.version,
        )
        ada = console_actor("Ada")
        asked = await app.handle_text(ada, "/quiz question")
        assert isinstance(asked, QuestionView)
        answered = await app.dispatch(ada, AnswerQuestion(asked.post_id, 0))
        assert isinstance(answered, AnswerResult) and answered.post_id == asked.post_id
    finally:
        await app.close()


async def test_a_migrated_database_opens_again_as_current(db_target, clock):
    """Opened twice: the second start finds every feature's migrations applied (on PostgreSQL
    the same texts as the old layout's: the digests above)."""
    first = await QuizApp.open(db_target, CONTENT, clock=clock)
    await first.close()
    again = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        assert (again.db.migrated.found, again.db.migrated.now) == (SCHEMA.version,) * 2
        assert await again.db.schema_version() == SCHEMA.version
        assert again.db.opened_text().endswith("(existing)")
    finally:
        await again.close()


# Which feature's tables each table is (its store writes it); the order is the features'
# (lower first: tests/test_architecture.py FEATURE_ORDER).
TABLE_OWNERS = {
    "answers": ("answers", "answer_outbox"),
    "quiz": ("posts", "srs_cards"),
    "daily": ("daily_schedules", "daily_claims", "daily_streaks"),
    "boards": ("users", "scores", "user_topics", "boards", "workspace_settings", "score_counts"),
    "groups": ("study_groups", "group_members"),
    "live": ("live_sessions", "live_rounds", "live_answers"),
    "teacher": ("secrets", "first_answers"),
}
FEATURE_ORDER = tuple(TABLE_OWNERS)
OWNER = {table: feature for feature, tables in TABLE_OWNERS.items() for table in tables}
# What a migration changes: tables made, altered, written, indexed or given triggers (reads, as
# in v010's backfill from answers, change nothing); a dropped index or trigger counts for its
# table.
TOUCHES = re.compile(
    r"\b(?:CREATE\s+TABLE|ALTER\s+TABLE|INSERT\s+INTO|UPDATE|DELETE\s+FROM|\bON)\s+(\w+)"
    r"|\bDROP\s+(?:INDEX|TRIGGER)\s+(\w+)",
    re.IGNORECASE,
)
# indexes and triggers a later version dropped (v008, v012), and their tables
DROPPED = {
    "users_by_mastered": "users",
    "users_by_streak": "users",
    "user_topics_by_mastered": "user_topics",
    "boards_count_new_player": "scores",
    "boards_count_new_players": "scores",
    "boards_count_qualified": "scores",
}
# Migrations that change tables of features below their own (allowed: calls point down), and
# the one that changes tables above it, with why.
REACHES_LOWER = {
    "v002_leaderboards": {"answers"},  # each answer's week and day, for the score rows
    "v003_daily_question": {"quiz"},  # posts: the daily's kind and closing time
    "v004_learning": {"answers", "quiz", "boards"},  # FSRS cards, zones, board sizes, indexes
}
REACHES_HIGHER = {
    # the walking skeleton predates the features: answers, posts (quiz) and users (boards),
    # which every feature builds on, in the lowest feature
    "v001_walking_skeleton": {"quiz", "boards"},
}


def touched_tables(script: str, index_tables: dict[str, str]) -> set[str]:
    found = set()
    for table, index in TOUCHES.findall(re.sub(r"--[^\n]*", "", script)):
        name = (table or index_tables.get(index, index)).lower()
        if name in OWNER:  # other words after ON or UPDATE: CONFLICT, OF, SET, an alias
            found.add(name)
    return found


def test_each_migration_changes_its_own_features_tables_or_lower_ones(tmp_path):
    """The stretch goal, as found: v005 to v012 change only their feature's tables; v002 to
    v004 also change lower features' (listed), and v001 makes the shared skeleton. Every table
    has an owner."""
    open_sync(tmp_path / "all.db", SCHEMA).close()
    db = sqlite3.connect(tmp_path / "all.db")
    tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    index_tables = dict(db.execute("SELECT name, tbl_name FROM sqlite_master"))
    db.close()
    assert tables == set(OWNER)
    index_tables |= DROPPED
    lower, higher = {}, {}
    for m in SCHEMA.migrations:
        rank = FEATURE_ORDER.index(m.owner)
        owners = {OWNER[t] for t in touched_tables(m.sqlite, index_tables)}
        assert m.owner in owners or not owners, m.name
        assert owners == {OWNER[t] for t in touched_tables(m.postgres, index_tables)}, m.name
        if below := {o for o in owners if FEATURE_ORDER.index(o) < rank}:
            lower[m.name] = below
        if above := {o for o in owners if FEATURE_ORDER.index(o) > rank}:
            higher[m.name] = above
    assert lower == REACHES_LOWER
    assert higher == REACHES_HIGHER
