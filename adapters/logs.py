"""Logging shared by the runners: secrets never reach a log line, tracebacks included.

Each request is one line from ``quizbot.events`` (bot.kernel.dispatch.log_event): platform,
command, user, latency, outcome.
"""

from __future__ import annotations

import logging

__all__ = ["RedactSecrets", "redact_secrets"]


class RedactSecrets(logging.Filter):
    """Belt and braces: replace any secret that still finds its way into a log line."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self._secrets):
            message = self._redact(message)
        # keep the formatted text: the handler's formatter would format it again (the event
        # log line is one record per request)
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            # tracebacks too: format once here (handlers reuse exc_text) and redact that
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and any(s in record.exc_text for s in self._secrets):
            record.exc_text = self._redact(record.exc_text)
        return True

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def redact_secrets(secrets: tuple[str, ...]) -> None:
    """Install RedactSecrets on every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets(secrets))
