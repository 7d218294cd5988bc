"""Study groups: named sets of users in a workspace, with their own leaderboard and summary."""

from bot.features.groups.results import (
    GroupList,
    GroupMembers,
    GroupMisconception,
    GroupSummary,
    StudyGroup,
)
from bot.features.groups.service import GroupService, clean_group_name, group_key

__all__ = [
    "GroupList",
    "GroupMembers",
    "GroupMisconception",
    "GroupService",
    "GroupSummary",
    "StudyGroup",
    "clean_group_name",
    "group_key",
]
