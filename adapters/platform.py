"""The platform contract: what a chat platform implements, and the one host that runs any of them.

A platform (one folder in adapters/) does only what is its own:

- **who the actor is**: it builds ``bot.kernel.identity.Actor`` from its payloads (ids
  namespaced by its ``name``; admin rights looked up when the request ``wants_admin_rights``,
  and the dispatcher refuses non-admins a ``needs_admin`` request);
- **requests in**: it turns commands and clicks into the core's requests (a platform's own
  options, or text through ``app.parse``) and dispatches them (``app.dispatch``);
- **results out**: it renders every core result type (its ``render``; no silent ``str()``),
  replies privately or publicly, defers when the core is slow, and delivers the pictures a
  result carries (``bot.kernel.results.images_of``) natively;
- **posts**: ``post`` a result to a channel (optionally following up an earlier post), ``edit``
  a post in place; the host turns these into the daily scheduler's and the live runner's
  posters;
- **what it lacks**: ``capabilities`` (the console has no buttons and no private replies), said
  in its own wording.

Everything every platform shares is the host's, ``serve(app, platform)``: the stop signals
(SIGTERM/SIGINT: stop taking work, drain, close; a second one exits at once), SIGHUP reloading
the content, the daily scheduler and the live runner (started once users can reach the
platform, stopped before it closes its connections), and the start and stop log lines.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from adapters.shutdown import GracefulStop
from bot.features.daily import DailyQuestion, DailyResults, DailyScheduler
from bot.features.live import LivePodium, LiveRound, LiveRunner, LiveScoreboard, RoundReveal
from bot.kernel.dispatch import Result
from bot.kernel.identity import ChannelRef

if TYPE_CHECKING:
    from bot.app import ContentReload, QuizApp

log = logging.getLogger("quizbot")


class NoRenderer(TypeError):
    """A core result type a platform has no renderer for: a bug, found by
    tests/platforms/test_renderers.py, never shown to a user as ``str()`` (the adapter logs it
    and says sorry)."""

    def __init__(self, platform: str, result: object) -> None:
        super().__init__(f"{platform} has no renderer for {type(result).__name__}")


@dataclass(frozen=True)
class Capabilities:
    """What a platform can show. A platform without one says so in its own words (the console:
    "answer with a letter or number", not "answer with the buttons")."""

    buttons: bool = True  # clickable choices; without them users type the letter
    edits: bool = True  # a post changes in place (a live round becomes its reveal)
    private_replies: bool = True  # replies only the asker sees (results, errors)
    pictures_inline: bool = True  # pictures shown in the chat; else saved and named

    @property
    def answer_hint(self) -> str:
        """How a user answers a question posted here."""
        return "Answer with the buttons" if self.buttons else "Answer with a letter or number"


class Lifecycle(Protocol):
    """What the host hands a platform's ``run``."""

    def ready(self) -> None:
        """Users can reach the platform now: the scheduler and the live runner start."""

    async def wind_down(self) -> None:
        """The accepted work is drained: stop the scheduler and the live runner (a post in
        progress finishes) before the platform closes its connections. Idempotent."""


class Platform(Protocol):
    """One chat platform, as the host runs it (see the module docstring)."""

    name: str  # the identity namespace: bot.kernel.identity.Actor.platform
    capabilities: Capabilities
    stop_signal: GracefulStop  # what is in flight; its listeners refuse work once stopped

    async def post(self, channel: ChannelRef, result: Result, reply_to: str | None = None) -> str:
        """Post ``result`` publicly in ``channel``; returns the platform's message reference.
        ``reply_to``: the reference of an earlier post this one follows up (a reply, a thread).
        Raising means the platform refused (the core records it and does not retry)."""
        ...

    async def edit(self, channel: ChannelRef, ref: str, result: Result) -> None:
        """Replace the post ``ref`` with ``result`` (only with ``capabilities.edits``)."""
        ...

    def owns(self, workspace_id: str) -> bool:
        """Whether this process posts for ``workspace_id`` (Discord: its shards' guilds)."""
        ...

    async def run(self, lifecycle: Lifecycle) -> None:
        """Take users' requests until ``stop_signal`` is set and the accepted work is drained
        (``lifecycle.ready()`` once users can reach it, ``await lifecycle.wind_down()`` before
        closing the connections the posts need)."""
        ...

    async def close(self) -> None:
        """Close what the platform opened itself (after ``run``, also after a failed run)."""
        ...

    def signal_handlers(self) -> Mapping[signal.Signals, Callable[[int], object]]:
        """Platform-specific SIGTERM/SIGINT handlers (the console's Ctrl-C); default: none."""
        ...

    def report_reload(self, outcome: ContentReload) -> None:
        """What a SIGHUP reload did, where the operator sees it (a log, or the terminal)."""
        ...

    @property
    def exit_status(self) -> int:
        """The process's exit status once ``run`` has ended (the console: 130 after Ctrl-C)."""
        ...


class ServerPlatform:
    """The contract's defaults for a platform that is a server with no terminal of its own:
    the host's own SIGTERM/SIGINT handling, reloads reported in the log, exit status 0."""

    def signal_handlers(self) -> Mapping[signal.Signals, Callable[[int], object]]:
        return {}

    def report_reload(self, outcome: ContentReload) -> None:
        log_reload(outcome)

    @property
    def exit_status(self) -> int:
        return 0


class ChannelPoster:
    """The daily scheduler's and the live runner's poster, from a platform's post and edit."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def post_question(self, channel: ChannelRef, question: DailyQuestion) -> str:
        return await self.platform.post(channel, question)

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str:
        return await self.platform.post(channel, results, reply_to=results.question_ref)

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        return await self.platform.post(channel, live_round)

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        """Called twice when the reveal's chart is drawn after it: the second edit adds the
        chart (Slack shares it into the round's thread); without edits the reveal is posted
        again with it (the console prints it again, as its own edit does)."""
        if self.platform.capabilities.edits:
            await self.platform.edit(channel, ref, reveal)
        else:
            await self.platform.post(channel, reveal, reply_to=ref)

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str:
        return await self.platform.post(channel, standings)


class Background:
    """The scheduler and the live runner of one platform: created and started once users can
    reach it (``ready``; again after a reconnect is a no-op), stopped by ``wind_down``."""

    def __init__(self, app: QuizApp, platform: Platform) -> None:
        self.app = app
        self.poster = ChannelPoster(platform)
        self.platform = platform
        self.scheduler: DailyScheduler | None = None
        self.live: LiveRunner | None = None
        self.wound_down = False

    def ready(self) -> None:
        # a READY the platform handles late (a loaded host) may come after the stop began:
        # started then, the scheduler's first pass would find the database closed
        if self.wound_down or not self.platform.stop_signal.accepting:
            return
        name = self.platform.name
        if self.scheduler is None:
            owns = self.platform.owns
            self.scheduler = DailyScheduler(self.app.daily, name, self.poster, owns=owns)
        if self.live is None:
            self.live = LiveRunner(self.app.live, name, self.poster)
        self.scheduler.start()
        self.live.start()  # carries on the sessions a stopped process handed back

    async def wind_down(self) -> None:
        self.wound_down = True
        live, self.live = self.live, None
        if live is not None:
            await live.stop()
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            await scheduler.stop()


async def serve(app: QuizApp, platform: Platform) -> int:
    """Run ``platform`` for ``app`` until it is stopped; close both. Returns the exit status."""
    background = Background(app, platform)
    stop_reloading = app.reload_on_sighup(platform.report_reload)
    log.info("quizbot is starting on %s", platform.name)
    app.pictures.start()  # the drawing worker warms up while the platform connects
    # the handlers stay through the close: a second signal there exits at once
    with platform.stop_signal.install_signals(platform.signal_handlers()):
        try:
            await platform.run(background)
        finally:
            try:
                await background.wind_down()
                stop_reloading()
                await platform.close()
            finally:
                await app.close()  # the answers still queued are stored, the database closed
    if platform.stop_signal.signal_name:
        log.info("quizbot stopped (%s)", platform.stop_signal.signal_name)
    return platform.exit_status


def log_reload(outcome: ContentReload) -> None:
    """A SIGHUP reload's outcome, in the log (platforms with no terminal of their own)."""
    if outcome.ok:
        log.info("SIGHUP: %s", outcome.notice().text)
    else:
        log.error("SIGHUP: %s\n%s", outcome.notice().text, "\n".join(outcome.problems))
