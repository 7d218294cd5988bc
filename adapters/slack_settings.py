"""The Slack adapter's settings, read through bot.config (environment or .env). Outside
adapters/slack_bot/, whose package loads slack-bolt and aiohttp (most of a second): ``quizbot
slack`` reports a missing or malformed setting before those load.

Tokens are kept out of ``repr`` so a settings object can be logged or shown in a traceback
without leaking them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import ConfigError, require, setting

DEFAULT_PORT = 3000
DEFAULT_HOST = "0.0.0.0"  # HTTP mode: Slack (or your reverse proxy / tunnel) must reach it
EVENTS_PATH = "/slack/events"
SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = field(repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    admins: frozenset[str] = frozenset()  # user ids that are quiz admins besides Slack's own
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    path: str = EVENTS_PATH
    api_url: str = SLACK_API_URL  # the Web API base; GovSlack and tests point elsewhere

    @property
    def mode(self) -> str:
        """ "socket" when an app-level token is set (no public URL needed), else "http"."""
        return "socket" if self.app_token else "http"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.bot_token, self.signing_secret, self.app_token) if s)


def load_settings(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, env_file: str = ".env"
) -> SlackSettings:
    """Settings for ``quizbot slack``; a missing or malformed one raises a one-line
    ConfigError naming it (never showing its value)."""
    bot_token = require("SLACK_BOT_TOKEN", "the Bot User OAuth Token, xoxb-…", env_file)
    if not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN should be a bot token starting with xoxb-")
    app_token = setting("SLACK_APP_TOKEN", env_file)
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN should be an app-level token starting with xapp-")
    signing_secret = setting("SLACK_SIGNING_SECRET", env_file)
    if app_token is None and signing_secret is None:
        signing_secret = require(
            "SLACK_SIGNING_SECRET",
            "HTTP mode; or set SLACK_APP_TOKEN for Socket Mode",
            env_file,
        )
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, not {port}")
    admins = setting("QUIZBOT_SLACK_ADMINS", env_file) or ""
    api_url = setting("SLACK_API_URL", env_file) or SLACK_API_URL
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError("SLACK_API_URL should be an http(s) URL like https://slack.com/api/")
    return SlackSettings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        admins=frozenset(a.strip() for a in admins.split(",") if a.strip()),
        host=host,
        port=port,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
    )
