"""Wiring: content, database, services, the request handlers, the text grammar, and the ordered
steps of the answer batch. The only module that knows every feature."""

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
from bot.demos.requests import COMMANDS as DEMO_COMMANDS
from bot.demos.requests import RunDemo
from bot.features.answers import AnswerWriter, PostKind
from bot.features.answers.writer import insert_answers
from bot.features.boards import BoardService, WorkspaceZones
from bot.features.boards import requests as boards
from bot.features.boards import store as boards_store
from bot.features.daily import DailyService
from bot.features.daily import requests as daily
from bot.features.daily import steps as daily_steps
from bot.features.daily.service import require_admin
from bot.features.groups import GroupService
from bot.features.groups import requests as groups
from bot.features.groups import store as groups_store
from bot.features.live import LiveLimits, LiveService
from bot.features.live import requests as live
from bot.features.live import store as live_store
from bot.features.quiz import QuizService
from bot.features.quiz import requests as quiz
from bot.features.quiz import store as quiz_store
from bot.features.teacher import TeacherService
from bot.features.teacher import requests as teacher
from bot.kernel.clock import Clock, SystemClock
from bot.kernel.db import DEFAULT_BUSY_TIMEOUT_MS, Database
from bot.kernel.dispatch import Dispatcher, Request, Result
from bot.kernel.errors import STORAGE_ERRORS, StorageError, UserError, storage_reason
from bot.kernel.grammar import Grammar, ParseContext, TextCommand, no_arguments
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from bot.kernel.storage import open_database
from bot.pictures.service import Pictures

# The answer batch, in order, all in one transaction: refuse answers to closed daily windows
# and closed live rounds first (the live step also stores the session's own answer row); review
# FSRS cards before the rows are written (a right answer not yet due scores nothing); then the
# answer rows, the answerers' study groups (their scopes), the boards' totals and score rows,
# the daily streaks.
ANSWER_STEPS = (
    daily_steps.refuse_closed_windows,
    live_store.record_answers,
    quiz_store.review_cards,
    insert_answers,
    groups_store.add_group_scopes,
    boards_store.update_scores,
    daily_steps.update_streaks,
)


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


# Every command as typed (console, Slack, the help), in the order the help lists them; the
# docs' command reference is generated from it (tools/mkdocs_hooks.py).
TEXT_COMMANDS: tuple[TextCommand, ...] = (
    *quiz.COMMANDS,
    *boards.COMMANDS,
    *groups.COMMANDS,
    *daily.COMMANDS,
    *live.COMMANDS,
    *teacher.COMMANDS,
    *DEMO_COMMANDS,
    TextCommand(
        "reload",
        "reload",
        "load the content again, keeping scores (admins)",
        no_arguments(ReloadContent),
    ),
    TextCommand("help", "help", "this list", no_arguments(ShowHelp)),
)


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
        db = await open_database(db_path, busy_timeout_ms)
        clock = clock or SystemClock()
        answers = AnswerWriter(db, ANSWER_STEPS)
        content = PackHolder(pack)
        quiz_service = QuizService(content, db, answers, clock, rng=rng)
        zones = WorkspaceZones(db)
        try:
            await zones.load()
        except STORAGE_ERRORS as exc:
            await answers.close()
            await db.close()
            raise StorageError(f"cannot read database {db_path}: {storage_reason(exc)}") from None
        quiz_service.zone_of = zones.zone_of
        daily_service = DailyService(quiz_service, db, clock, rng=rng)
        quiz_service.closed_window_text = daily_service.closed_window_text
        board_service = BoardService(db, clock, quiz_service, daily_service, zones)
        group_service = GroupService(board_service)
        live_service = LiveService(quiz_service, db, clock, live_limits, rng=rng)
        owns_pictures = pictures is None
        pictures = pictures or Pictures.from_environment()
        daily_service.pictures = live_service.pictures = pictures
        grammar = Grammar(
            TEXT_COMMANDS, ParseContext(topics=pack.topics), fallback=quiz.topic_fallback
        )
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
        app._register_handlers()
        return app

    def _register_handlers(self) -> None:
        register = self.dispatcher.register
        q, b, g, d, lv = self.quiz, self.boards, self.groups, self.daily, self.live

        async def ask(actor: Actor, r: quiz.AskQuestion) -> Result:
            return await q.ask_question(actor, r.topic)

        async def card(actor: Actor, r: quiz.ShowCard) -> Result:
            return await q.card_view(r.topic, r.part)

        async def topics(actor: Actor, r: quiz.ListTopics) -> Result:
            return q.topics()

        async def review(actor: Actor, r: quiz.StartReview) -> Result:
            return await q.review_session(actor, r.topic)

        async def answer(actor: Actor, r: quiz.AnswerQuestion) -> Result:
            post = await q.get_post(r.post_id)
            if post is not None and post.kind == PostKind.LIVE:
                return await lv.answer(actor, post, r.choice)  # locked in, not revealed
            return await q.answer(actor, r.post_id, r.choice)

        async def answer_box(actor: Actor, r: quiz.OpenAnswerBox) -> Result:
            return await q.answer_box(actor, r.post_id)

        async def answer_typed(actor: Actor, r: quiz.AnswerTyped) -> Result:
            return await q.answer_typed(actor, r.post_id, r.text)

        async def reload(actor: Actor, r: ReloadContent) -> Result:
            if not actor.is_admin:
                raise UserError("Only admins can reload the content.")
            return (await self.reload_content()).notice()

        async def record_message(actor: Actor, r: quiz.RecordPostMessage) -> Result:
            await q.set_message_ref(r.post_id, r.message_ref)
            return Notice("Recorded.")

        async def stats(actor: Actor, r: boards.ShowStats) -> Result:
            return await b.stats(actor, r.user_key)

        async def leaderboard(actor: Actor, r: boards.ShowLeaderboard) -> Result:
            if r.group is not None:
                return await g.leaderboard(actor, r.group, r.period, sort=r.sort, topic=r.topic)
            return await b.leaderboard(actor, r.scope, r.period, sort=r.sort, topic=r.topic)

        async def show_zone(actor: Actor, r: boards.ShowTimezone) -> Result:
            zone = b.zones.zone_of(actor.workspace_key)
            return Notice(
                f"Days and weeks here are counted in {zone.key}."
                " Admins can change it: /quiz timezone <IANA zone>"
            )

        async def set_zone(actor: Actor, r: boards.SetTimezone) -> Result:
            zone = await b.zones.set(actor, r.zone)
            return Notice(f"Time zone set to {zone.key}: weeks start Monday 00:00 there.")

        async def create_group(actor: Actor, r: groups.CreateGroup) -> Result:
            return await g.create(actor, r.name)  # a StudyGroup: each adapter escapes its name

        async def join_group(actor: Actor, r: groups.JoinGroup) -> Result:
            return await g.join(actor, r.name)

        async def leave_group(actor: Actor, r: groups.LeaveGroup) -> Result:
            return await g.leave(actor, r.name)

        async def list_groups(actor: Actor, r: groups.ListGroups) -> Result:
            return await g.list(actor)

        async def group_members(actor: Actor, r: groups.ShowGroupMembers) -> Result:
            return await g.members(actor, r.name)

        async def group_summary(actor: Actor, r: groups.ShowGroupSummary) -> Result:
            return await g.summary(actor, r.name)

        async def daily_set(actor: Actor, r: daily.SetDailySchedule) -> Result:
            require_admin(actor)  # before the words: a non-admin learns nothing else
            if r.problem:
                raise UserError(r.problem)
            return await d.set_schedule(
                actor, r.at, r.zone, tuple(r.days), r.topic, r.window_hours, r.channel
            )

        async def daily_show(actor: Actor, r: daily.ShowDailySchedule) -> Result:
            return await d.show(actor, r.channel)

        async def daily_off(actor: Actor, r: daily.StopDailySchedule) -> Result:
            return await d.stop_schedule(actor, r.channel)

        async def daily_now(actor: Actor, r: daily.PostDailyNow) -> Result:
            return await d.post_now(actor, r.channel)

        async def demo(actor: Actor, r: RunDemo) -> Result:
            """Runs in a sandboxed child process; the bot keeps serving."""
            if not r.name:
                names = ", ".join(f"{n} ({about})" for n, about in self.demos.describe())
                raise UserError(f"Which demo? Usage: /quiz demo <name>. Demos: {names}")
            return await self.demos.run(actor.user_key, r.name)

        async def live_start(actor: Actor, r: live.StartLive) -> Result:
            return await lv.start(actor, r.topic, r.rounds, r.seconds)

        async def live_stop(actor: Actor, r: live.StopLive) -> Result:
            return await lv.stop(actor)

        async def live_show(actor: Actor, r: live.ShowLive) -> Result:
            return await lv.show(actor)

        async def show_help(actor: Actor, r: ShowHelp) -> Result:
            return self.grammar.help()

        register(quiz.AskQuestion, ask)
        register(quiz.ShowCard, card)
        register(quiz.ListTopics, topics)
        register(quiz.StartReview, review)
        register(quiz.AnswerQuestion, answer)
        register(quiz.AnswerTyped, answer_typed)
        register(quiz.OpenAnswerBox, answer_box)
        register(ReloadContent, reload)
        register(quiz.RecordPostMessage, record_message)
        register(boards.ShowStats, stats)
        register(boards.ShowLeaderboard, leaderboard)
        register(boards.ShowTimezone, show_zone)
        register(boards.SetTimezone, set_zone)
        register(groups.CreateGroup, create_group)
        register(groups.JoinGroup, join_group)
        register(groups.LeaveGroup, leave_group)
        register(groups.ListGroups, list_groups)
        register(groups.ShowGroupMembers, group_members)
        register(groups.ShowGroupSummary, group_summary)
        register(daily.SetDailySchedule, daily_set)
        register(daily.ShowDailySchedule, daily_show)
        register(daily.StopDailySchedule, daily_off)
        register(daily.PostDailyNow, daily_now)
        register(live.StartLive, live_start)
        register(live.StopLive, live_stop)
        register(live.ShowLive, live_show)
        register(RunDemo, demo)
        self._register_teacher()
        register(ShowHelp, show_help)

    def _register_teacher(self) -> None:
        t, register = self.teacher, self.dispatcher.register

        async def flagged(actor: Actor, r: teacher.ShowFlaggedItems) -> Result:
            return await t.flagged(actor, r)

        async def items(actor: Actor, r: teacher.AnalyseItems) -> Result:
            return await t.item_report(actor, r)

        async def item(actor: Actor, r: teacher.ShowItem) -> Result:
            return await t.item(actor, r, r.question_id)

        async def learners(actor: Actor, r: teacher.ReportLearners) -> Result:
            return await t.learners(actor, r)

        async def group(actor: Actor, r: teacher.ShowGroupProgress) -> Result:
            return await t.group_progress(actor, r.group)

        async def channel(actor: Actor, r: teacher.ShowChannelHistory) -> Result:
            return await t.channel_history(actor, r.channel)

        async def channels(actor: Actor, r: teacher.ListDailyChannels) -> Result:
            return await t.daily_channels(actor)

        async def dashboard(actor: Actor, r: teacher.OpenDashboard) -> Result:
            return await t.dashboard_link(actor, r.group)

        register(teacher.ShowFlaggedItems, flagged)
        register(teacher.AnalyseItems, items)
        register(teacher.ShowItem, item)
        register(teacher.ReportLearners, learners)
        register(teacher.ShowGroupProgress, group)
        register(teacher.ShowChannelHistory, channel)
        register(teacher.ListDailyChannels, channels)
        register(teacher.OpenDashboard, dashboard)

    def parse(self, text: str) -> Request | Notice:
        """One line of text as a Request, or the error Notice that says what is wrong."""
        try:
            return self.grammar.parse(text)
        except UserError as exc:
            return Notice(str(exc), error=True)

    async def dispatch(self, actor: Actor, request: Request) -> Result:
        """Run ``request``; a result that has a picture carries it drawn (bot.pictures)."""
        return await self.pictures.attach(await self.dispatcher.dispatch(actor, request))

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
            self.grammar.context = ParseContext(topics=pack.topics)
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
        for scheduler in list(self.daily.schedulers.values()):
            await scheduler.stop()
        for runner in list(self.live.runners.values()):
            await runner.stop()  # type: ignore[attr-defined]
        await self.answers.close()
        await self.db.close()
        if self.owns_pictures:
            await self.pictures.close()
