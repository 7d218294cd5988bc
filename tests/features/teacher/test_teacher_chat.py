"""``/quiz items`` and ``/quiz dashboard`` in chat: the core's replies rendered by the console,
Slack and Discord renderers (private on every platform, the figures and reasons shown)."""

from __future__ import annotations

import pytest

from adapters.discord_bot.render import render as discord_render
from adapters.slack_bot.render import render as slack_render
from bot.app import QuizApp
from bot.features.teacher import DashboardLink, FlaggedItems
from tests.features.teacher.test_item_analysis import ADMIN, A, B, C, answer_all, learner
from tests.platforms.console.test_render_console import shown
from tests.platforms.discord.test_render_discord import text_of
from tests.platforms.slack.test_slack_adapter import block_text
from tests.teacher_content import teacher_content


@pytest.fixture
async def flagged(tmp_path, clock) -> FlaggedItems:
    app = await QuizApp.open(tmp_path / "q.db", teacher_content(tmp_path / "content"), clock=clock)
    try:
        await answer_all(app, clock, "lab-one", {n: A if n < 7 else B for n in range(10)})
        await answer_all(app, clock, "lab-two", {n: A if n < 3 else B for n in range(10)})
        three = {n: B if n < 3 else C if n < 7 else A for n in range(10)}
        await answer_all(app, clock, "lab-three", three)
        reply = await app.handle_text(ADMIN, "/quiz items")
        assert isinstance(reply, FlaggedItems)
        return reply
    finally:
        await app.close()


def test_console_lists_flagged_questions_with_figures_and_reasons(flagged):
    text = shown(flagged, width=200)
    assert "flagged questions, worst first" in text
    sky = text.index("Which colour is the sky")
    assert sky < text.index("Which is the first letter?")  # the wrong key comes first
    assert "10 attempts · 30% right · discrimination -0.43" in text
    assert "check the key: the strongest learners get it right less often" in text
    assert "A ✓ blue — 30% (upper 0%, lower 43%)" in text


def test_slack_reply_is_ephemeral_and_escaped(flagged):
    [message] = slack_render(flagged)
    assert not message.public
    text = block_text(message.blocks)
    assert "*Which colour is the sky on a clear day?* (Item lab)" in text
    assert "• ⚑ check the key: the strongest learners" in text
    assert "• B ✗ green — 30% (upper 100%, lower 0%)" in text


def test_discord_reply_is_private(flagged):
    [message] = discord_render(flagged)
    assert message.ephemeral
    text = text_of([message])
    assert "Which colour is the sky on a clear day? (Item lab)" in text
    assert "⚑ check the key" in text and "discrimination -0.43" in text


async def test_dashboard_link_is_private_signed_and_for_admins_only(app, monkeypatch):
    monkeypatch.setenv("QUIZBOT_WEB_URL", "https://quiz.example.org/")
    link = await app.handle_text(ADMIN, "/quiz dashboard")
    assert isinstance(link, DashboardLink)
    assert link.url.startswith("https://quiz.example.org/d/") and link.url.endswith("/")
    grant = await app.teacher.open_link(link.url.split("/d/")[1].rstrip("/"))
    assert grant.workspace_key == "console:local" and grant.group is None
    assert (grant.expires - app.clock.now()).total_seconds() == pytest.approx(24 * 3600, abs=1)
    [slack] = slack_render(link)
    assert not slack.public and f"<{link.url}|open the dashboard>" in block_text(slack.blocks)
    [discord] = discord_render(link)
    assert discord.ephemeral and f"]({link.url})" in text_of([discord])
    assert link.url in shown(link, width=300)
    refused = await app.handle_text(learner(1), "/quiz dashboard")
    assert refused.error and "Only admins" in refused.text
