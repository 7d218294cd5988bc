"""Errors a user can cause and read."""

from __future__ import annotations

import sqlite3


class UserError(Exception):
    """Something the user asked for that cannot be done; the message is shown as it is."""


class StorageError(Exception):
    """The database could not do what was asked (locked, damaged, full, read-only, gone)."""


# What a database fault raises on its way up: our own StorageError (the answer writer, opening)
# and the driver's errors from db.read/db.write (locked, malformed, read-only, full).
STORAGE_ERRORS: tuple[type[Exception], ...] = (StorageError, sqlite3.Error)


def is_storage_fault(exc: BaseException) -> bool:
    """A fault of the database itself, not a bug in our SQL: our StorageError, SQLite's
    OperationalError (locked, read-only, full, I/O, no such table) or a bare DatabaseError
    (malformed, not a database). ProgrammingError and IntegrityError are bugs: not these."""
    return isinstance(exc, StorageError | sqlite3.OperationalError) or (
        type(exc) is sqlite3.DatabaseError
    )


def storage_reason(exc: BaseException) -> str:
    """One line for the log: the driver's message, without a traceback."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
