"""Fixtures shared by the Slack test modules (loaded for every test by tests/conftest.py).

Each Slack module defines its own ``adapter`` and ``fake``; ``harness`` serves that adapter's
Bolt app and fails the test on any listener error or logged error.
"""

from __future__ import annotations

import logging
import os

import pytest

from tests.fakes.slack_api import BoltHarness

SECRET = "s3cret-signing"
BOT_TOKEN = "xoxb-test-token"


@pytest.fixture(autouse=True)
def _no_slack_env(monkeypatch):
    """No test ever sees the developer's real Slack settings."""
    for name in list(os.environ):
        if name.startswith("SLACK_") or name == "QUIZBOT_SLACK_ADMINS":
            monkeypatch.delenv(name)


@pytest.fixture
async def harness(adapter, fake, caplog):
    caplog.set_level(logging.WARNING)
    async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as h:
        yield h
    assert h.listener_errors == [], [r.getMessage() for r in h.listener_errors]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
