"""Slack's renderers for the teacher's view (``/quiz items``, ``/quiz dashboard``), registered
on render_base's ``render_result`` (render.py imports this module). Both replies are ephemeral."""

from __future__ import annotations

from adapters.slack_bot.blocks import (
    Block,
    SlackMessage,
    context,
    divider,
    escape,
    header,
    paginate,
    sections,
)
from adapters.slack_bot.render_base import render_result
from bot.features.teacher import DashboardLink, FlaggedItems


@render_result.register
def _flagged_items(flagged: FlaggedItems) -> list[SlackMessage]:
    blocks: list[Block] = [header(flagged.title), context(escape(flagged.summary))]
    for item in flagged.shown:
        blocks.append(divider())
        lines = [f"*{escape(item.prompt)}* ({escape(item.card_title)})"]
        lines += [f"• {escape(line)}" for line in FlaggedItems.lines(item)]
        blocks += sections("\n".join(lines))
    if flagged.more_text:
        blocks.append(context(escape(flagged.more_text)))
    return paginate(blocks, fallback=flagged.title)


@render_result.register
def _dashboard_link(link: DashboardLink) -> list[SlackMessage]:
    # the URL is ours (base URL + token): Slack's <url|label> link, the label escaped
    text = escape(link.text.removesuffix(link.url).rstrip(": "))
    blocks = [*sections(f"{text}: <{link.url}|open the dashboard>"), context(escape(link.warning))]
    return paginate(blocks, fallback="The teacher's dashboard link")
