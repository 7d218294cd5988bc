"""The read-only teacher's dashboard over HTTP (aiohttp). Each page checks the signed link,
builds the teacher feature's requests for the link's workspace (and group), dispatches them
like any adapter and renders the results as HTML. No SQL here; nothing is ever written."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib import resources

from aiohttp import web

from adapters.web import pages
from bot.app import QuizApp
from bot.features.groups import GroupList
from bot.features.groups.requests import ListGroups
from bot.features.teacher import (
    ChannelHistory,
    DailyChannels,
    DashboardGrant,
    GroupProgress,
    ItemReport,
    ItemStats,
    LinkRefused,
)
from bot.features.teacher.requests import (
    AnalyseItems,
    ListDailyChannels,
    ShowChannelHistory,
    ShowGroupProgress,
    ShowItem,
)
from bot.features.teacher.service import group_matches, reader_for
from bot.kernel.dispatch import Request, Result
from bot.kernel.results import Notice

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("quizbot", QuizApp)
# An analysis reads every first answer of the workspace (seconds at a million answers): pages
# opened within FRESH_SECONDS of it reuse it (a teacher clicking from the course into questions
# and back); up to STALE_SECONDS they get it at once while a new one runs in the background
FRESH_SECONDS = 30.0
STALE_SECONDS = 600.0

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none';"
        " form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never send it onwards
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
STYLE = resources.files("adapters.web").joinpath("static", "style.css").read_bytes()


@web.middleware
async def security_headers(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers.update(SECURITY_HEADERS)
    return response


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


class Page:
    """One request's view of the dashboard: the link's grant, its reader and its URLs."""

    def __init__(self, app: QuizApp, token: str, grant: DashboardGrant) -> None:
        self.app = app
        self.grant = grant
        self.actor = reader_for(grant.workspace_key, "web")
        self.links = pages.Links(token)
        self.scope = grant.workspace_key + (f" · group {grant.group}" if grant.group else "")

    async def run(self, request: Request) -> Result:
        return await self.app.dispatch(self.actor, request)

    def problem(self, text: str, status: int = 404) -> web.Response:
        body = pages.refused(text, self.links, self.scope, title="Not available")
        return _html(body, status)


async def _page(request: web.Request) -> Page | web.Response:
    app = request.app[APP_KEY]
    token = request.match_info["token"]
    try:
        grant = await app.teacher.open_link(token)
    except LinkRefused as exc:
        return _html(pages.refused(exc.problem.value), status=403)
    return Page(app, token, grant)


async def course(request: web.Request) -> web.Response:
    page = await _page(request)
    if isinstance(page, web.Response):
        return page
    groups: tuple[object, ...] = ()
    channels: tuple[str, ...] = ()
    if page.grant.group is None:  # a group's link shows that group only
        listed = await page.run(ListGroups())
        groups = listed.groups if isinstance(listed, GroupList) else ()
        daily = await page.run(ListDailyChannels())
        channels = daily.channels if isinstance(daily, DailyChannels) else ()
    else:
        groups = (_OneGroup(page.grant.group),)
    # the analysis last: a stale one is served at once and its refresh starts reading, which
    # on SQLite's one read connection would hold up the two small reads above
    report = await page.run(AnalyseItems(group=page.grant.group))
    if not isinstance(report, ItemReport):
        return page.problem(_text(report), 500)
    return _html(pages.course(page.links, page.scope, report, groups, channels))


class _OneGroup:
    """The group a group's link is for, as the course page lists groups."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.members_text = "this link's group"


async def question(request: web.Request) -> web.Response:
    page = await _page(request)
    if isinstance(page, web.Response):
        return page
    wanted = ShowItem(group=page.grant.group, question_id=request.match_info["question_id"])
    item = await page.run(wanted)
    if not isinstance(item, ItemStats):
        return page.problem(_text(item))
    return _html(pages.question(page.links, page.scope, item))


async def group(request: web.Request) -> web.Response:
    page = await _page(request)
    if isinstance(page, web.Response):
        return page
    name = request.match_info["name"]
    if not group_matches(page.grant.group, name):
        return page.problem(f"This link is for the study group {page.grant.group} only.", 403)
    progress = await page.run(ShowGroupProgress(name))
    if not isinstance(progress, GroupProgress):
        return page.problem(_text(progress))
    return _html(pages.group(page.links, page.scope, progress))


async def channel(request: web.Request) -> web.Response:
    page = await _page(request)
    if isinstance(page, web.Response):
        return page
    if page.grant.group is not None:
        return page.problem(f"This link is for the study group {page.grant.group} only.", 403)
    channel_id = request.match_info["channel"]
    history = await page.run(ShowChannelHistory(channel_id))
    if not isinstance(history, ChannelHistory):
        return page.problem(_text(history))
    return _html(pages.channel(page.links, page.scope, channel_id, history))


def _text(result: Result) -> str:
    return result.text if isinstance(result, Notice) else "That page is not available."


async def home(request: web.Request) -> web.Response:
    return _html(pages.home())


async def style(request: web.Request) -> web.Response:
    return web.Response(body=STYLE, content_type="text/css", charset="utf-8")


def make_web_app(app: QuizApp) -> web.Application:
    """The dashboard's aiohttp application over an open QuizApp (GET only)."""
    app.teacher.recent.fresh_s = FRESH_SECONDS
    app.teacher.recent.stale_s = STALE_SECONDS
    server = web.Application(middlewares=[security_headers])
    server[APP_KEY] = app
    server.router.add_get("/", home)
    server.router.add_get("/static/style.css", style)
    server.router.add_get("/d/{token}/", course)
    server.router.add_get("/d/{token}/q/{question_id}", question)
    server.router.add_get("/d/{token}/group/{name}", group)
    server.router.add_get("/d/{token}/channel/{channel}", channel)
    return server
