"""The dashboard's HTML: the core's results through Jinja2 templates with autoescaping on, so
every name and text (display names are hostile input) is escaped wherever it appears."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.features.teacher import ItemReport, ItemStats
from bot.features.teacher.results import percent

_ENV = Environment(
    loader=PackageLoader("adapters.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(instant: datetime | None) -> str:
    return "–" if instant is None else f"{instant:%Y-%m-%d %H:%M} UTC"


class Links:
    """The dashboard's URLs under one signed link (every page keeps the token)."""

    def __init__(self, token: str) -> None:
        self.base = f"/d/{quote(token, safe='')}/"

    def question(self, question_id: str) -> str:
        return f"{self.base}q/{quote(question_id, safe='')}"

    def group(self, name: str) -> str:
        return f"{self.base}group/{quote(name, safe='')}"

    def channel(self, channel_id: str) -> str:
        return f"{self.base}channel/{quote(channel_id, safe='')}"


def _page(template: str, links: Links | None, **values: Any) -> str:
    helpers: dict[str, Callable[..., str] | str | None] = {
        "percent": percent,
        "when": _when,
        "home": links.base if links else None,
    }
    if links is not None:
        helpers.update(
            question_url=links.question, group_url=links.group, channel_url=links.channel
        )
    return _ENV.get_template(template).render(**helpers, **values)


def course(links: Links, scope: str, report: ItemReport, groups: Any, channels: Any) -> str:
    topics: dict[str, list[ItemStats]] = {}
    for item in report.items:
        topics.setdefault(item.card_title, []).append(item)
    return _page(
        "course.html",
        links,
        title="Course",
        scope=scope,
        report=report,
        answered=sum(1 for i in report.items if i.attempts),
        flagged=report.flagged,
        topics=list(topics.items()),
        groups=groups,
        channels=channels,
    )


def question(links: Links, scope: str, item: ItemStats) -> str:
    return _page("question.html", links, title=item.prompt, scope=scope, item=item)


def group(links: Links, scope: str, progress: Any) -> str:
    return _page(
        "group.html", links, title=f"Study group {progress.name}", scope=scope, progress=progress
    )


def channel(links: Links, scope: str, channel_id: str, history: Any) -> str:
    return _page(
        "channel.html",
        links,
        title=f"Daily questions in {channel_id}",
        scope=scope,
        history=history,
    )


def refused(
    message: str, links: Links | None = None, scope: str | None = None, title: str = "Link refused"
) -> str:
    return _page("refused.html", links, title=title, scope=scope, message=message)


def home() -> str:
    return _page("home.html", None, title="Teacher's dashboard", scope=None)
