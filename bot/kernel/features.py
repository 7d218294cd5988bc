"""What a feature declares about itself, in one place (its package's ``feature.py``): its
request handlers, its text commands, and what it does when the app starts and stops. The app
(bot/app.py) is a list of features; it registers each one's handlers with the dispatcher, builds
the grammar from their commands in list order, and runs their start and stop hooks.

A feature's handlers get the app, typed loosely (the kernel knows no feature): a handler uses
the services of its own feature and of features below it, never those above it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.kernel.dispatch import Handler, Request
from bot.kernel.grammar import TextCommand

# the app a feature's hooks are given (bot.app.QuizApp; the kernel cannot name it)
App = Any
Handlers = Iterable[tuple[type[Request], Handler]]


def no_handlers(app: App) -> Handlers:
    return ()


@dataclass(frozen=True)
class Feature:
    """One feature as the app wires it."""

    name: str
    commands: tuple[TextCommand, ...] = ()  # as the help lists them
    handlers: Callable[[App], Handlers] = no_handlers  # (request type, handler) pairs
    start: Callable[[App], Awaitable[None]] | None = None  # after the services exist
    stop: Callable[[App], Awaitable[None]] | None = None  # before the answers and database close


def register_all(features: Iterable[Feature], app: App) -> None:
    """Every feature's handlers, on the app's dispatcher (one handler per request type)."""
    for feature in features:
        for request_type, handler in feature.handlers(app):
            app.dispatcher.register(request_type, handler)


def commands_of(features: Iterable[Feature]) -> tuple[TextCommand, ...]:
    return tuple(command for feature in features for command in feature.commands)
