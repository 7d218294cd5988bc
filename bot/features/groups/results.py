"""What study groups hand back to adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.features.boards import TopicAccuracy
from bot.kernel.clock import format_local
from bot.kernel.results import Fact, Image
from bot.kernel.text import count_of
from bot.pictures.specs import Bar, BarChart


@dataclass(frozen=True)
class StudyGroup:
    name: str
    members: int
    is_member: bool = False  # the requester is in it
    created: bool = False  # just created by this request

    @property
    def text(self) -> str:
        """The reply to a create, join or leave, with the name as typed."""
        return self.text_for(self.name)

    def text_for(self, name: str) -> str:
        """The same reply with ``name`` as a platform shows it (escaped its own way)."""
        if self.created:
            return f"Created study group {name}. Join with /quiz group join {name}"
        you = " · you are in it" if self.is_member else ""
        return f"Study group {name}: {count_of(self.members, 'member')}{you}"

    @property
    def members_text(self) -> str:
        """What follows the group's name in a list: "3 members ✓ you"."""
        return count_of(self.members, "member") + (" ✓ you" if self.is_member else "")


@dataclass(frozen=True)
class GroupList:
    groups: tuple[StudyGroup, ...]

    title = "Study groups"
    empty_text = "No study groups yet; an admin can /quiz group create <name>."
    hint = "/quiz group join <name> · /quiz leaderboard group <name>"


@dataclass(frozen=True)
class GroupMembers:
    name: str
    members: tuple[str, ...]  # display names

    @property
    def title(self) -> str:
        return f"{self.name}: {count_of(len(self.members), 'member')}"

    @property
    def empty_text(self) -> str:
        return f"{self.name} has no members yet: /quiz group join {self.name}"


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

    title = "Most-picked misconception — revisit this"

    @property
    def lines(self) -> tuple[str, ...]:
        """The question, the wrong choice (by text: each post showed its own letters), the
        right one and the Why."""
        return (
            f"{self.prompt} ({self.card_title})",
            f"✗ picked {self.times}× by {count_of(self.users, 'member')}: {self.wrong_choice}",
            f"✓ {self.correct_choice}",
            f"Why: {self.why}",
        )


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
    images: tuple[Image, ...] = ()

    @property
    def picture(self) -> BarChart | None:
        """The group's accuracy per topic as bars, its most-picked wrong choice under them."""
        if not self.per_topic:
            return None
        note = ""
        if self.misconception is not None:
            m = self.misconception
            members = count_of(m.users, "member")
            note = f"Most-picked wrong choice ({m.times}×, {members}): {m.wrong_choice}"
        return BarChart(
            f"{self.title}: accuracy per topic (all time)",
            tuple(
                Bar(t.topic, t.accuracy * 100, f"{t.correct}/{t.answered} ({t.accuracy:.0%})")
                for t in self.per_topic
            ),
            "group-summary.png",
            note=note,
            top=100.0,
        )

    no_misconception_text = "No wrong answers yet — nothing to revisit."
    per_topic_title = "Accuracy per topic (all time)"

    @property
    def title(self) -> str:
        return f"Study group {self.name}"

    @property
    def members_fact(self) -> Fact:
        return Fact(f"Members ({len(self.members)})", ", ".join(self.members) or "none yet")

    @property
    def week_fact(self) -> Fact:
        week = str(self.answers_this_week)
        if self.answers_this_week:
            week += f" ({self.correct_this_week / self.answers_this_week:.0%} right)"
        return Fact(f"Answers this week (since {format_local(self.week_since)})", week)
