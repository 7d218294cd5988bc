"""Wiring: content, database, services, the request handlers, the text grammar, and the ordered
steps of the answer batch. The only module that knows every feature."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bot.content import Pack, default_content_path, load_pack
from bot.demos import DEMO_NAMES, DemoRunner
from bot.demos.requests import COMMANDS as DEMO_COMMANDS
from bot.demos.requests import RunDemo
from bot.features.answers import AnswerWriter
from bot.features.answers.writer import insert_answers
from bot.features.boards import BoardService, WorkspaceZones
from bot.features.boards import requests as boards
from bot.features.boards import store as boards_store
from bot.features.daily import DailyService
from bot.features.daily import requests as daily
from bot.features.daily import store as daily_store
from bot.features.daily.service import require_admin
from bot.features.groups import GroupService
from bot.features.groups import requests as groups
from bot.features.quiz import QuizService
from bot.features.quiz import requests as quiz
from bot.features.quiz import store as quiz_store
from bot.kernel.clock import Clock, SystemClock
from bot.kernel.db import Database
from bot.kernel.dispatch import Dispatcher, Request, Result
from bot.kernel.errors import UserError
from bot.kernel.grammar import Grammar, ParseContext, TextCommand, no_arguments
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from bot.kernel.storage import open_database

# The answer batch, in order, all in one transaction: refuse answers to closed daily windows
# first; review FSRS cards before the rows are written (a right answer not yet due scores
# nothing); then the answer rows, the boards' totals and score rows, the daily streaks.
ANSWER_STEPS = (
    daily_store.refuse_closed_windows,
    quiz_store.review_cards,
    insert_answers,
    boards_store.update_scores,
    daily_store.update_streaks,
)


@dataclass(frozen=True)
class ShowHelp(Request):
    pass


@dataclass
class QuizApp:
    pack: Pack
    db: Database
    clock: Clock
    answers: AnswerWriter
    quiz: QuizService
    boards: BoardService
    daily: DailyService
    groups: GroupService
    demos: DemoRunner
    dispatcher: Dispatcher
    grammar: Grammar

    @classmethod
    async def open(
        cls,
        db_path: Path | str,
        content_path: Path | str | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        demos: DemoRunner | None = None,
    ) -> QuizApp:
        """Load and validate the content first (so bad content touches no database), then open
        and migrate the database."""
        pack = load_pack(content_path or default_content_path(), known_demos=DEMO_NAMES)
        db = await open_database(db_path)
        clock = clock or SystemClock()
        answers = AnswerWriter(db, ANSWER_STEPS)
        quiz_service = QuizService(pack, db, answers, clock, rng=rng)
        zones = WorkspaceZones(db)
        await zones.load()
        quiz_service.zone_of = zones.zone_of
        daily_service = DailyService(quiz_service, db, clock, rng=rng)
        quiz_service.closed_window_text = daily_service.closed_window_text
        board_service = BoardService(pack, db, clock, quiz_service, daily_service, zones)
        group_service = GroupService(board_service)
        grammar = Grammar(
            (
                *quiz.COMMANDS,
                *boards.COMMANDS,
                *groups.COMMANDS,
                *daily.COMMANDS,
                *DEMO_COMMANDS,
                TextCommand("help", "help", "this list", no_arguments(ShowHelp)),
            ),
            ParseContext(topics=pack.topics),
            fallback=quiz.topic_fallback,
        )
        app = cls(
            pack=pack,
            db=db,
            clock=clock,
            answers=answers,
            quiz=quiz_service,
            boards=board_service,
            daily=daily_service,
            groups=group_service,
            demos=demos or DemoRunner(now=clock.now),
            dispatcher=Dispatcher(),
            grammar=grammar,
        )
        app._register_handlers()
        return app

    def _register_handlers(self) -> None:
        register = self.dispatcher.register
        q, b, g, d = self.quiz, self.boards, self.groups, self.daily

        async def ask(actor: Actor, r: quiz.AskQuestion) -> Result:
            return await q.ask_question(actor, r.topic)

        async def card(actor: Actor, r: quiz.ShowCard) -> Result:
            return q.card(r.topic)

        async def topics(actor: Actor, r: quiz.ListTopics) -> Result:
            return q.topics()

        async def review(actor: Actor, r: quiz.StartReview) -> Result:
            return await q.review_session(actor, r.topic)

        async def answer(actor: Actor, r: quiz.AnswerQuestion) -> Result:
            return await q.answer(actor, r.post_id, r.choice)

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
            group = await g.create(actor, r.name)
            return Notice(
                f"Created study group {group.name}. Join with /quiz group join {group.name}"
            )

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

        async def show_help(actor: Actor, r: ShowHelp) -> Result:
            return self.grammar.help()

        register(quiz.AskQuestion, ask)
        register(quiz.ShowCard, card)
        register(quiz.ListTopics, topics)
        register(quiz.StartReview, review)
        register(quiz.AnswerQuestion, answer)
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
        register(RunDemo, demo)
        register(ShowHelp, show_help)

    def parse(self, text: str) -> Request | Notice:
        """One line of text as a Request, or the error Notice that says what is wrong."""
        try:
            return self.grammar.parse(text)
        except UserError as exc:
            return Notice(str(exc), error=True)

    async def dispatch(self, actor: Actor, request: Request) -> Result:
        return await self.dispatcher.dispatch(actor, request)

    async def handle_text(self, actor: Actor, text: str) -> Result:
        """Parse once and run: what the console and Slack's slash command do."""
        request = self.parse(text)
        if isinstance(request, Notice):
            return request
        return await self.dispatch(actor, request)

    async def close(self) -> None:
        for scheduler in list(self.daily.schedulers.values()):
            await scheduler.stop()
        await self.answers.close()
        await self.db.close()
