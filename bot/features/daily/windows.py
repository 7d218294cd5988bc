"""Why an answer to a daily post no longer counts: what the quiz needs from the daily question,
handed to it at construction (the quiz sits below daily and never calls up into it)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.features.daily import store
from bot.features.quiz import PostRow
from bot.kernel.clock import UTC_ZONE, format_local
from bot.kernel.db import Database


class DailyWindows:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def closed_text(self, post: PostRow) -> str:
        """Why an answer to ``post`` no longer counts, in the schedule's zone."""
        closes = datetime.fromisoformat(post.closes_at or "")
        claim = await self.db.read(store.claim_for_post, post.id)
        local = closes.astimezone(ZoneInfo(claim.zone) if claim else UTC_ZONE)
        return f"This daily question closed at {format_local(local)}; answers no longer count."
