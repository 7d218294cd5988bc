"""Discord's renderers for the teacher's view (``/quiz items``, ``/quiz dashboard``),
registered on render_base's ``render_result`` (render.py imports this module). Both are
private."""

from __future__ import annotations

from adapters.discord_bot.render_base import (
    GOLD,
    Message,
    clip,
    embed,
    escaped_name,
    field_chunks,
    render_result,
)
from bot.features.teacher import DashboardLink, FlaggedItems

FLAGGED_PER_EMBED = 5  # a flagged question takes a few fields; an embed holds 25


@render_result.register
def _flagged_items(flagged: FlaggedItems) -> list[Message]:
    if not flagged.shown:
        empty = embed(title=flagged.title, description=escaped_name(flagged.summary))
        return [Message(embeds=[empty], ephemeral=True)]
    embeds = []
    for start in range(0, len(flagged.shown), FLAGGED_PER_EMBED):
        fields: list[tuple[str, str]] = []
        for item in flagged.shown[start : start + FLAGGED_PER_EMBED]:
            name = clip(f"{item.prompt} ({item.card_title})", 256)
            lines = [escaped_name(line) for line in FlaggedItems.lines(item)]
            fields += field_chunks(name, lines)
        first = start == 0
        embeds.append(
            embed(
                title=flagged.title if first else "",
                description=escaped_name(flagged.summary) if first else "",
                colour=GOLD,
                fields=fields,
                footer=flagged.more_text if start + FLAGGED_PER_EMBED >= len(flagged.shown) else "",
            )
        )
    return [Message(embeds=embeds[:10], ephemeral=True)]


@render_result.register
def _dashboard_link(link: DashboardLink) -> list[Message]:
    label = link.text.removesuffix(link.url).rstrip(": ")
    return [
        Message(
            embeds=[
                embed(
                    title="Teacher's dashboard",
                    description=f"{escaped_name(label)}: [open the dashboard]({link.url})",
                    footer=link.warning,
                )
            ],
            ephemeral=True,
        )
    ]
