"""A PostgreSQL URL: recognised, redacted for printing, its ports and hosts checked before
connecting. No driver here: a SQLite process asks ``is_postgres_url`` without loading asyncpg.

asyncpg takes a port over 65535 modulo 65536 (``port=99999`` connects to 34463 and reports that
refused), a port of 0 or below as a name lookup error, and a host with a space as an unknown
name: each would be a misleading start-up error. ``check_url`` names the bad part instead.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

_SCHEMES = ("postgres://", "postgresql://")
MAX_PORT = 65535
# a host name (IDNA letters included), an IPv4 address; IPv6 goes in brackets
_HOST_NAME = re.compile(r"[\w.-]*")
_BRACKETED = re.compile(r"\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\](?::(.*))?")


class BadUrl(ValueError):
    """What is wrong, quoting the bad value; ``safe`` says it without the value (a URL with a
    password: a misparsed URL's "port" can be half of the password)."""

    def __init__(self, message: str, safe: str) -> None:
        super().__init__(message)
        self.safe = safe


def check_url(url: str) -> None:
    """Raise ``BadUrl`` when a port or host of ``url`` (``host[:port]`` lists after the user
    info, the ``port=`` and ``host=`` query parameters) cannot be one."""
    parts = urlsplit(url)
    hostlist = parts.netloc.rpartition("@")[2]
    if hostlist:
        for spec in hostlist.split(","):
            host, port = _split_host(spec)
            _check_host(unquote(host))
            if port:
                _check_port(unquote(port))
    query = parse_qs(parts.query)
    for port in query.get("port", [""])[-1].split(","):
        if port:
            _check_port(port)
    for host in query.get("host", [""])[-1].split(","):
        _check_host(host)


def _split_host(spec: str) -> tuple[str, str]:
    if spec.startswith("["):
        bracketed = _BRACKETED.fullmatch(spec)
        if bracketed is None:
            raise BadUrl(f"{spec!r} is not an [IPv6]:port address", "an IPv6 address is not one")
        return "", bracketed.group(2) or ""
    host, _, port = spec.partition(":")
    return host, port


def _check_host(host: str) -> None:
    if host.startswith("/") or _HOST_NAME.fullmatch(host):  # a socket directory, or a name
        return
    raise BadUrl(
        f"host {host!r} is not a host name, an IP address or a socket directory",
        "a host is not a host name, an IP address or a socket directory",
    )


def _check_port(port: str) -> None:
    if port.isascii() and port.isdigit() and 0 < int(port) <= MAX_PORT:
        return
    raise BadUrl(
        f"port {port!r} is not a number from 1 to {MAX_PORT}",
        f"a port is not a number from 1 to {MAX_PORT}",
    )


def is_postgres_url(target: object) -> bool:
    """True for ``postgresql://…`` (or ``postgres://…``); anything else is a SQLite path."""
    return isinstance(target, str) and target.lower().startswith(_SCHEMES)


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``: safe to print. A password may sit in the
    user info (``user:pw@``; unencoded ``@``, ``/`` or ``#`` in it included: the user info runs
    to the last ``@`` before the query) or in the query (``password=``, ``sslpassword=``)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    head, mark, query = rest.partition("?")
    if "@" in head:
        userinfo, host = head.rsplit("@", 1)
        if ":" in userinfo:
            head = f"{userinfo.split(':', 1)[0]}:***@{host}"
    query = re.sub(r"(?i)((?:^|&)(?:ssl)?password=)[^&]*", r"\1***", query)
    return f"{scheme}{sep}{head}{mark}{query}"


def has_password(url: str) -> bool:
    """Whether ``url`` carries a password anywhere ``redact`` would hide one."""
    return redact(url) != url
