"""The Slack adapter (slack-bolt async): ``/quiz``, Block Kit buttons, ephemeral answers,
App Home; posts and edits (SlackPlatform, the platform contract); served over HTTP (signed
requests) or Socket Mode. ``quizbot slack`` runs it."""

from adapters.slack_bot.adapter import SlackAdapter
from adapters.slack_bot.platform import SlackPlatform
from adapters.slack_bot.runner import HttpRunner, SocketModeRunner, build_runner, run
from adapters.slack_settings import SlackSettings, load_settings

__all__ = [
    "HttpRunner",
    "SlackAdapter",
    "SlackPlatform",
    "SlackSettings",
    "SocketModeRunner",
    "build_runner",
    "load_settings",
    "run",
]
