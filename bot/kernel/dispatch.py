"""Requests in, results out: each request type has one handler.

A request is a frozen dataclass for one user intent (``AskQuestion(topic)``,
``SetDailySchedule(at, zone, …)``); adapters build them (from platform options, or from text
through the grammar) and dispatch them. ``needs_admin`` on the type says that only admins may
make it: the dispatcher refuses anyone else with the type's ``admin_refusal`` before any
handler runs (the only admin check in the core), and an adapter looks admin rights up only for
requests that want them (``wants_admin_rights``; ``admin_matters``: an admin may do more, e.g.
stop someone else's quiz). ``storage_failed`` is what the user reads when the database cannot do the
request (locked, damaged, read-only, full): the bot keeps serving, nothing is half-written (every
write is one transaction), and the next request tries again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from bot.kernel.errors import UserError, is_storage_fault, storage_errors, storage_reason
from bot.kernel.identity import Actor
from bot.kernel.results import Notice


@dataclass(frozen=True)
class Request:
    """Base of every request type."""

    needs_admin: ClassVar[bool] = False
    admin_refusal: ClassVar[str] = "Only admins can do that."
    admin_matters: ClassVar[bool] = False  # not admin-only, but admins may do more
    storage_failed: ClassVar[str] = (
        "Couldn't reach quizbot's database just now — please try again in a moment."
    )

    @property
    def wants_admin_rights(self) -> bool:
        """Whether an adapter should look the actor's admin rights up for this request."""
        return self.needs_admin or self.admin_matters


log = logging.getLogger(__name__)


R = TypeVar("R", bound=Request)
# What a handler returns: one of the features' result values (QuestionView, Card,
# Leaderboard, UserStats, Notice, DemoResult, …); each adapter renders them.
Result = object
Handler = Callable[[Actor, Any], Awaitable[Result]]


class Dispatcher:
    def __init__(self) -> None:
        self._handlers: dict[type[Request], Handler] = {}

    def register(
        self,
        request_type: type[R],
        handler: Callable[[Actor, R], Awaitable[Result]],
        *,
        replace: bool = False,
    ) -> None:
        """``replace``: swap an existing handler (tests stand in for a feature this way)."""
        if request_type in self._handlers and not replace:
            raise ValueError(f"{request_type.__name__} already has a handler")
        self._handlers[request_type] = handler

    async def dispatch(self, actor: Actor, request: Request) -> Result:
        """Run ``request``; a user mistake or a database fault comes back as an error Notice.
        Every dispatch is one log line (see ``log_event``)."""
        started = time.perf_counter()
        outcome = Outcome.FAILED
        try:
            handler = self._handlers.get(type(request))
            if handler is None:
                outcome = Outcome.REFUSED
                return Notice(f"{type(request).__name__} is not available here.", error=True)
            if request.needs_admin and not actor.is_admin:
                outcome = Outcome.REFUSED
                return Notice(request.admin_refusal, error=True)
            try:
                result = await handler(actor, request)
            except UserError as exc:
                outcome = Outcome.REFUSED
                return Notice(str(exc), error=True)
            except storage_errors() as exc:
                if not is_storage_fault(exc):
                    raise  # a bug in our SQL: the adapter logs it with its traceback
                outcome = Outcome.STORAGE_FAULT
                log.error(
                    "storage fault: %s by %s failed: %s",
                    type(request).__name__,
                    actor.user_key,
                    storage_reason(exc),
                )
                return Notice(request.storage_failed, error=True)
            outcome = Outcome.REFUSED if isinstance(result, Notice) and result.error else Outcome.OK
            return result
        finally:
            log_event(actor, request, time.perf_counter() - started, outcome)


class Outcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # the user's mistake or not allowed: an error Notice
    STORAGE_FAULT = "storage-fault"  # the database could not do it: an error Notice
    FAILED = "failed"  # an unexpected exception, raised on to the adapter (which logs it)


events = logging.getLogger("quizbot.events")


def log_event(actor: Actor, request: Request, seconds: float, outcome: Outcome) -> None:
    """One line per request: platform, command, user, latency, outcome (never its text)."""
    if events.isEnabledFor(logging.INFO):
        # the record is made here rather than by events.info(): every request logs one, and
        # the logger would first walk the stack for a caller no log line shows
        events.handle(
            events.makeRecord(
                events.name,
                logging.INFO,
                __file__,
                0,
                "platform=%s command=%s user=%s latency_ms=%.1f outcome=%s",
                (actor.platform, type(request).__name__, actor.user_key, seconds * 1000, outcome),
                None,
                func="log_event",
            )
        )
