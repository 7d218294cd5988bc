"""The schema's history: one SQL file per version (``vNNN_name.sql``), applied in order.

Never edit a released file; add the next one. Each file runs in one transaction and moves
``PRAGMA user_version`` to its number.
"""

from __future__ import annotations

import sqlite3
from importlib import resources

from bot.kernel.errors import StorageError


def _load() -> tuple[str, ...]:
    files = sorted(
        (f for f in resources.files(__package__).iterdir() if f.name.endswith(".sql")),
        key=lambda f: f.name,
    )
    for number, file in enumerate(files, start=1):
        if not file.name.startswith(f"v{number:03d}_"):
            raise RuntimeError(f"migration {file.name} is out of sequence (expected v{number:03d})")
    return tuple(f.read_text(encoding="utf-8") for f in files)


MIGRATIONS: tuple[str, ...] = _load()
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Apply every migration after the database's version, up to ``upto``; the new version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"database schema version {version} is newer than this quizbot ({SCHEMA_VERSION})"
        )
    for number in range(version + 1, upto + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements(MIGRATIONS[number - 1]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return max(version, upto)


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
