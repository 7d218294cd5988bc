"""The ``/quiz`` slash commands: structured options in, one Request each (never text to be
parsed again), dispatched, rendered replies out."""

from __future__ import annotations

import dataclasses
import zoneinfo
from functools import cache
from typing import Literal, Protocol

import discord
from discord import app_commands

from adapters.discord_bot.identity import actor_for
from bot.app import QuizApp, ReloadContent
from bot.demos.requests import RunDemo
from bot.features.boards.requests import SetTimezone, ShowLeaderboard, ShowStats, ShowTimezone
from bot.features.boards.results import PERIOD_WORDS, SCOPE_WORDS, BoardScope, Sort
from bot.features.daily import EVERY_DAY
from bot.features.daily.calendar import parse_weekdays
from bot.features.daily.requests import (
    PostDailyNow,
    SetDailySchedule,
    ShowDailySchedule,
    StopDailySchedule,
)
from bot.features.groups.requests import (
    CreateGroup,
    JoinGroup,
    LeaveGroup,
    ListGroups,
    ShowGroupMembers,
    ShowGroupSummary,
)
from bot.features.live.requests import ShowLive, StartLive, StopLive
from bot.features.quiz import CardPart
from bot.features.quiz.requests import AskQuestion, ListTopics, ShowCard, StartReview
from bot.features.teacher.requests import OpenDashboard, ShowFlaggedItems
from bot.kernel.dispatch import Request, Result
from bot.kernel.errors import UserError
from bot.kernel.identity import ChannelRef
from bot.kernel.results import Notice


class CommandHost(Protocol):
    """What the commands need of the client (QuizBot): the app, dispatching and replying.
    A protocol, so this module never imports the client that imports it."""

    app: QuizApp

    async def run(self, interaction: discord.Interaction, request: Request) -> Result: ...

    async def respond(
        self, interaction: discord.Interaction, reply: Result, *, ephemeral: bool = False
    ) -> None: ...

    async def reply_in_time(
        self, interaction: discord.Interaction, request: Request, *, ephemeral: bool = False
    ) -> None: ...


Choices = list[app_commands.Choice[str]]
MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
DAY_SUGGESTIONS = ("mon-fri", "mon-sun", "mon,wed,fri", "tue,thu", "sat,sun")


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def _matching(values: list[tuple[str, str]], current: str) -> Choices:
    """(name, value) pairs whose name or value contains what the user typed so far."""
    typed = current.strip().lower()
    return [
        app_commands.Choice(name=name[:100], value=value[:100])
        for name, value in values
        if typed in name.lower() or typed in value.lower()
    ][:MAX_CHOICES]


class QuizCommands(app_commands.Group):
    """/quiz ... — one group, so the bot adds a single entry to a server's command list."""

    daily = app_commands.Group(name="daily", description="The daily question in this channel")
    group = app_commands.Group(name="group", description="Study groups with their own leaderboard")
    live = app_commands.Group(name="live", description="Quiz night: timed rounds for everyone here")

    def __init__(self, bot: CommandHost) -> None:
        super().__init__(name="quiz", description="Study-group quiz: questions, cards and scores")
        self.bot = bot

    # -- autocomplete -----------------------------------------------------------------------

    async def _topic_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        pack = self.bot.app.pack
        values = [(f"{c.title} ({c.id})", c.id) for c in pack.cards]
        values += [(f"all of {t} (track)", t) for t in pack.tracks]
        return _matching(values, current)

    async def _card_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        return _matching([(c.title, c.id) for c in self.bot.app.pack.cards], current)

    async def _demo_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        demos = self.bot.app.demos.describe()
        return _matching([(f"{name} — {about}", name) for name, about in demos], current)

    async def _zone_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        return _matching([(z, z) for z in _zones()], current)

    async def _day_choices(self, interaction: discord.Interaction, current: str) -> Choices:
        return _matching([(d, d) for d in DAY_SUGGESTIONS], current)

    # -- questions and cards ----------------------------------------------------------------

    @app_commands.command(name="question", description="Post a multiple-choice question here")
    @app_commands.describe(topic="A card or a track; leave empty for any topic")
    async def question(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        reply = await self.bot.run(interaction, AskQuestion(topic or None))
        await self.bot.respond(interaction, reply)

    question.autocomplete("topic")(_topic_choices)

    @app_commands.command(name="card", description="The short concept card, or one part of it")
    @app_commands.describe(
        topic="Which card", part="One part of the card (default: the short card)"
    )
    @app_commands.choices(part=[app_commands.Choice(name=p.value, value=p.value) for p in CardPart])
    async def card(
        self,
        interaction: discord.Interaction,
        topic: str,
        part: app_commands.Choice[str] | None = None,
    ) -> None:
        # the card's diagram may still be drawing: deferred when slow (the 3-second deadline)
        request = ShowCard(topic, CardPart(part.value) if part else CardPart.SHORT)
        await self.bot.reply_in_time(interaction, request)

    card.autocomplete("topic")(_card_choices)

    @app_commands.command(name="topics", description="What there is to learn")
    async def topics(self, interaction: discord.Interaction) -> None:
        await self.bot.respond(interaction, await self.bot.run(interaction, ListTopics()))

    @app_commands.command(name="demo", description="Run a small live experiment on the bot's host")
    @app_commands.describe(name="Which demo")
    async def demo(self, interaction: discord.Interaction, name: str) -> None:
        # a demo takes seconds: acknowledge now so the 3-second deadline is never missed
        await interaction.response.defer(thinking=True)
        reply = await self.bot.run(interaction, RunDemo(name))
        await self.bot.respond(interaction, reply)

    demo.autocomplete("name")(_demo_choices)

    @app_commands.command(name="review", description="A private run through your due questions")
    @app_commands.describe(topic="Only this card or track")
    async def review(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        reply = await self.bot.run(interaction, StartReview(topic or None))
        await self.bot.respond(interaction, reply, ephemeral=True)

    review.autocomplete("topic")(_topic_choices)

    # -- scores -----------------------------------------------------------------------------

    @app_commands.command(name="stats", description="Points, accuracy and streak")
    @app_commands.describe(user="Someone else's stats (default: yours)")
    async def stats(
        self, interaction: discord.Interaction, user: discord.User | None = None
    ) -> None:
        actor = actor_for(interaction)
        key = dataclasses.replace(actor, user_id=str(user.id)).user_key if user else None
        # with a progress chart that may still be drawing: deferred when slow
        await self.bot.reply_in_time(interaction, ShowStats(key), ephemeral=True)

    @app_commands.command(name="leaderboard", description="Who leads")
    @app_commands.describe(
        scope="This channel, this server, or a study group (default: server)",
        period="All time or this week (default: all)",
        group="The study group, for scope group",
        topic="Only this card or track",
        sort="Rank by (default: points)",
    )
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        scope: Literal["channel", "server", "group"] = "server",
        period: Literal["all", "week"] = "all",
        group: str | None = None,
        topic: str | None = None,
        sort: Literal["points", "accuracy", "streak", "mastered"] | None = None,
    ) -> None:
        if scope == "group" and not group:
            notice = Notice("Which study group? Fill in the group option.", error=True)
            await self.bot.respond(interaction, notice)
            return
        # naming a group implies scope group
        request = ShowLeaderboard(
            BoardScope.GROUP if scope == "group" else SCOPE_WORDS[scope],
            PERIOD_WORDS[period],
            Sort(sort or Sort.POINTS),
            topic or None,
            group or None,
        )
        reply = await self.bot.run(interaction, request)
        await self.bot.respond(interaction, reply)

    leaderboard.autocomplete("topic")(_card_choices)  # topic boards are per card

    @app_commands.command(name="timezone", description="Show or (admins) set this server's zone")
    @app_commands.describe(zone="An IANA zone such as Europe/Berlin")
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        reply = await self.bot.run(interaction, SetTimezone(zone) if zone else ShowTimezone())
        await self.bot.respond(interaction, reply, ephemeral=True)

    timezone.autocomplete("zone")(_zone_choices)

    @app_commands.command(name="reload", description="Load the content again (Manage Server)")
    async def reload(self, interaction: discord.Interaction) -> None:
        # loading the pack may take a moment: acknowledge first (3-second deadline)
        await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self.bot.run(interaction, ReloadContent())
        await self.bot.respond(interaction, reply, ephemeral=True)

    @app_commands.command(name="help", description="What the bot can do")
    async def help(self, interaction: discord.Interaction) -> None:
        lines = []
        for command in self.walk_commands():
            if isinstance(command, app_commands.Command):
                params = " ".join(
                    f"<{p.name}>" if p.required else f"[{p.name}]" for p in command.parameters
                )
                usage = f"/{command.qualified_name} {params}".rstrip()
                lines.append(f"`{usage}` — {command.description}")
        notice = Notice(
            "Answer a question with its buttons; only you see your result.", lines=tuple(lines)
        )
        await self.bot.respond(interaction, notice, ephemeral=True)

    # -- the live quiz (quiz night) ----------------------------------------------------------

    @live.command(name="start", description="Start timed rounds in this channel")
    @app_commands.describe(
        topic="A card or a track; leave empty for the whole course",
        rounds="How many rounds (1-30, default 10)",
        seconds="Seconds per round (5-120, default 20)",
    )
    async def live_start(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        rounds: int | None = None,
        seconds: int | None = None,
    ) -> None:
        reply = await self.bot.run(interaction, StartLive(topic or None, rounds, seconds))
        await self.bot.respond(interaction, reply)

    live_start.autocomplete("topic")(_topic_choices)

    @live.command(name="stop", description="End this channel's live quiz (its starter or an admin)")
    async def live_stop(self, interaction: discord.Interaction) -> None:
        await self.bot.respond(interaction, await self.bot.run(interaction, StopLive()))

    @live.command(name="status", description="How this channel's live quiz stands")
    async def live_status(self, interaction: discord.Interaction) -> None:
        reply = await self.bot.run(interaction, ShowLive())
        await self.bot.respond(interaction, reply, ephemeral=True)

    # -- daily question (admins change it) --------------------------------------------------
    # Discord only honours default_member_permissions on top-level commands, so a
    # default_permissions(manage_guild=True) on this subgroup would be silently dropped; the
    # dispatcher's check (interaction.permissions -> Actor.is_admin) is what enforces it.

    @daily.command(name="set", description="Post a question here every day (Manage Server)")
    @app_commands.describe(
        time="Local time, HH:MM (24h)",
        zone="IANA time zone such as Europe/Berlin",
        days="Weekdays, e.g. mon-fri (default: every day)",
        topic="Only this card or track (default: all topics)",
        window="Answers close this many hours after the post (default: at the next post)",
        channel="Where to post (default: this channel)",
    )
    async def daily_set(
        self,
        interaction: discord.Interaction,
        time: str,
        zone: str,
        days: str | None = None,
        topic: str | None = None,
        window: app_commands.Range[int, 1, 168] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        problem = ""  # told only after the dispatcher's admin check
        try:
            weekdays = parse_weekdays(days) if days and days.strip() else EVERY_DAY
        except UserError as exc:
            weekdays, problem = EVERY_DAY, str(exc)
        request = SetDailySchedule(
            time,
            zone,
            weekdays,
            topic or None,
            window,
            channel=_channel(interaction, channel),
            problem=problem,
        )
        reply = await self.bot.run(interaction, request)
        await self.bot.respond(interaction, reply, ephemeral=True)

    daily_set.autocomplete("zone")(_zone_choices)
    daily_set.autocomplete("days")(_day_choices)
    daily_set.autocomplete("topic")(_topic_choices)

    @daily.command(name="show", description="When and where the daily question is posted")
    @app_commands.describe(channel="Which channel's daily question (default: this channel)")
    async def daily_show(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        reply = await self.bot.run(interaction, ShowDailySchedule(_channel(interaction, channel)))
        await self.bot.respond(interaction, reply, ephemeral=True)

    @daily.command(name="off", description="Stop the daily question (Manage Server)")
    @app_commands.describe(channel="Which channel's daily question (default: this channel)")
    async def daily_off(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        reply = await self.bot.run(interaction, StopDailySchedule(_channel(interaction, channel)))
        await self.bot.respond(interaction, reply, ephemeral=True)

    @daily.command(name="now", description="Post today's daily question now (Manage Server)")
    @app_commands.describe(channel="Which channel's daily question (default: this channel)")
    async def daily_now(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        # posting goes through Discord's REST API: acknowledge first (3-second deadline)
        await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self.bot.run(interaction, PostDailyNow(_channel(interaction, channel)))
        await self.bot.respond(interaction, reply, ephemeral=True)

    # -- the teacher's view (admins; the dispatcher refuses others) -------------------------

    @app_commands.command(name="items", description="Flagged questions, worst first (admins)")
    @app_commands.describe(topic="A card or a track; leave empty for all")
    async def items(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        reply = await self.bot.run(interaction, ShowFlaggedItems(topic=topic or None))
        await self.bot.respond(interaction, reply, ephemeral=True)

    items.autocomplete("topic")(_topic_choices)

    @app_commands.command(name="dashboard", description="A private link to the web dashboard")
    @app_commands.describe(group="Only this study group (default: the whole server)")
    async def dashboard(self, interaction: discord.Interaction, group: str | None = None) -> None:
        reply = await self.bot.run(interaction, OpenDashboard(group or None))
        await self.bot.respond(interaction, reply, ephemeral=True)

    # -- study groups -----------------------------------------------------------------------

    async def _group(self, interaction: discord.Interaction, request: Request) -> None:
        # a group's summary has a chart that may still be drawing: deferred when slow
        await self.bot.reply_in_time(interaction, request, ephemeral=True)

    @group.command(name="create", description="Start a study group")
    @app_commands.describe(name="The group's name")
    async def group_create(self, interaction: discord.Interaction, name: str) -> None:
        await self._group(interaction, CreateGroup(name))

    @group.command(name="join", description="Join a study group")
    @app_commands.describe(name="The group's name")
    async def group_join(self, interaction: discord.Interaction, name: str) -> None:
        await self._group(interaction, JoinGroup(name))

    @group.command(name="leave", description="Leave a study group")
    @app_commands.describe(name="The group's name")
    async def group_leave(self, interaction: discord.Interaction, name: str) -> None:
        await self._group(interaction, LeaveGroup(name))

    @group.command(name="list", description="The study groups here")
    async def group_list(self, interaction: discord.Interaction) -> None:
        await self._group(interaction, ListGroups())

    @group.command(name="members", description="Who is in a study group")
    @app_commands.describe(name="The group's name")
    async def group_members(self, interaction: discord.Interaction, name: str) -> None:
        await self._group(interaction, ShowGroupMembers(name))

    @group.command(name="summary", description="What a study group should revisit")
    @app_commands.describe(name="The group's name")
    async def group_summary(self, interaction: discord.Interaction, name: str) -> None:
        await self._group(interaction, ShowGroupSummary(name))


def _channel(
    interaction: discord.Interaction, channel: discord.abc.GuildChannel | None
) -> ChannelRef | None:
    """Another channel's schedule, when the admin named one."""
    if channel is None:
        return None
    return dataclasses.replace(actor_for(interaction).channel, channel_id=str(channel.id))
