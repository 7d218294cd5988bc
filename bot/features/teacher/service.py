"""The teacher's view: item analysis over a scope, learner rows, a group's and a channel's
page, and signed dashboard links. Admins only; always the actor's own workspace."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.config import setting
from bot.content import Pack
from bot.features.groups import GroupService, group_key
from bot.features.quiz import QuizService
from bot.features.teacher.links import DashboardGrant, sign, verify
from bot.features.teacher.recent import RecentResults
from bot.features.teacher.requests import ScopedRequest
from bot.features.teacher.results import (
    ChannelHistory,
    DailyChannels,
    DailyDay,
    DashboardLink,
    FlaggedItems,
    GroupProgress,
    ItemReport,
    ItemScope,
    ItemStats,
    LearnerReport,
    LearnerTopic,
)
from bot.kernel.clock import Clock
from bot.kernel.db import Database
from bot.kernel.errors import UserError
from bot.kernel.identity import PLATFORMS, Actor

if TYPE_CHECKING:
    from bot.features.teacher import store

# The reports' SQL and analysis (bot.features.teacher.store, .analysis) load with the first
# report, not with every start: each method that reads them imports them.

LINK_HOURS = 24  # how long a dashboard link works
DEFAULT_WEB_URL = "http://127.0.0.1:8080"


def reader_for(workspace_key: str, channel_id: str = "report") -> Actor:
    """Who reads a report or the dashboard: an admin of ``workspace_key`` (``platform:id``,
    e.g. ``slack:T0123``, ``console:local``) that is nobody's chat identity."""
    platform, _, workspace_id = workspace_key.partition(":")
    if platform not in PLATFORMS or not workspace_id:
        raise UserError(
            f"{workspace_key!r} is no workspace: give platform:id, e.g. console:local,"
            " slack:T0123 or discord:1234 (platforms: " + ", ".join(PLATFORMS) + ")"
        )
    return Actor(platform, "teacher-view", "teacher", workspace_id, channel_id, is_admin=True)


class TeacherService:
    def __init__(self, quiz: QuizService, groups: GroupService, db: Database, clock: Clock) -> None:
        self.quiz = quiz
        self.groups = groups
        self.db = db
        self.clock = clock
        # analyses the dashboard reuses (chat and files: none, see RecentResults)
        self.recent: RecentResults[ItemReport] = RecentResults()

    @property
    def pack(self) -> Pack:
        return self.quiz.pack

    async def _filter(self, actor: Actor, r: ScopedRequest) -> store.Filter:
        from bot.features.teacher import store

        group_name = None
        group_id = None
        if r.group:
            found = await self.groups.get(actor, r.group)  # UserError lists close names
            group_id, group_name = found.id, found.name
        topic = self.quiz.resolve_topic(r.topic) if r.topic else None
        if r.since and r.until and r.since > r.until:
            raise UserError(f"The range starts ({r.since}) after it ends ({r.until}).")
        scope = ItemScope(
            workspace_key=actor.workspace_key,
            channel_key=f"{actor.workspace_key}:{r.channel}" if r.channel else None,
            group=group_name,
            since=r.since,
            until=r.until,
            topic=topic,
        )
        topic_ids = None
        if topic is not None:
            topic_ids = tuple(dict.fromkeys(q.topic_id for q in self.pack.questions_for(topic)))
        return store.Filter(scope, group_id, topic_ids)

    async def item_report(self, actor: Actor, r: ScopedRequest) -> ItemReport:
        """Every question of the scope's topic (lesson order) with its figures and flags."""
        where = await self._filter(actor, r)
        pack = self.pack
        return await self.recent.get((id(pack), where), lambda: self._analyse(pack, where))

    async def _analyse(self, pack: Pack, where: store.Filter) -> ItemReport:
        from bot.features.teacher import store
        from bot.features.teacher.analysis import analyse

        await self.quiz.answers.settled()  # first answers trail the click by one writer step
        tallies = await self.db.read(store.item_tallies, where)
        choices, times, typed = defaultdict(list), defaultdict(list), defaultdict(list)
        for t in tallies.choices:
            choices[t.question_id].append(t)
        for t in tallies.times:
            times[t.question_id].append(t)
        for t in tallies.typed:
            typed[t.question_id].append(t)
        items = []
        for question in pack.questions_for(where.scope.topic):
            card = pack.card(question.topic_id)
            title = card.title if card else question.topic_id
            qid = question.id
            items.append(analyse(question, title, choices[qid], times[qid], typed[qid]))
        return ItemReport(where.scope, tallies.learners, tuple(items), as_of=self.clock.now())

    async def flagged(self, actor: Actor, r: ScopedRequest) -> FlaggedItems:
        return FlaggedItems(await self.item_report(actor, r))

    async def item(self, actor: Actor, r: ScopedRequest, question_id: str) -> ItemStats:
        report = await self.item_report(actor, r)
        found = report.item(question_id)
        if found is None:
            raise UserError(f"No question {question_id!r} in this scope.")
        return found

    async def learners(self, actor: Actor, r: ScopedRequest) -> LearnerReport:
        from bot.features.teacher import store

        where = await self._filter(actor, r)
        await self.quiz.answers.settled()  # topic rows trail the click by one writer step
        rows = await self.db.read(store.learner_topics, where)
        order = {c.id: n for n, c in enumerate(self.pack.cards)}
        titles = {c.id: c.title for c in self.pack.cards}
        out = sorted(
            (
                LearnerTopic(
                    row.user_key,
                    row.display_name,
                    row.topic_id,
                    titles.get(row.topic_id, row.topic_id),
                    row.answers,
                    row.correct,
                    row.mastered,
                    datetime.fromisoformat(row.last_seen) if row.last_seen else None,
                )
                for row in rows
            ),
            key=lambda t: (t.display_name.casefold(), t.user_key, order.get(t.topic_id, 1 << 30)),
        )
        return LearnerReport(where.scope, tuple(out))

    async def group_progress(self, actor: Actor, name: str) -> GroupProgress:
        summary = await self.groups.summary(actor, name)
        report = await self.learners(actor, ScopedRequest(group=summary.name))
        return GroupProgress(summary.name, summary.members, report.rows, summary.misconception)

    async def channel_history(self, actor: Actor, channel: str, days: int = 60) -> ChannelHistory:
        from bot.features.teacher import store

        channel_key = f"{actor.workspace_key}:{channel}"
        rows = await self.db.read(store.daily_history, channel_key, days)
        out = []
        for row in rows:
            question = self.pack.question(row.question_id)
            out.append(
                DailyDay(
                    date.fromisoformat(row.local_date),
                    row.question_id,
                    question.prompt if question else row.question_id or "(not posted)",
                    row.answers,
                    row.correct,
                    row.status,
                )
            )
        return ChannelHistory(channel_key, tuple(out))

    async def daily_channels(self, actor: Actor) -> DailyChannels:
        """The platform ids of the workspace's channels that had a daily question."""
        from bot.features.teacher import store

        keys = await self.db.read(store.workspace_channels, actor.workspace_key)
        return DailyChannels(tuple(key.rpartition(":")[2] for key in keys))

    async def _secret(self) -> str:
        from bot.features.teacher import store

        configured = setting("QUIZBOT_WEB_SECRET")
        if configured:
            return configured
        return await self.db.write(
            store.kept_secret, store.WEB_LINK_SECRET, secrets.token_urlsafe(32)
        )

    async def dashboard_link(
        self, actor: Actor, group: str | None = None, hours: int = LINK_HOURS
    ) -> DashboardLink:
        """A link signed for the actor's workspace (and one group), expiring in ``hours``."""
        name = None
        if group:
            name = (await self.groups.get(actor, group)).name
        expires = (self.clock.now() + timedelta(hours=hours)).replace(microsecond=0)
        token = sign(await self._secret(), DashboardGrant(actor.workspace_key, name, expires))
        base = (setting("QUIZBOT_WEB_URL") or DEFAULT_WEB_URL).rstrip("/")
        return DashboardLink(f"{base}/d/{quote(token)}/", expires, name)

    async def open_link(self, token: str) -> DashboardGrant:
        """What a link lets its holder read; LinkRefused when forged or expired."""
        return verify(await self._secret(), token, self.clock.now())


def group_matches(grant_group: str | None, name: str) -> bool:
    """Whether ``name`` is the grant's group (names compare case-insensitively)."""
    return grant_group is None or group_key(grant_group) == group_key(name)
