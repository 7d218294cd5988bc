"""Every platform renders every core result type: a type one platform renders and another does
not fails here (a missing renderer is a bug, never a silent ``str()``)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.console.render import render as console_render
from adapters.discord_bot.render import render_result as discord_render
from adapters.platform import NoRenderer
from adapters.slack_bot.render import render_result as slack_render
from tests.reference_platform import render as reference_render

# each platform's registry of renderers (type -> function)
PLATFORMS: dict[str, Any] = {
    "discord": discord_render,
    "slack": slack_render,
    "console": console_render,
    "reference": reference_render,
}


def core_result_types() -> set[type]:
    """What the core hands adapters: every type some platform renders that comes from the
    core (``bot.``), plus ``None`` (a handler that returns nothing) and ``list`` (the topics)."""
    found: set[type] = {type(None), list}
    for dispatcher in PLATFORMS.values():
        found |= {t for t in dispatcher.registry if t.__module__.startswith("bot.")}
    return found


def test_the_core_has_result_types_to_render():
    names = {t.__name__ for t in core_result_types()}
    assert {"Notice", "QuestionView", "AnswerResult", "CardView", "Leaderboard"} <= names


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_every_platform_renders_every_core_result_type(platform):
    dispatcher = PLATFORMS[platform]
    missing = sorted(
        t.__name__
        for t in core_result_types()
        if dispatcher.dispatch(t) is dispatcher.dispatch(object)
    )
    assert missing == [], f"{platform} has no renderer for {missing}"


class Unknown:
    pass


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_a_type_without_a_renderer_is_an_error_not_text(platform):
    with pytest.raises(NoRenderer):
        PLATFORMS[platform](Unknown())
