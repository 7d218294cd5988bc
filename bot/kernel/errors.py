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


def storage_reason(exc: BaseException) -> str:
    """One line for the log: the driver's message, without a traceback."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
