"""Boards: stats, leaderboards and the workspace time zone they count in."""

from bot.features.boards.results import (
    BoardScope,
    Leaderboard,
    LeaderboardRow,
    Period,
    Sort,
    TopicAccuracy,
    TopicProgress,
    UserStats,
)
from bot.features.boards.service import BoardService, GroupBoard, WorkspaceZones

__all__ = [
    "BoardScope",
    "BoardService",
    "GroupBoard",
    "Leaderboard",
    "LeaderboardRow",
    "Period",
    "Sort",
    "TopicAccuracy",
    "TopicProgress",
    "UserStats",
    "WorkspaceZones",
]
