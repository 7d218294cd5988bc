"""``quizbot db check`` and ``quizbot db backup``: look at a database without changing it, and
copy it while the bot runs (SQLite's online backup). SQLite only: on a PostgreSQL URL both say
so in one line and point at the server's own tools."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.kernel.errors import StorageError, storage_reason
from bot.kernel.pg_url import is_postgres_url, redact

MAX_PROBLEMS = 20  # integrity_check's report is cut at this many lines


@dataclass(frozen=True)
class DatabaseCheck:
    path: Path
    schema_version: int
    problems: tuple[str, ...]  # integrity_check lines; empty when "ok"
    current_version: int  # this quizbot's (the app's schema: every feature's migrations)

    @property
    def current(self) -> bool:
        return self.schema_version == self.current_version

    @property
    def ok(self) -> bool:
        return not self.problems and self.schema_version <= self.current_version

    def lines(self) -> list[str]:
        schema = f"schema version {self.schema_version} (this quizbot: {self.current_version})"
        if self.schema_version > self.current_version:
            schema += " — written by a newer quizbot"
        elif not self.current:
            schema += " — migrated when the bot next starts"
        found = [f"{self.path}: {schema}"]
        if self.problems:
            found += [f"damaged: {p}" for p in self.problems]
            found.append("integrity check FAILED: restore a backup (quizbot db backup)")
        else:
            found.append("integrity check: ok")
        return found


POSTGRES_TOOLS = {
    "check": "use PostgreSQL's own checks (pg_amcheck; the schema version is quizbot_schema)",
    "backup": "back it up with pg_dump (or the server's base backups)",
}


def _sqlite_file(target: Path | str, command: str) -> Path:
    """``target`` as a SQLite path; a PostgreSQL URL is one StorageError line naming the tool
    to use instead (never the password)."""
    if is_postgres_url(target):
        raise StorageError(
            f"quizbot db {command} works on a SQLite file, and {redact(str(target))} is"
            f" PostgreSQL: {POSTGRES_TOOLS[command]}"
        )
    return Path(target)


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StorageError(f"no database file at {path}")
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open database {path}: {storage_reason(exc)}") from None


def check_database(path: Path | str, current_version: int) -> DatabaseCheck:
    """Integrity check and schema version, read-only (nothing is migrated or repaired);
    ``current_version`` is this quizbot's (``bot.app.SCHEMA.version``)."""
    path = _sqlite_file(path, "check")
    db = _open_read_only(path)
    try:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        rows = db.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})").fetchall()
    except sqlite3.DatabaseError as exc:  # not a database at all, or the header is damaged
        return DatabaseCheck(path, -1, (storage_reason(exc),), current_version)
    finally:
        db.close()
    problems = tuple(r[0] for r in rows if r[0] != "ok")
    return DatabaseCheck(path, version, problems, current_version)


@dataclass(frozen=True)
class BackupResult:
    source: Path
    target: Path
    pages: int
    size_bytes: int


def backup_database(source: Path | str, target: Path | str) -> BackupResult:
    """Copy ``source`` to ``target`` with SQLite's online backup: a consistent copy even while
    the bot writes. ``target`` must not exist yet (a backup never overwrites)."""
    source, target = _sqlite_file(source, "backup"), Path(target)
    if target.exists():
        raise StorageError(f"{target} already exists; choose a new file for the backup")
    if not target.parent.is_dir():
        raise StorageError(f"no folder {target.parent} for the backup")
    db = _open_read_only(source)
    try:
        copy = sqlite3.connect(target)
        try:
            db.backup(copy)
            (pages,) = copy.execute("PRAGMA page_count").fetchone()
        finally:
            copy.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise StorageError(f"backup of {source} failed: {storage_reason(exc)}") from None
    finally:
        db.close()
    return BackupResult(source, target, pages, target.stat().st_size)
