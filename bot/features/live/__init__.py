"""Quiz night: live timed rounds in a channel, a reveal after each, a podium at the end."""

from bot.features.live.results import (
    EndReason,
    FastestAnswer,
    LivePodium,
    LiveProgress,
    LiveRound,
    LiveScoreboard,
    LiveStarted,
    LockedIn,
    MissedQuestion,
    RoundReveal,
    Standing,
)
from bot.features.live.runner import LivePoster, LiveRunner
from bot.features.live.service import LiveLimits, LiveService

__all__ = [
    "EndReason",
    "FastestAnswer",
    "LiveLimits",
    "LivePodium",
    "LivePoster",
    "LiveProgress",
    "LiveRound",
    "LiveRunner",
    "LiveScoreboard",
    "LiveService",
    "LiveStarted",
    "LockedIn",
    "MissedQuestion",
    "RoundReveal",
    "Standing",
]
