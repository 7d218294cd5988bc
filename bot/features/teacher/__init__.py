"""The teacher's view: item analysis (difficulty, discrimination, distractors, flags), learner
rows, and signed links to the read-only web dashboard."""

from bot.features.teacher.links import DashboardGrant, LinkProblem, LinkRefused
from bot.features.teacher.results import (
    ChannelHistory,
    ChoiceStats,
    DailyChannels,
    DashboardLink,
    Flag,
    FlaggedItems,
    FlagKind,
    GroupProgress,
    ItemReport,
    ItemScope,
    ItemStats,
    LearnerReport,
    LearnerTopic,
)
from bot.features.teacher.service import TeacherService

__all__ = [
    "ChannelHistory",
    "ChoiceStats",
    "DailyChannels",
    "DashboardGrant",
    "DashboardLink",
    "Flag",
    "FlagKind",
    "FlaggedItems",
    "GroupProgress",
    "ItemReport",
    "ItemScope",
    "ItemStats",
    "LearnerReport",
    "LearnerTopic",
    "LinkProblem",
    "LinkRefused",
    "TeacherService",
]
