"""Errors a user can cause and read."""

from __future__ import annotations


class UserError(Exception):
    """Something the user asked for that cannot be done; the message is shown as it is."""


class StorageError(Exception):
    """The database could not do what was asked (locked, damaged, full, read-only, gone)."""


class StorageUnavailable(StorageError):
    """The database server could not be reached, or the connection dropped mid-operation:
    nothing of the operation was committed, and trying again can work."""
