"""Who acts, where: platform-namespaced identities and the scope keys scores are kept under."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.kernel.text import clean_display_name


class Platform(StrEnum):
    CONSOLE = "console"
    DISCORD = "discord"
    SLACK = "slack"


PLATFORMS = tuple(p.value for p in Platform)  # the platforms quizbot ships
# a platform's name namespaces its identities: any short slug, so a new platform (one folder in
# adapters/, or the tests' reference platform) needs no change here
PLATFORM_NAME = re.compile(r"[a-z][a-z0-9-]{0,19}")


class _ChannelKeys:
    """The namespaced keys of a (platform, workspace id, channel id)."""

    platform: str
    workspace_id: str
    channel_id: str

    @property
    def workspace_key(self) -> str:
        return f"{self.platform}:{self.workspace_id}"

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.workspace_id}:{self.channel_id}"


@dataclass(frozen=True)
class Actor(_ChannelKeys):
    """Who is acting, where. Ids are the platform's own; keys are namespaced by platform so a
    Discord user and a Slack user never collide."""

    platform: str
    user_id: str
    display_name: str
    workspace_id: str = "local"  # Discord guild id, Slack team id, "local" for the console
    channel_id: str = "terminal"
    is_admin: bool = False

    def __post_init__(self) -> None:
        if not PLATFORM_NAME.fullmatch(self.platform):
            raise ValueError(f"not a platform name: {self.platform!r}")
        # names come from users: stored and replayed on boards, so cleaned once, here
        shown = clean_display_name(self.display_name) or clean_display_name(self.user_id)
        object.__setattr__(self, "display_name", shown or "someone")

    @property
    def user_key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.platform, self.workspace_id, self.channel_id)


@dataclass(frozen=True)
class ChannelRef(_ChannelKeys):
    """A channel, in the platform's own ids (where a post goes)."""

    platform: str
    workspace_id: str
    channel_id: str

    @classmethod
    def of(cls, actor: Actor) -> ChannelRef:
        return cls(actor.platform, actor.workspace_id, actor.channel_id)


# Scores are kept per scope; a scope key names one board's rows.
def workspace_scope(workspace_key: str) -> str:
    return f"ws:{workspace_key}"


def channel_scope(channel_key: str) -> str:
    return f"ch:{channel_key}"


def topic_scope(workspace_key: str, topic_id: str) -> str:
    """The scores scope of a workspace's per-topic board."""
    return f"wt:{workspace_key}:{topic_id}"


def group_scope(group_id: int) -> str:
    """The scores scope of a study group's board: its members' rows in its workspace."""
    return f"gr:{group_id}"


def group_topic_scope(group_id: int, topic_id: str) -> str:
    """The scores scope of a study group's per-topic board."""
    return f"gt:{group_id}:{topic_id}"


def topic_of_scope(scope: str) -> str | None:
    """The content card id of a per-topic scope (workspace or group), else None. Card ids are
    slugs (no ':'), so the card is what follows the last ':'."""
    if scope.startswith(("wt:", "gt:")):
        return scope.rpartition(":")[2]
    return None
