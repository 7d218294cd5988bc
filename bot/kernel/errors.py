"""Errors a user can cause and read."""

from __future__ import annotations

import sqlite3
import sys
from functools import cache
from types import ModuleType


class UserError(Exception):
    """Something the user asked for that cannot be done; the message is shown as it is."""


class StorageError(Exception):
    """The database could not do what was asked (locked, damaged, full, read-only, gone)."""


class StorageUnavailable(StorageError):
    """The database server could not be reached, or the connection dropped mid-operation:
    nothing of the operation was committed, and trying again can work."""


# asyncpg is loaded only with a PostgreSQL URL (bot.kernel.pg): a SQLite process never imports
# it (~40 ms of a start's CPU), and a driver that is not loaded raises nothing, so its errors
# join the tuples below once it is.


def storage_errors() -> tuple[type[Exception], ...]:
    """What a database fault raises on its way up: our own StorageError (the answer writer,
    opening, PostgreSQL's lost connection) and the drivers' errors from db.read/db.write
    (locked, malformed, read-only, full; on PostgreSQL: disk full, shut down, out of
    connections). Called in an ``except`` clause, so only when something was raised."""
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is None:
        return (StorageError, sqlite3.Error)
    return (StorageError, sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError)


@cache
def _postgres_faults(asyncpg: ModuleType) -> tuple[type[Exception], ...]:
    """PostgreSQL's faults of the server rather than of our SQL, by SQLSTATE class: connection
    (08), read-only transaction (25006), serialization/deadlock (40), a missing table as
    SQLite's "no such table" (42P01), no privilege (42501), insufficient resources (53: disk
    full, out of memory, too many connections), operator intervention (57: shutdown, cancel),
    system I/O (58), lock not available (55P03), internal error or corruption (XX). A lost
    connection arrives as our StorageUnavailable (bot.kernel.pg); asyncpg's InterfaceError on
    a live connection is a misuse of the driver, so a bug."""
    return (
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
    (malformed, not a database), PostgreSQL's server faults (``_postgres_faults``).
    ProgrammingError and IntegrityError (either driver's) are bugs: not these."""
    if (
        isinstance(exc, StorageError | sqlite3.OperationalError)
        or type(exc) is sqlite3.DatabaseError
    ):
        return True
    asyncpg = sys.modules.get("asyncpg")
    return asyncpg is not None and isinstance(exc, _postgres_faults(asyncpg))


def storage_reason(exc: BaseException) -> str:
    """One line for the log: the driver's message, without a traceback."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
