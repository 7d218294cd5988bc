"""What study groups hand back to adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.features.boards import TopicAccuracy


@dataclass(frozen=True)
class StudyGroup:
    name: str
    members: int
    is_member: bool = False  # the requester is in it
    created: bool = False  # just created by this request (adapters say so, names escaped)


@dataclass(frozen=True)
class GroupList:
    groups: tuple[StudyGroup, ...]


@dataclass(frozen=True)
class GroupMembers:
    name: str
    members: tuple[str, ...]  # display names


@dataclass(frozen=True)
class GroupMisconception:
    """The wrong choice a group picks most often, with what to revisit."""

    question_id: str
    card_title: str
    prompt: str
    wrong_choice: str
    correct_choice: str
    why: str
    times: int  # how many wrong answers picked it
    users: int  # by how many members


@dataclass(frozen=True)
class GroupSummary:
    """What a study-group lead needs to see what to revisit."""

    name: str
    members: tuple[str, ...]
    week_since: datetime  # local Monday 00:00 of this week
    answers_this_week: int
    correct_this_week: int
    per_topic: tuple[TopicAccuracy, ...]  # all time, lesson order; topics nobody answered omitted
    misconception: GroupMisconception | None = None
