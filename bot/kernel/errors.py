"""Errors a user can cause and read."""

from __future__ import annotations

import sqlite3

import asyncpg


class UserError(Exception):
    """Something the user asked for that cannot be done; the message is shown as it is."""


class StorageError(Exception):
    """The database could not do what was asked (locked, damaged, full, read-only, gone)."""


class StorageUnavailable(StorageError):
    """The database server could not be reached, or the connection dropped mid-operation:
    nothing of the operation was committed, and trying again can work."""


# What a database fault raises on its way up: our own StorageError (the answer writer, opening,
# PostgreSQL's lost connection) and the drivers' errors from db.read/db.write (locked,
# malformed, read-only, full; on PostgreSQL: disk full, shut down, out of connections).
STORAGE_ERRORS: tuple[type[Exception], ...] = (
    StorageError,
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)

# PostgreSQL's faults of the server rather than of our SQL, by SQLSTATE class: connection (08),
# read-only transaction (25006), serialization/deadlock (40), a missing table as SQLite's "no
# such table" (42P01), no privilege (42501), insufficient resources (53: disk full, out of
# memory, too many connections), operator intervention (57: shutdown, cancel), system I/O
# (58), lock not available (55P03), internal error or corruption (XX). A lost connection
# arrives as our StorageUnavailable (bot.kernel.pg); asyncpg's InterfaceError on a live
# connection is a misuse of the driver, so a bug.
_POSTGRES_FAULTS: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.ReadOnlySQLTransactionError,
    asyncpg.TransactionRollbackError,
    asyncpg.UndefinedTableError,
    asyncpg.InsufficientPrivilegeError,
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
    asyncpg.PostgresSystemError,
    asyncpg.LockNotAvailableError,
    asyncpg.InternalServerError,
)


def is_storage_fault(exc: BaseException) -> bool:
    """A fault of the database itself, not a bug in our SQL: our StorageError, SQLite's
    OperationalError (locked, read-only, full, I/O, no such table) or a bare DatabaseError
    (malformed, not a database), PostgreSQL's server faults (``_POSTGRES_FAULTS``).
    ProgrammingError and IntegrityError (either driver's) are bugs: not these."""
    return (
        isinstance(exc, StorageError | sqlite3.OperationalError)
        or type(exc) is sqlite3.DatabaseError
        or isinstance(exc, _POSTGRES_FAULTS)
    )


def storage_reason(exc: BaseException) -> str:
    """One line for the log: the driver's message, without a traceback."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
