"""Who acts, where: platform-namespaced identities and the scope keys scores are kept under."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.kernel.text import clean_display_name


class Platform(StrEnum):
    CONSOLE = "console"
    DISCORD = "discord"
    SLACK = "slack"


PLATFORMS = tuple(p.value for p in Platform)


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
        if self.platform not in PLATFORMS:
            raise ValueError(f"unknown platform {self.platform!r}")
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


def topic_scope(workspace_key: str, card_id: str) -> str:
    """The scores scope of a workspace's per-topic board."""
    return f"wt:{workspace_key}:{card_id}"
