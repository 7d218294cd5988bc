"""Signed dashboard links: who may read what, until when, as an HMAC-SHA256 token.

The token is ``<payload>.<signature>``, both URL-safe base64; the payload names the workspace,
optionally one study group, and the expiry (Unix seconds). The standard library's ``hmac``
does it in a few lines; itsdangerous would too, but reads the system clock where quizbot's
clock is injected (tests move time to expire a link)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class LinkProblem(StrEnum):
    FORGED = "This link is not valid: it was changed or signed by someone else."
    EXPIRED = "This link has expired. Ask for a new one with /quiz dashboard."


class LinkRefused(Exception):
    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class DashboardGrant:
    """What a valid link lets its holder read."""

    workspace_key: str
    group: str | None
    expires: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest()
    return _b64(digest)


def sign(secret: str, grant: DashboardGrant) -> str:
    body = {"w": grant.workspace_key, "g": grant.group, "e": int(grant.expires.timestamp())}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_mac(secret, payload)}"


def verify(secret: str, token: str, now: datetime) -> DashboardGrant:
    """The grant of a valid token; LinkRefused says forged (any change) or expired."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or not payload.isascii() or not signature.isascii():
        raise LinkRefused(LinkProblem.FORGED)
    if not hmac.compare_digest(_mac(secret, payload), signature):
        raise LinkRefused(LinkProblem.FORGED)
    try:
        body = json.loads(_unb64(payload))
        grant = DashboardGrant(
            str(body["w"]),
            None if body["g"] is None else str(body["g"]),
            datetime.fromtimestamp(int(body["e"]), UTC),
        )
    except (ValueError, KeyError, TypeError, binascii.Error, OverflowError, OSError):
        raise LinkRefused(LinkProblem.FORGED) from None
    if now >= grant.expires:
        raise LinkRefused(LinkProblem.EXPIRED)
    return grant
