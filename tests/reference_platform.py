"""The reference platform: a chat platform kept in memory that implements only the contract
(adapters/platform.py) and renders every core result type as plain lines. It proves that a new
platform is one folder: requests in (``command``, ``click``, ``type_answer``), results out
(``render``), posts and edits, the host (``serve``) running the rest.

Its channels and private replies are lists of ``Shown`` messages a test reads like a user would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

from adapters.platform import Capabilities, Lifecycle, NoRenderer, ServerPlatform
from adapters.shutdown import GracefulStop
from bot.app import QuizApp
from bot.demos import DemoResult
from bot.features.boards import Leaderboard, UserStats
from bot.features.daily import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.groups import GroupList, GroupMembers, GroupSummary, StudyGroup
from bot.features.live import (
    LivePodium,
    LiveProgress,
    LiveRound,
    LiveScoreboard,
    LiveStarted,
    LockedIn,
    RoundReveal,
)
from bot.features.live.requests import AnswerLiveRound
from bot.features.quiz import (
    AnswerBox,
    AnswerResult,
    CardView,
    FlashcardBack,
    QuestionView,
    ReviewSession,
)
from bot.features.quiz.requests import AnswerQuestion, AnswerTyped, RevealFlashcard
from bot.features.teacher import DashboardLink, FlaggedItems
from bot.kernel.dispatch import Request, Result
from bot.kernel.identity import Actor, ChannelRef
from bot.kernel.results import DONE, Image, Notice, images_of

WORKSPACE = "ref"


@dataclass
class Shown:
    """One message as a user sees it: its lines, its buttons (label -> the request a click
    makes) and its pictures."""

    lines: list[str]
    buttons: dict[str, object] = field(default_factory=dict)
    images: tuple[Image, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _question(
    view: QuestionView, choice_request: Callable[[int, int], Request] = AnswerQuestion
) -> Shown:
    if view.typed:
        return Shown([f"{view.tag} {view.prompt}", "(type your answer)"])
    if view.flashcard:
        flip = {"Show the back": RevealFlashcard(view.post_id)}
        return Shown([f"{view.tag} {view.prompt}", *flip], flip)
    buttons = {c.label: choice_request(view.post_id, c.index) for c in view.shown}
    return Shown([f"{view.tag} {view.prompt}", *buttons], buttons)


@singledispatch
def render(result: Any) -> Shown:
    raise NoRenderer("the reference platform", result)


def _lines(kind: type, lines: Callable[[Any], list[str]]) -> None:
    render.register(kind, lambda r: Shown(lines(r)))


_lines(type(None), lambda r: [DONE])
_lines(Notice, lambda r: [("⚠ " if r.error else "") + r.text, *r.lines])
render.register(QuestionView, _question)


@render.register
def _flashcard_back(back: FlashcardBack) -> Shown:
    grades = {c.label: AnswerQuestion(back.view.post_id, c.index) for c in back.view.shown}
    return Shown([back.back, back.prompt_text, *grades], grades)


_lines(AnswerResult, lambda r: [r.headline, r.typed_text, r.answer_text, r.why_text])
_lines(CardView, lambda r: [r.title, r.card.summary, r.key_idea])
_lines(list, lambda r: [f"{t.id}: {t.title}" for t in r] or ["Nothing here yet."])
_lines(ReviewSession, lambda r: [r.intro_text if r.questions else r.empty_text])
_lines(UserStats, lambda r: [r.headline, r.summary_text, *r.topic_lines])
_lines(
    Leaderboard,
    lambda r: (
        [r.title]
        + [f"{row.rank}. {row.display_name} {r.values_text(row)}" for row in r.rows]
        + ([] if r.rows else [r.empty_text])
    ),
)
_lines(StudyGroup, lambda r: [r.text])
_lines(GroupList, lambda r: [r.title, *(g.name for g in r.groups)] if r.groups else [r.empty_text])
_lines(GroupMembers, lambda r: [r.title, *r.members] if r.members else [r.empty_text])
_lines(GroupSummary, lambda r: [r.title, *(t.text for t in r.per_topic)])
_lines(ScheduleInfo, lambda r: [r.title, *(f"{f.label}: {f.value}" for f in r.facts)])
_lines(
    DailyResults,
    lambda r: [r.title, r.prompt, r.summary_text, r.answer_text, r.why_text],
)
_lines(DemoResult, lambda r: [r.title, r.lesson] if r.ok else [r.error])
_lines(LiveStarted, lambda r: [r.text_for(CAPABILITIES.answer_hint)])
_lines(LiveProgress, lambda r: [r.text])
_lines(LockedIn, lambda r: [r.text])
_lines(
    RoundReveal,
    lambda r: [f"{r.title} closed: {r.summary}", f"Answer: {r.correct_text}", f"Why: {r.why}"],
)
_lines(LiveScoreboard, lambda r: [r.title, *(f"{s.name} {s.score_text}" for s in r.standings)])
_lines(LivePodium, lambda r: [r.title, *(f"{s.name} {s.score_text}" for s in r.standings)])
_lines(FlaggedItems, lambda r: [r.title, r.summary])
_lines(DashboardLink, lambda r: [r.text, r.warning])


@render.register
def _daily(daily: DailyQuestion) -> Shown:
    shown = _question(daily.view)
    return Shown([daily.title, *shown.lines, daily.closes_text], shown.buttons)


@render.register
def _round(live_round: LiveRound) -> Shown:
    shown = _question(live_round.view, AnswerLiveRound)  # the live feature's own request
    return Shown([live_round.title, *shown.lines], shown.buttons)


def show(result: Result) -> Shown:
    shown = render(result)
    shown.lines = [line for line in shown.lines if line]
    shown.images = images_of(result)
    return shown


CAPABILITIES = Capabilities()


class ReferencePlatform(ServerPlatform):
    """One workspace ("ref") of named channels; every user may be made an admin."""

    name = "reference"
    capabilities = CAPABILITIES

    def __init__(self, app: QuizApp) -> None:
        self.app = app
        self.stop_signal = GracefulStop(timeout_s=5)
        self.channels: dict[str, list[Shown]] = {}  # channel -> its posts, by message ref
        self.refs: dict[str, Shown] = {}
        self.private: dict[str, list[Shown]] = {}  # user -> what only they saw
        self.admins: set[str] = set()

    # -- requests in ----------------------------------------------------------------------

    def actor(self, user: str, channel: str = "general") -> Actor:
        return Actor(self.name, user, user, WORKSPACE, channel, is_admin=user in self.admins)

    async def command(self, user: str, text: str, channel: str = "general") -> Shown:
        """A typed command: a question is posted in the channel, anything else private."""
        request = self.app.parse(text)
        actor = self.actor(user, channel)
        result = request if isinstance(request, Notice) else await self.app.dispatch(actor, request)
        if isinstance(result, QuestionView):
            ref = await self.post(actor.channel, result)
            return self.refs[ref]
        return self.reply(user, result)

    async def click(self, user: str, message: Shown, label: str, channel: str = "general") -> Shown:
        result = await self.app.dispatch(self.actor(user, channel), message.buttons[label])
        return self.reply(user, result)

    async def type_answer(self, user: str, post_id: int, text: str) -> Shown:
        result = await self.app.dispatch(self.actor(user), AnswerTyped(post_id, text))
        return self.reply(user, result)

    def reply(self, user: str, result: Result) -> Shown:
        if isinstance(result, AnswerBox):  # a platform with text boxes opens one
            result = Notice(f"Type your answer to Q{result.post_id}.")
        shown = show(result)
        self.private.setdefault(user, []).append(shown)
        return shown

    # -- the contract ---------------------------------------------------------------------

    async def post(self, channel: ChannelRef, result: Result, reply_to: str | None = None) -> str:
        posts = self.channels.setdefault(channel.channel_id, [])
        posts.append(show(result))
        ref = f"{channel.channel_id}:{len(posts)}"
        self.refs[ref] = posts[-1]
        return ref

    async def edit(self, channel: ChannelRef, ref: str, result: Result) -> None:
        # the edited message's pictures replace the old ones, as Discord's attachments do
        edited = show(result)
        self.refs[ref].lines, self.refs[ref].buttons = edited.lines, {}
        self.refs[ref].images = edited.images

    def owns(self, workspace_id: str) -> bool:
        return True

    async def run(self, lifecycle: Lifecycle) -> None:
        lifecycle.ready()
        await self.stop_signal.stopped.wait()
        await self.stop_signal.drain()

    async def close(self) -> None:
        return None
