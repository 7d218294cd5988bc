"""The one text grammar for commands, parsed in the core.

The console types ``/quiz card processes-vs-threads`` (or the short ``/card …``), Slack sends
``/quiz`` with the text ``card processes-vs-threads``; both end up here. Discord has structured
options and calls the same services directly. Features add their subcommands with
``CommandRouter.register`` so this module does not grow a branch per feature.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.models import Actor, Notice
from bot.quiz import PERIODS, QuizError, QuizService
from bot.storage import SORTS

if TYPE_CHECKING:
    from bot.groups import GroupService

# What a handler returns: one of the core's result values (QuestionView, Card, Leaderboard,
# UserStats, list[TopicInfo], Notice, DemoResult, ...); each adapter renders them.
Reply = Any
Handler = Callable[[Actor, list[str]], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str  # e.g. "card <topic>"
    summary: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    short: bool = True  # also reachable as /<name> on the console
    # Which uses change shared settings (the handler refuses non-admins). Adapters ask
    # router.needs_admin(text) so they look up admin rights only when they matter.
    needs_admin: Callable[[list[str]], bool] | None = None


def split_words(text: str) -> list[str]:
    """Words of a command; quotes group words ("study group" stays one)."""
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to plain words
        return text.split()


def parse(text: str) -> Command:
    """``/quiz card x`` / ``quiz card x`` / ``card x`` (Slack's text) / ``/card x``."""
    words = split_words(text.strip())
    if words and words[0].lower() in ("/quiz", "quiz"):
        words = words[1:]
    elif words and words[0].startswith("/"):
        words[0] = words[0][1:]
    if not words:
        return Command("question", ())
    return Command(words[0].lower(), tuple(words[1:]))


def parse_choice(text: str, count: int) -> int | None:
    """A choice typed as a number (1-based) or a letter; ``None`` when it is neither."""
    text = text.strip().lower().rstrip(").")
    # ASCII digits only ("²".isdigit() is true) and short (int() refuses 4,300+ digits)
    if text.isascii() and text.isdigit() and len(text) <= 6 and 1 <= int(text) <= count:
        return int(text) - 1
    if len(text) == 1 and "a" <= text < chr(ord("a") + count):
        return ord(text) - ord("a")
    return None


class CommandRouter:
    def __init__(self, quiz: QuizService) -> None:
        self.quiz = quiz
        self.groups: GroupService | None = None  # set by bot.groups.register_group_commands
        self._specs: dict[str, CommandSpec] = {}
        self._names: dict[str, str] = {}
        self.register(
            CommandSpec(
                "question",
                "question [topic]",
                "a multiple-choice question (also: /quiz <topic>)",
                self._question,
                aliases=("q", "ask"),
            )
        )
        self.register(CommandSpec("card", "card <topic>", "the concept card", self._card))
        self.register(CommandSpec("topics", "topics", "what there is to learn", self._topics))
        self.register(
            CommandSpec("stats", "stats", "your points, accuracy and streak", self._stats)
        )
        self.register(
            CommandSpec(
                "leaderboard",
                "leaderboard [channel|server|group <name>] [week|all] [<topic>]"
                " [points|accuracy|streak|mastered]",
                "who leads",
                self._leaderboard,
                aliases=("lb", "top"),
            )
        )
        self.register(
            CommandSpec(
                "review",
                "review [topic]",
                "a short private session of your questions due for review",
                self._review,
            )
        )
        self.register(
            CommandSpec(
                "timezone",
                "timezone [<IANA zone>]",
                "show or (admins) set the zone days and weeks are counted in",
                self._timezone,
                aliases=("tz",),
                needs_admin=bool,  # naming a zone sets it
            )
        )
        self.register(CommandSpec("help", "help", "this list", self._help))

    def register(self, spec: CommandSpec) -> None:
        self._specs[spec.name] = spec
        for name in (spec.name, *spec.aliases):
            self._names[name] = spec.name

    @property
    def specs(self) -> list[CommandSpec]:
        return list(self._specs.values())

    def lookup(self, name: str) -> CommandSpec | None:
        canonical = self._names.get(name.lower())
        return self._specs[canonical] if canonical else None

    async def handle(self, actor: Actor, text: str) -> Reply:
        """Run a text command; user mistakes come back as an error Notice, never raise."""
        command = parse(text)
        spec = self.lookup(command.name)
        args = list(command.args)
        if spec is None:
            # "/quiz processes-vs-threads" asks a question on that topic
            if command.name in self.quiz.pack.topics:
                spec, args = self._specs["question"], [command.name, *args]
            else:
                return self.help_notice(f"Unknown command {command.name!r}.")
        try:
            return await spec.handler(actor, args)
        except QuizError as exc:
            return Notice(str(exc), error=True)

    def needs_admin(self, text: str) -> bool:
        """Whether ``text`` is a command only admins may run (so the adapter should find out
        whether the caller is one)."""
        command = parse(text)
        spec = self.lookup(command.name)
        return bool(spec and spec.needs_admin and spec.needs_admin(list(command.args)))

    async def answer(self, actor: Actor, post_id: int, choice: int) -> Reply:
        """A click or a typed choice; user mistakes come back as an error Notice."""
        try:
            return await self.quiz.answer(actor, post_id, choice)
        except QuizError as exc:
            return Notice(str(exc), error=True)

    def help_notice(self, lead: str = "") -> Notice:
        lines = tuple(f"/quiz {s.usage} — {s.summary}" for s in self._specs.values())
        text = (lead + " " if lead else "") + "Commands:"
        return Notice(text, error=bool(lead), lines=lines)

    # -- built-in handlers --------------------------------------------------------------

    async def _question(self, actor: Actor, args: list[str]) -> Reply:
        return await self.quiz.ask_question(actor, " ".join(args) or None)

    async def _card(self, actor: Actor, args: list[str]) -> Reply:
        if not args:
            raise QuizError("Which card? Usage: /quiz card <topic>. Topics: " + self._topic_ids())
        return self.quiz.card(" ".join(args))

    async def _topics(self, actor: Actor, args: list[str]) -> Reply:
        return self.quiz.topics()

    async def _stats(self, actor: Actor, args: list[str]) -> Reply:
        return await self.quiz.stats(actor)

    async def _leaderboard(self, actor: Actor, args: list[str]) -> Reply:
        scope, period, sort = "workspace", "all", "points"
        topic: str | None = None
        group: str | None = None
        words = list(args)
        while words:
            word = words.pop(0)
            lowered = word.lower()
            if lowered in PERIODS:
                period = lowered
            elif lowered in SORTS:
                sort = lowered
            elif lowered == "by" and words:
                sort = words.pop(0).lower()
            elif lowered in ("channel", "server", "workspace"):
                scope = lowered
            elif lowered == "group":
                if not words:
                    raise QuizError("Which group? Usage: /quiz leaderboard group <name> [week]")
                # a group name may have spaces: it runs until the next known option
                name = [words.pop(0)]
                while words and not self._leaderboard_option(words[0]):
                    name.append(words.pop(0))
                group = " ".join(name)
            elif lowered == "topic" and words:
                topic = words.pop(0)
            elif lowered in self.quiz.pack.topics:
                topic = lowered
            else:
                raise QuizError(
                    f"Unknown leaderboard option {word!r}. Usage: /quiz "
                    + self._specs["leaderboard"].usage
                )
        if group is not None:
            if self.groups is None:
                raise QuizError("Study groups are not available here.")
            return await self.groups.leaderboard(actor, group, period, sort=sort, topic=topic)
        return await self.quiz.leaderboard(actor, scope, period, sort=sort, topic=topic)

    def _leaderboard_option(self, word: str) -> bool:
        lowered = word.lower()
        return (
            lowered in PERIODS
            or lowered in SORTS
            or lowered in ("by", "topic", "channel", "server", "workspace", "group")
            or lowered in self.quiz.pack.topics
        )

    async def _review(self, actor: Actor, args: list[str]) -> Reply:
        return await self.quiz.review_session(actor, " ".join(args) or None)

    async def _timezone(self, actor: Actor, args: list[str]) -> Reply:
        if not args:
            zone = self.quiz.workspace_zone(actor.workspace_key)
            return Notice(
                f"Days and weeks here are counted in {zone.key}."
                " Admins can change it: /quiz timezone <IANA zone>"
            )
        zone = await self.quiz.set_workspace_zone(actor, " ".join(args))
        return Notice(f"Time zone set to {zone.key}: weeks start Monday 00:00 there.")

    async def _help(self, actor: Actor, args: list[str]) -> Reply:
        return self.help_notice()

    def _topic_ids(self) -> str:
        return ", ".join(c.id for c in self.quiz.pack.cards)
