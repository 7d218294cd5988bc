"""The schema's history, run for both backends: each feature declares its migrations in one
place (``Feature(migrations="bot.features.<feature>.migrations")``, a package of one SQL file
per version, ``vNNN_name.sql``), and ``Schema.collect`` puts every feature's files in one
sequence by their global version numbers (no gaps, no version declared twice), so a database
upgrades exactly as when every file lived in one folder.

Never edit a released file; add the next version in the feature that owns the tables it
touches. Each file runs in one transaction and moves the version (SQLite: ``PRAGMA
user_version``; PostgreSQL: the ``quizbot_schema`` row) to its number.

PostgreSQL runs the same files, translated by ``postgres_dialect`` (the few mechanical type
differences: ``WITHOUT ROWID``, an ``id INTEGER PRIMARY KEY`` row id, 8-byte ``REAL``, and
byte-order ``TEXT`` like SQLite's). Where a version's SQL differs beyond that (a SQLite date
function, a trigger body, summing a comparison), a twin ``vNNN_name.pg.sql`` beside it holds
the PostgreSQL text of that version: same number, one history.

The kernel knows no feature: the app collects the schema from its feature list
(``bot.app.SCHEMA``) and passes it to ``open_database``.
"""

from __future__ import annotations

import importlib
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bot.kernel.errors import StorageError

TWIN = ".pg.sql"
FILE_NAME = re.compile(r"v(?P<version>[0-9]{3})_[a-z0-9_]+\.sql")


@dataclass(frozen=True)
class Migration:
    """One version of the schema, as its feature declares it."""

    version: int
    name: str  # the file's name without .sql: "v006_live_sessions"
    owner: str  # the feature whose package holds it
    sqlite: str  # the file's text
    postgres_source: str  # the twin's text, or the file's

    @cached_property
    def postgres(self) -> str:
        """The PostgreSQL script (``postgres_dialect`` of the source): translated when a
        PostgreSQL database migrates, not at every start."""
        return postgres_dialect(self.postgres_source)


def load_migrations(owner: str, package: str) -> tuple[Migration, ...]:
    """The migrations in ``package`` (a package of ``vNNN_name.sql`` files), in version order.
    A file named otherwise, or a twin without its file, is a RuntimeError at start."""
    # the package's folder, as the bundled content is found (bot.content): importlib.resources
    # would load its readers and zipfile at every start (~4 ms of CPU) for the same files
    (folder,) = map(Path, importlib.import_module(package).__path__)
    files = {f.name: f for f in folder.iterdir() if f.name.endswith(".sql")}
    found = []
    for name in sorted(files):
        if name.endswith(TWIN):
            if name.removesuffix(TWIN) + ".sql" not in files:
                raise RuntimeError(f"migration twin {package}/{name} has no .sql file")
            continue
        named = FILE_NAME.fullmatch(name)
        if named is None:
            raise RuntimeError(f"migration {package}/{name} is not named vNNN_name.sql")
        text = files[name].read_text(encoding="utf-8")
        twin = files.get(name.removesuffix(".sql") + TWIN)
        postgres = twin.read_text(encoding="utf-8") if twin is not None else text
        found.append(
            Migration(
                int(named["version"]),
                name.removesuffix(".sql"),
                owner,
                text,
                postgres,
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class Schema:
    """Every feature's migrations, one sequence: version n is ``migrations[n - 1]``."""

    migrations: tuple[Migration, ...]

    def __post_init__(self) -> None:
        for number, migration in enumerate(self.migrations, start=1):
            if migration.version != number:
                raise RuntimeError(
                    f"migration {migration.owner}/{migration.name} is out of sequence"
                    f" (expected v{number:03d})"
                )

    @classmethod
    def collect(cls, sources: Iterable[tuple[str, str]]) -> Schema:
        """The migrations of every ``(feature, package)`` in version order. A version declared
        by two files, or one no feature declares (a gap), is a RuntimeError at start: the
        history must be the one every existing database went through."""
        by_version: dict[int, Migration] = {}
        for owner, package in sources:
            for migration in load_migrations(owner, package):
                known = by_version.setdefault(migration.version, migration)
                if known is not migration:
                    raise RuntimeError(
                        f"migration v{migration.version:03d} is declared twice:"
                        f" {known.owner}/{known.name} and {owner}/{migration.name}"
                    )
        missing = sorted(set(range(1, max(by_version, default=0) + 1)) - set(by_version))
        if missing:
            names = ", ".join(f"v{number:03d}" for number in missing)
            raise RuntimeError(f"no feature declares migration {names}")
        return cls(tuple(by_version[n] for n in sorted(by_version)))

    @property
    def version(self) -> int:
        """The version a database has once every migration ran."""
        return len(self.migrations)

    def newer_error(self, version: int) -> StorageError:
        return StorageError(
            f"database schema version {version} is newer than this quizbot ({self.version})"
        )


_ROW_ID = re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\)\s*WITHOUT\s+ROWID", re.IGNORECASE)
_REAL = re.compile(r"\bREAL\b")
_TEXT = re.compile(r"\bTEXT\b(?!\s+COLLATE)")


def postgres_dialect(script: str) -> str:
    """A migration script for PostgreSQL: SQLite's row id becomes an identity column, REAL
    (8 bytes in SQLite) DOUBLE PRECISION, TEXT compares byte by byte (COLLATE "C", as in
    SQLite, whatever the database's locale), and WITHOUT ROWID goes."""
    script = _ROW_ID.sub("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", script)
    script = _WITHOUT_ROWID.sub(")", script)
    script = _REAL.sub("DOUBLE PRECISION", script)
    return _TEXT.sub('TEXT COLLATE "C"', script)


@dataclass(frozen=True)
class Migrated:
    """What opening a database did to its schema: the version it found and the one it left."""

    found: int
    now: int

    @property
    def created(self) -> bool:
        """The database had no schema: quizbot created it just now."""
        return self.found == 0

    @property
    def upgraded(self) -> bool:
        return 0 < self.found < self.now


def migrate(db: sqlite3.Connection, schema: Schema, upto: int | None = None) -> Migrated:
    """Apply every migration of ``schema`` after the database's version, up to ``upto`` (all
    of them when None)."""
    upto = schema.version if upto is None else upto
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > schema.version:
        raise schema.newer_error(version)
    for number in range(version + 1, upto + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements(schema.migrations[number - 1].sqlite):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return Migrated(version, max(version, upto))


def statements(script: str) -> list[str]:
    """A script's statements; executescript would COMMIT on its own, so each migration is
    split and run inside one transaction."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in current.splitlines()
    ):
        out.append(current.strip())
    return out
