"""Wiring: content, database, services, the feature list (each feature declares its handlers,
text commands and start/stop hooks in its feature.py), and the ordered steps of the answer
batch. The only module that knows every feature."""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from bot.content import (
    ContentError,
    ContentProblem,
    Pack,
    PackHolder,
    default_content_path,
    load_pack,
)
from bot.demos import DEMO_NAMES, DemoRunner
from bot.demos import feature as demos_feature
from bot.features.answers import AnswerWriter
from bot.features.answers import feature as answers_feature
from bot.features.boards import BoardService, WorkspaceZones
from bot.features.boards import feature as boards_feature
from bot.features.daily import DailyService
from bot.features.daily import feature as daily_feature
from bot.features.daily.windows import DailyWindows
from bot.features.groups import GroupService
from bot.features.groups import feature as groups_feature
from bot.features.live import LiveLimits, LiveService
from bot.features.live import feature as live_feature
from bot.features.quiz import QuizService
from bot.features.quiz import feature as quiz_feature
from bot.features.quiz.requests import topic_fallback
from bot.features.teacher import TeacherService
from bot.features.teacher import feature as teacher_feature
from bot.kernel.clock import Clock, SystemClock
from bot.kernel.db import DEFAULT_BUSY_TIMEOUT_MS, Database
from bot.kernel.dispatch import Dispatcher, Request, Result
from bot.kernel.errors import StorageError, UserError, storage_errors, storage_reason
from bot.kernel.features import (
    Feature,
    Handlers,
    StepPhase,
    commands_of,
    ordered_steps,
    register_all,
    schema_of,
)
from bot.kernel.grammar import Grammar, ParseContext, TextCommand, no_arguments
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from bot.kernel.storage import open_database
from bot.pictures.service import Pictures

log = logging.getLogger(__name__)


def log_skipped(pack: Pack) -> None:
    """One warning per content folder entry that was skipped (a folder or FIFO named x.yaml)."""
    for line in pack.skipped:
        log.warning("content: %s", line)


@dataclass(frozen=True)
class ShowHelp(Request):
    pass


@dataclass(frozen=True)
class ReloadContent(Request):
    """``/quiz reload``: load the content again without a restart (admins)."""

    needs_admin: ClassVar[bool] = True
    admin_refusal: ClassVar[str] = "Only admins can reload the content."


@dataclass(frozen=True)
class ContentReload:
    """What a reload did: the new pack's summary and which questions came and went, or the
    problems (``file:line: message``) that kept the last good content in service."""

    problems: tuple[str, ...] = ()
    summary: str = ""
    added: tuple[str, ...] = ()  # question ids new in this pack
    retired: tuple[str, ...] = ()  # question ids no longer in the content (history kept)
    skipped: tuple[str, ...] = ()  # folder entries named like content that are no files

    @property
    def ok(self) -> bool:
        return not self.problems

    def notice(self) -> Notice:
        """One line for the admin; on errors, the problems follow one per line."""
        if not self.ok:
            count = len(self.problems)
            return Notice(
                f"Content not reloaded: {count} problem{'s' if count != 1 else ''}; still"
                " serving the previous content.",
                error=True,
                lines=self.problems,
            )
        changes = [f"{len(self.added)} new", f"{len(self.retired)} retired"]
        return Notice(
            f"Content reloaded: {self.summary} ({', '.join(changes)} questions).",
            lines=self.skipped,
        )


def _app_handlers(app: QuizApp) -> Handlers:
    async def reload(actor: Actor, r: ReloadContent) -> Result:
        return (await app.reload_content()).notice()

    async def show_help(actor: Actor, r: ShowHelp) -> Result:
        return app.grammar.help()

    return ((ReloadContent, reload), (ShowHelp, show_help))


# What the app itself answers: the content and the help.
APP_FEATURE = Feature(
    "app",
    commands=(
        TextCommand(
            "reload",
            "reload",
            "load the content again, keeping scores (admins)",
            no_arguments(ReloadContent),
        ),
        TextCommand("help", "help", "this list", no_arguments(ShowHelp)),
    ),
    handlers=_app_handlers,
)

# The features, lower first; each declares its handlers, commands and start/stop hooks in its
# own feature.py. A new feature is one folder and one line here.
FEATURES: tuple[Feature, ...] = (
    answers_feature.FEATURE,
    quiz_feature.FEATURE,
    boards_feature.FEATURE,
    groups_feature.FEATURE,
    daily_feature.FEATURE,
    live_feature.FEATURE,
    teacher_feature.FEATURE,
    demos_feature.FEATURE,
    APP_FEATURE,
)

# The schema: every feature's migrations (each feature's own ``migrations`` package), in the one
# version sequence every database has gone through.
SCHEMA = schema_of(FEATURES)

# Every command as typed (console, Slack, the help), in the order the help lists them; the
# docs' command reference is generated from it (tools/mkdocs_hooks.py).
TEXT_COMMANDS: tuple[TextCommand, ...] = commands_of(FEATURES)

# The answer path, from every feature's steps, each after those it needs (bot/kernel/features.py
# ordered_steps). A click's batch, in one transaction: refuse answers to closed daily windows
# and live rounds (the live step stores the session's row), score a right answer not yet due for
# review at nothing, then the answer rows, the totals and day streaks the reply prints, an
# outbox row. Derived from answers, applied after the click from the outbox: FSRS reviews, the
# study groups' scopes, score and topic rows, daily streaks, each learner's first answer per
# question (item analysis).
ANSWER_STEPS = tuple(step.run for step in ordered_steps(FEATURES, StepPhase.CLICK))
DERIVED_STEPS = tuple(step.run for step in ordered_steps(FEATURES, StepPhase.DERIVED))


@dataclass
class QuizApp:
    content: PackHolder
    db: Database
    clock: Clock
    answers: AnswerWriter
    quiz: QuizService
    boards: BoardService
    daily: DailyService
    groups: GroupService
    live: LiveService
    teacher: TeacherService
    demos: DemoRunner
    dispatcher: Dispatcher
    grammar: Grammar
    content_path: Path = field(default_factory=default_content_path)
    # what results show as pictures; off (text only) with QUIZBOT_PICTURES=off
    pictures: Pictures = field(default_factory=lambda: Pictures(enabled=False))
    owns_pictures: bool = True  # False: the caller gave them and closes them
    _reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _closed: bool = field(default=False, repr=False)

    @property
    def pack(self) -> Pack:
        """The content served now; ``reload_content`` swaps it."""
        return self.content.pack

    @classmethod
    async def open(
        cls,
        db_path: Path | str,
        content_path: Path | str | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        demos: DemoRunner | None = None,
        live_limits: LiveLimits | None = None,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        pictures: Pictures | None = None,
    ) -> QuizApp:
        """Load and validate the content first (so bad content touches no database), then open
        and migrate the database. A database fault is one StorageError line."""
        content_path = Path(content_path or default_content_path())
        pack = load_pack(content_path, known_demos=DEMO_NAMES)
        log_skipped(pack)
        db = await open_database(db_path, SCHEMA, busy_timeout_ms)
        clock = clock or SystemClock()
        answers = AnswerWriter(db, ANSWER_STEPS, DERIVED_STEPS)
        content = PackHolder(pack)
        zones = WorkspaceZones(db)
        # what the quiz needs from above it, passed in at construction: the workspace's zone
        # and why a daily post's window is closed
        windows = DailyWindows(db)
        quiz_service = QuizService(
            content,
            db,
            answers,
            clock,
            rng=rng,
            zone_of=zones.zone_of,
            closed_window_text=windows.closed_text,
        )
        owns_pictures = pictures is None
        pictures = pictures or Pictures.from_environment()
        daily_service = DailyService(quiz_service, db, clock, rng=rng, pictures=pictures)
        board_service = BoardService(db, clock, quiz_service, daily_service, zones)
        group_service = GroupService(board_service)
        live_service = LiveService(quiz_service, db, clock, live_limits, rng=rng, pictures=pictures)
        grammar = Grammar(TEXT_COMMANDS, ParseContext(pack.topic_index), fallback=topic_fallback)
        app = cls(
            content=content,
            db=db,
            clock=clock,
            answers=answers,
            quiz=quiz_service,
            boards=board_service,
            daily=daily_service,
            groups=group_service,
            live=live_service,
            teacher=TeacherService(quiz_service, group_service, db, clock),
            demos=demos or DemoRunner(now=clock.now),
            dispatcher=Dispatcher(),
            grammar=grammar,
            content_path=content_path,
            pictures=pictures,
            owns_pictures=owns_pictures,
        )
        register_all(FEATURES, app)
        try:
            for feature in FEATURES:
                if feature.start is not None:
                    await feature.start(app)
        except storage_errors() as exc:
            await answers.close()
            await db.close()
            if owns_pictures:
                await pictures.close()
            raise StorageError(f"cannot read database {db_path}: {storage_reason(exc)}") from None
        return app

    def parse(self, text: str) -> Request | Notice:
        """One line of text as a Request, or the error Notice that says what is wrong."""
        try:
            return self.grammar.parse(text)
        except UserError as exc:
            return Notice(str(exc), error=True)

    async def dispatch(self, actor: Actor, request: Request, *, pictures: bool = True) -> Result:
        """Run ``request``; a result that has a picture carries it drawn (bot.pictures), unless
        ``pictures`` is False (a view that cannot show one, such as Slack's home tab)."""
        result = await self.dispatcher.dispatch(actor, request)
        return await self.pictures.attach(result) if pictures else result

    async def handle_text(self, actor: Actor, text: str) -> Result:
        """Parse once and run: what the console and Slack's slash command do."""
        request = self.parse(text)
        if isinstance(request, Notice):
            return request
        return await self.dispatch(actor, request)

    async def reload_content(self) -> ContentReload:
        """Load ``content_path`` again. A pack that loads and validates completely replaces
        the served one in one assignment (requests already running keep the pack they took);
        anything wrong keeps the last good pack and is reported. History and scores stay:
        answers to questions no longer in the content are kept, their buttons say retired."""
        async with self._reload_lock:
            try:
                pack = await asyncio.to_thread(load_pack, self.content_path, known_demos=DEMO_NAMES)
            except ContentError as exc:
                return ContentReload(problems=tuple(str(p) for p in exc.problems))
            except (OSError, UnicodeDecodeError) as exc:  # unreadable file or folder
                problem = ContentProblem(str(self.content_path), 0, str(exc))
                return ContentReload(problems=(str(problem),))
            log_skipped(pack)
            old = {q.id for q in self.content.pack.questions}
            new = {q.id for q in pack.questions}
            self.content.pack = pack
            self.grammar.context = ParseContext(pack.topic_index)
            outcome = ContentReload(
                summary=pack.summary(),
                added=tuple(q.id for q in pack.questions if q.id not in old),
                retired=tuple(sorted(old - new)),
                skipped=pack.skipped,
            )
            log.info("content reloaded from %s: %s", self.content_path, pack.summary())
            return outcome

    def reload_on_sighup(
        self, report: Callable[[ContentReload], None] | None = None
    ) -> Callable[[], None]:
        """Reload the content on SIGHUP (a loop signal handler; Unix only). ``report`` hears
        each outcome (default: the log). Returns the function that removes the handler."""
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[None]] = set()

        async def run() -> None:
            outcome = await self.reload_content()
            if report is not None:
                report(outcome)
            elif outcome.ok:
                log.info("SIGHUP: %s", outcome.notice().text)
            else:
                log.error("SIGHUP: %s\n%s", outcome.notice().text, "\n".join(outcome.problems))

        def on_hup() -> None:
            task = loop.create_task(run(), name="quizbot-reload")
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        try:
            loop.add_signal_handler(signal.SIGHUP, on_hup)
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            return lambda: None  # Windows, or not the main thread: /quiz reload still works
        return lambda: loop.remove_signal_handler(signal.SIGHUP)

    async def close(self) -> None:
        """Stop the schedulers and runners, store the queued answers, close the database;
        a second close does nothing."""
        if self._closed:
            return
        self._closed = True
        for feature in reversed(FEATURES):
            if feature.stop is not None:
                await feature.stop(self)
        await self.answers.close()
        await self.db.close()
        if self.owns_pictures:
            await self.pictures.close()
