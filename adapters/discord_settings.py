"""What ``quizbot discord`` checks before discord.py loads (most of a second of imports, so a
missing token or a mistyped option is reported at once): the token, and the shard options.
Outside adapters/discord_bot/, whose package loads discord.py.

Sharding: which process posts for which server.

Discord routes a guild to shard ``(guild_id >> 22) % shard_count``; a process running shards
``ids`` of ``count`` owns exactly the guilds that land on one of its shards. Processes with
disjoint shard ids that together cover ``0 … count-1`` own every guild exactly once, so their
daily schedulers on one database never double-post and never skip.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import ConfigError, require

TOKEN = "DISCORD_TOKEN"


def bot_token() -> str:
    """DISCORD_TOKEN (environment or .env); a one-line ConfigError naming it when missing."""
    return require(TOKEN, "the bot token from the Discord Developer Portal")


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord delivers ``guild_id``'s events to."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardSet:
    count: int  # shards in the whole deployment
    ids: frozenset[int]  # the shards this process runs

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"the shard count must be at least 1, not {self.count}")
        outside = sorted(i for i in self.ids if not 0 <= i < self.count)
        if outside or not self.ids:
            raise ValueError(
                f"shard ids must be between 0 and {self.count - 1}"
                + (f"; got {', '.join(map(str, outside))}" if outside else "")
            )

    @classmethod
    def parse(cls, count: int, ids: str) -> ShardSet:
        """``--shards 4 --shard-ids 0,2``; ValueError with a one-line reason."""
        try:
            parsed = frozenset(int(part) for part in ids.split(","))
        except ValueError:
            raise ValueError(
                f"shard ids are comma-separated numbers, like 0,1; got {ids!r}"
            ) from None
        return cls(count, parsed)

    def owns(self, workspace_id: str) -> bool:
        """True when this process's shards receive the guild ``workspace_id``. A workspace
        that is not a guild (a DM, ``dm-…``) is owned by shard 0's process, like Discord's."""
        guild = int(workspace_id) if workspace_id.isdigit() else 0
        return shard_of(guild, self.count) in self.ids


def shards_from_options(count: int | None, ids: str | None) -> ShardSet | None:
    """--shards/--shard-ids as the shards this process runs; ConfigError naming the option."""
    if ids is None:
        if count is not None and count < 1:
            raise ConfigError(f"--shards must be at least 1, not {count}")
        return None
    if count is None:
        raise ConfigError("--shard-ids needs --shards N: the shard count of the whole deployment")
    try:
        return ShardSet.parse(count, ids)
    except ValueError as exc:
        raise ConfigError(f"--shards {count} --shard-ids {ids}: {exc}") from None
