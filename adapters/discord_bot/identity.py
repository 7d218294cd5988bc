"""Who is acting: the core's Actor for a Discord interaction (a leaf: the client and the
commands both need it)."""

from __future__ import annotations

import discord

from bot.kernel.identity import Actor


def actor_for(interaction: discord.Interaction) -> Actor:
    """The core's Actor for whoever triggered ``interaction``. A DM is a workspace of its own
    (``dm-<user id>``), so DM users never share boards, groups or settings."""
    user = interaction.user
    guild_id = interaction.guild_id
    return Actor(
        platform="discord",
        user_id=str(user.id),
        display_name=user.display_name,
        workspace_id=str(guild_id) if guild_id is not None else f"dm-{user.id}",
        channel_id=str(interaction.channel_id),
        is_admin=guild_id is not None and interaction.permissions.manage_guild,
    )
