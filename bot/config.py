"""Settings from the command line, the environment and a ``.env`` file.

Secrets are read here and nowhere else; they are never logged or printed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

DEFAULT_DB = Path("data") / "quizbot.db"


class ConfigError(Exception):
    """A missing or bad setting; the message is one line naming the setting."""


def setting(name: str, env_file: Path | str = ".env") -> str | None:
    """``name`` from the environment, else from ``env_file``; ``None`` when unset or empty."""
    value = os.environ.get(name)
    if not value and Path(env_file).is_file():
        from dotenv import dotenv_values  # only where there is a .env to read

        value = dotenv_values(env_file).get(name)
    return value.strip() if value and value.strip() else None


def require(name: str, why: str = "", env_file: Path | str = ".env") -> str:
    value = setting(name, env_file)
    if value is None:
        extra = f" ({why})" if why else ""
        raise ConfigError(f"{name} is not set{extra}: put it in the environment or in .env")
    return value


# a scheme (two letters or more: "C:/" is a Windows drive) and a colon, then a slash, or a
# PostgreSQL scheme whatever follows: a URL, never a SQLite file name
_URL_LIKE = re.compile(r"^(?:[a-z][a-z0-9+.-]+:/|postgres(?:ql)?:)", re.IGNORECASE)


def db_path(cli_value: str | None) -> Path | str:
    """The database: a ``postgresql://user@host/db`` URL (kept as text) or a SQLite path.
    Anything else that looks like a URL is a ConfigError (it was never meant as a file name)."""
    value = cli_value or setting("QUIZBOT_DB")
    if value and (_URL_LIKE.match(value) or "://" in value):
        if not value.lower().startswith(("postgresql://", "postgres://")):
            scheme = value.split(":", 1)[0][:20]
            raise ConfigError(
                f"QUIZBOT_DB (or --db) starts with {scheme}: but is no postgresql:// URL:"
                " give postgresql://user@host/database or a SQLite file path"
            )
        return value
    return Path(value or DEFAULT_DB)


def content_path(cli_value: str | None) -> Path | None:
    value = cli_value or setting("QUIZBOT_CONTENT")
    return Path(value) if value else None
