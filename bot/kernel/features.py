"""What a feature declares about itself, in one place (its package's ``feature.py``): its
request handlers, its text commands, its steps of the answer batch (each naming the steps it
needs before it), and what it does when the app starts and stops. The app
(bot/app.py) is a list of features; it registers each one's handlers with the dispatcher, builds
the grammar from their commands in list order, and runs their start and stop hooks.

A feature's handlers get the app, typed loosely (the kernel knows no feature): a handler uses
the services of its own feature and of features below it, never those above it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.kernel.dispatch import Handler, Request
from bot.kernel.grammar import TextCommand
from bot.kernel.migrations import Schema

# the app a feature's hooks are given (bot.app.QuizApp; the kernel cannot name it)
App = Any
Handlers = Iterable[tuple[type[Request], Handler]]


def no_handlers(app: App) -> Handlers:
    return ()


class StepPhase(StrEnum):
    """When an answer step runs: in the click's transaction (what the reply prints), or in the
    trailing one the writer applies from the outbox (what is derived from answers)."""

    CLICK = "click"
    DERIVED = "derived"


@dataclass(frozen=True)
class AnswerStep:
    """One step of the answer path, run inside its phase's transaction (``run(db, batch)``).
    ``after`` names the steps of the same phase ("feature.step") whose work it needs first."""

    name: str  # "feature.step"
    run: Callable[[Any, Any], None]
    after: tuple[str, ...] = ()
    phase: StepPhase = StepPhase.CLICK


@dataclass(frozen=True)
class Feature:
    """One feature as the app wires it."""

    name: str
    commands: tuple[TextCommand, ...] = ()  # as the help lists them
    handlers: Callable[[App], Handlers] = no_handlers  # (request type, handler) pairs
    answer_steps: tuple[AnswerStep, ...] = ()
    start: Callable[[App], Awaitable[None]] | None = None  # after the services exist
    stop: Callable[[App], Awaitable[None]] | None = None  # before the answers and database close
    # the package of its schema's migrations ("bot.features.live.migrations": vNNN_name.sql
    # files, numbered in the one history every feature shares); None: it has no tables
    migrations: str | None = None


def register_all(features: Iterable[Feature], app: App) -> None:
    """Every feature's handlers, on the app's dispatcher (one handler per request type)."""
    for feature in features:
        for request_type, handler in feature.handlers(app):
            app.dispatcher.register(request_type, handler)


def schema_of(features: Iterable[Feature]) -> Schema:
    """Every feature's migrations in one version sequence (``Schema.collect``: no gaps, no
    version declared twice), whatever the list's order."""
    return Schema.collect((f.name, f.migrations) for f in features if f.migrations is not None)


def commands_of(features: Iterable[Feature]) -> tuple[TextCommand, ...]:
    return tuple(command for feature in features for command in feature.commands)


def ordered_steps(
    features: Iterable[Feature], phase: StepPhase = StepPhase.CLICK
) -> tuple[AnswerStep, ...]:
    """Every feature's answer steps of ``phase``, each after the steps it needs; among steps
    that are ready together, the lower feature's first (the list's order), so the order is
    stable. A step that needs an unknown step, or steps that need each other, are a ValueError
    at start."""
    steps = [s for feature in features for s in feature.answer_steps if s.phase == phase]
    names = {step.name for step in steps}
    for step in steps:
        unknown = sorted(set(step.after) - names)
        if unknown:
            raise ValueError(f"answer step {step.name} needs unknown steps {unknown}")
    placed: list[AnswerStep] = []
    done: set[str] = set()
    while len(placed) < len(steps):
        ready = next((s for s in steps if s.name not in done and set(s.after) <= done), None)
        if ready is None:
            waiting = [s.name for s in steps if s.name not in done]
            raise ValueError(f"answer steps need each other: {waiting}")
        placed.append(ready)
        done.add(ready.name)
    return tuple(placed)
