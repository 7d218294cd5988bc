"""Discord's one renderer: core results -> messages (embeds and answer buttons).

``render(reply)`` returns one or more :class:`Message` values; the first is the reply, the rest
are sent as follow-ups (only a long card needs more than one). Every embed stays within
Discord's limits, so a long card is split across embeds and messages and, past a cap, trimmed
with a note; Discord never sees a request it would reject.

To show a new core result type, register a function for it::

    @render_result.register
    def _mine(reply: MyResult) -> list[Message]:
        return [Message(embeds=[embed(title="Mine", description=...)])]

A type without a renderer is a bug (``NoRenderer``): tests/platforms/test_renderers.py finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord

# quiz night's renderers live in their own module; importing it registers them
from adapters.discord_bot import live_render, teacher_render  # noqa: F401
from adapters.discord_bot.buttons import card_part_buttons
from adapters.discord_bot.render_base import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    EMBEDS_PER_MESSAGE,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    FOOTER_LIMIT,
    GOLD,
    GREEN,
    MEDALS,
    RED,
    TITLE_LIMIT,
    Message,
    clip,
    embed,
    escaped_name,
    field_chunks,
    question_messages,
    render,  # noqa: F401  (the entry point, re-exported)
    render_result,
    text_message,
)
from adapters.platform import NoRenderer
from bot.demos import DemoResult
from bot.features.boards import Leaderboard, LeaderboardRow, UserStats
from bot.features.boards.results import SPACED_REPETITION
from bot.features.daily import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.groups import GroupList, GroupMembers, GroupSummary, StudyGroup
from bot.features.quiz import (
    AnswerResult,
    CardPart,
    CardView,
    ReviewSession,
    TopicInfo,
    wording,
)
from bot.kernel.clock import format_local
from bot.kernel.results import NOTHING_HERE, Fact

# A card longer than this many messages is trimmed (with a note) rather than flood a channel.
MAX_CARD_MESSAGES = 4
_NOTE_RESERVE = 200  # room kept in every message for a "shortened" note in a footer


def _when(instant: datetime) -> str:
    """In the schedule's zone (what the admin set), then relative in the reader's own."""
    return f"{format_local(instant)} (<t:{int(instant.timestamp())}:R>)"


@render_result.register
def _daily_question(daily: DailyQuestion) -> list[Message]:
    [message] = question_messages(daily.view)
    question = message.embeds[0]
    question.title = clip(f"{daily.title} · {daily.view.card_title}", TITLE_LIMIT)
    question.add_field(name=daily.closes_label, value=_when(daily.closes_at), inline=False)
    return [message]


@render_result.register
def _daily_results(results: DailyResults) -> list[Message]:
    # budget (6000 per message): prompt 1500 + choices 1500 + feedback 840 (up to ten choices
    # share them) + answer 300 + Why 1024 + rest
    if results.typed:
        accepted = ", ".join(results.accepted)
        fields = [("Accepted answers", clip(accepted, FIELD_VALUE_LIMIT))]
    rows = max(len(results.rows), 1)
    text_limit, feedback_limit = min(250, 1500 // rows), min(140, 840 // rows)
    lines = [
        f"{'✅' if row.correct else '▫️'} **{row.letter})** {clip(row.text, text_limit)}"
        f" — {row.count_text}"
        + (f"\n  ↳ *{clip(row.feedback_text, feedback_limit)}*" if row.feedback_text else "")
        for row in results.rows
    ]
    if not results.typed:
        fields = field_chunks("Answers", lines)
        fields.append(("Correct answer", f"**{clip(results.correct_label, 290)}**"))
    fields.append(("Why", results.why))
    if results.first_right:
        name = discord.utils.escape_markdown(results.first_right)
        # DailyResults carries no zone: a Discord timestamp shows it in the reader's own
        when = (
            f" at <t:{int(results.first_right_at.timestamp())}:t>" if results.first_right_at else ""
        )
        fields.append(("First right", f"🏅 {name}{when}"))
    body = embed(
        title=results.title,
        description=clip(results.prompt, 1500) + "\n\n" + results.summary_text,
        colour=GREEN,
        fields=fields,
        footer=f"{clip(results.card_title, 100)} · Q{results.post_id} · answers are closed",
    )
    return [Message(embeds=[body])]


def _fact_value(fact: Fact) -> str:
    """A typed word as code; an instant with the reader's own relative time."""
    if fact.at is not None:
        return _when(fact.at)
    return f"`{fact.value}`" if fact.literal else fact.value


@render_result.register
def _schedule(info: ScheduleInfo) -> list[Message]:
    fields = [(f.label, _fact_value(f)) for f in info.facts]
    where = f"<#{info.channel.channel_id}>" if info.channel.channel_id.isdigit() else "here"
    body = embed(
        title=info.title,
        description=f"Posted in {where}.",
        fields=fields,
        footer=info.admin_hint,
    )
    return [Message(embeds=[body])]


@render_result.register
def _answer(result: AnswerResult) -> list[Message]:
    if result.already_answered:
        colour = GOLD
    else:
        colour = GREEN if result.correct else RED
    body = [f"**{clip(result.answer_text, 600)}**"]
    if result.typed_text:
        body.insert(0, discord.utils.escape_markdown(clip(result.typed_text, 220)))
    if result.feedback_text:
        body.append(f"*{result.feedback_text}*")
    body.append(f"**Why:** {result.why}")
    message = embed(
        title=result.headline,
        description="\n\n".join(body),
        colour=colour,
        footer=result.standing_text,
    )
    return [Message(embeds=[message])]


@render_result.register
def _card(view: CardView) -> list[Message]:
    card = view.card
    parts: list[_Part] = []
    if view.part in (CardPart.SECTIONS, CardPart.FULL):
        for section in card.sections:
            parts += _fields(section.heading, [f"• {p}" for p in section.points])
    if view.shows_table and card.table is not None:
        columns = card.table.columns
        rows = [
            f"**{row[0]}** — "
            + " · ".join(f"{col}: {cell}" for col, cell in zip(columns[1:], row[1:], strict=False))
            for row in card.table.rows
        ]
        parts += _fields(wording.SIDE_BY_SIDE, rows)
    if view.shows_picture and card.diagram:
        parts += _diagram(card.diagram, card.diagram_caption)
    if view.part in (CardPart.MISCONCEPTIONS, CardPart.FULL) and card.misconceptions:
        parts += _fields(
            wording.MISCONCEPTIONS, [f"✗ {m.claim}\n✓ {m.truth}" for m in card.misconceptions]
        )
    if view.part in (CardPart.RECAP, CardPart.FULL):
        parts += _fields(wording.RECAP, [f"✅ {point}" for point in card.recap])
    if view.part == CardPart.SHORT:
        if view.key_idea:
            parts += _fields(wording.KEY_IDEA, [view.key_idea])
        parts += _fields(wording.MORE, [view.sections_text])
    if view.part in (CardPart.SHORT, CardPart.FULL):
        if card.demos:
            parts += _fields(
                wording.TRY_IT_LIVE, [", ".join(f"`/quiz demo {d}`" for d in card.demos)]
            )
        if card.next:
            parts += _fields(wording.NEXT, [", ".join(f"`/quiz card {n}`" for n in card.next)])
    summary = card.summary if view.part in (CardPart.SHORT, CardPart.FULL) else ""
    head = embed(title=view.title, description=summary)
    messages = [Message(embeds=e) for e in _pack(head, parts, footer=f"{card.track} · {card.id}")]
    if view.part == CardPart.SHORT:
        messages[-1].view = card_part_buttons(card.id, view.more_parts)
    return messages


@render_result.register
def _demo(result: DemoResult) -> list[Message]:
    if not result.ok:
        return [text_message(result.error or f"The {result.name} demo failed.", ephemeral=True)]
    measured = "\n".join(f"**{m.label}:** {m.value}" for m in result.measurements)
    footer = " · ".join(p for p in (result.details, f"/quiz card {result.card_id}") if p)
    body = embed(
        title=result.title,
        description=measured,
        fields=[("What it shows", result.lesson)] if result.lesson else (),
        footer=footer,
    )
    return [Message(embeds=[body])]


@render_result.register(list)
def _list(items: list[Any]) -> list[Message]:
    if not items:
        return [text_message(NOTHING_HERE)]
    if all(isinstance(t, TopicInfo) for t in items):
        return _topics(items)
    raise NoRenderer("Discord", items[0])


def _topics(topics: list[TopicInfo]) -> list[Message]:
    fields = []
    for t in topics:
        lines = [f"`{t.id}` · {t.track} · {t.questions} questions"]
        if t.demos:
            lines.append("demos: " + ", ".join(t.demos))
        fields.append((t.title, "\n".join(lines)))
    return [
        Message(
            embeds=[embed(title=wording.TOPICS_TITLE, fields=fields, footer=wording.TOPICS_HINT)]
        )
    ]


@render_result.register
def _stats(stats: UserStats) -> list[Message]:
    fields = []
    if stats.topic_lines:
        fields += field_chunks("By topic", stats.topic_lines)
    fields += [(label, value) for label, value in stats.extra]
    if stats.progress_lines:
        fields += field_chunks(SPACED_REPETITION, stats.progress_lines)
        fields.append(("Review", stats.review_text))
    body = embed(title=stats.headline, description=stats.summary_text, fields=fields)
    return [Message(embeds=[body])]


@render_result.register
def _leaderboard(board: Leaderboard) -> list[Message]:
    footer = " · ".join(board.notes)
    if not board.rows:
        return [
            Message(embeds=[embed(title=board.title, description=board.empty_text, footer=footer)])
        ]
    lines = [_board_line(board, row) for row in board.rows]
    return [Message(embeds=[embed(title=board.title, description="\n".join(lines), footer=footer)])]


def _board_line(board: Leaderboard, row: LeaderboardRow) -> str:
    medal = MEDALS.get(row.rank, f"**{row.rank}.**")
    return f"{medal} {discord.utils.escape_markdown(row.display_name)} — {board.values_text(row)}"


# -- study groups and review sessions (the commands send these privately) -----------------------


@render_result.register
def _study_group(group: StudyGroup) -> list[Message]:
    return [text_message(group.text_for(escaped_name(group.name)))]


@render_result.register
def _groups(groups: GroupList) -> list[Message]:
    if not groups.groups:
        return [text_message(groups.empty_text)]
    lines = [f"**{escaped_name(g.name)}** — {g.members_text}" for g in groups.groups]
    body = embed(title=groups.title, description="\n".join(lines), footer=groups.hint)
    return [Message(embeds=[body])]


@render_result.register
def _members(group: GroupMembers) -> list[Message]:
    if not group.members:
        return [text_message(escaped_name(group.empty_text))]
    members = "\n".join(f"• {escaped_name(m)}" for m in group.members)
    return [Message(embeds=[embed(title=group.title, description=members)])]


@render_result.register
def _group_summary(summary: GroupSummary) -> list[Message]:
    fields = [
        (f.label, escaped_name(f.value) if f is summary.members_fact else f.value)
        for f in (summary.members_fact, summary.week_fact)
    ]
    topics = [t.text for t in summary.per_topic]
    if topics:
        fields += field_chunks(summary.per_topic_title, topics)
    m = summary.misconception
    if m is None:
        fields.append(("Misconceptions", summary.no_misconception_text))
    else:
        fields.append((m.title, "\n".join(m.lines)))
    return [Message(embeds=[embed(title=summary.title, fields=fields)])]


@render_result.register
def _review(session: ReviewSession) -> list[Message]:
    """The intro with the first question, then one follow-up per question, all private; each
    question's buttons answer it like any other (only the requester may)."""
    if not session.questions:
        return [text_message(session.empty_text, ephemeral=True)]
    messages = [m for view in session.questions for m in question_messages(view)]
    for message in messages:
        message.ephemeral = True
    messages[0].content = f"**{session.intro_text}**"
    return messages


# -- long content: fields, embeds and messages within the limits -------------------------------


@dataclass(frozen=True)
class _Part:
    """A field, or (``name`` None) a block that opens a new embed as its description."""

    name: str | None
    text: str


def _fields(name: str, units: Sequence[str]) -> list[_Part]:
    return [_Part(n, v) for n, v in field_chunks(name, units)]


def _code_block(text: str, limit: int) -> str:
    """``text`` in a code block of at most ``limit`` chars; whole lines are dropped to fit."""
    lines = text.rstrip("\n").replace("```", "`\u200b``").splitlines()
    dropped = False
    while lines and len("```\n" + "\n".join(lines) + "\n…\n```") > limit:
        lines.pop()
        dropped = True
    if dropped:
        lines = [clip(line, limit - 12) for line in lines] + ["…"]
    return "```\n" + "\n".join(lines) + "\n```"


def _diagram(diagram: str, caption: str | None) -> list[_Part]:
    caption_text = f"*{caption}*" if caption else ""
    block = _code_block(diagram, FIELD_VALUE_LIMIT)
    if "\n…\n```" not in block and len(block) + 1 + len(caption_text) <= FIELD_VALUE_LIMIT:
        return [_Part(wording.PICTURING_IT, block + ("\n" + caption_text if caption_text else ""))]
    # Too big for a field: a description holds 4096 characters.
    caption_text = clip(caption_text, 1000)
    heading = f"**{wording.PICTURING_IT}**\n"
    room = DESCRIPTION_LIMIT - len(heading) - len(caption_text) - 1
    return [_Part(None, heading + _code_block(diagram, room) + "\n" + caption_text)]


def _pack(head: discord.Embed, parts: Sequence[_Part], footer: str) -> list[list[discord.Embed]]:
    """Fill embeds with ``parts``, then group the embeds into messages (at most 10 embeds and
    6000 characters each); beyond MAX_CARD_MESSAGES the rest is left out and a footer says so."""
    footer = clip(footer, 500)
    budget = EMBED_TOTAL_LIMIT - _NOTE_RESERVE - len(footer)
    embeds = [head]
    for part in parts:
        current = embeds[-1]
        if part.name is None:
            embeds.append(embed(description=part.text))
            continue
        size = len(part.name) + len(part.text)
        if len(current.fields) >= FIELDS_LIMIT or len(current) + size > budget:
            current = embed()
            embeds.append(current)
        current.add_field(name=part.name, value=part.text, inline=False)

    messages: list[list[discord.Embed]] = [[]]
    for item in embeds:
        used = sum(len(e) for e in messages[-1])
        if messages[-1] and (len(messages[-1]) >= EMBEDS_PER_MESSAGE or used + len(item) > budget):
            messages.append([])
        messages[-1].append(item)

    note = ""
    if len(messages) > MAX_CARD_MESSAGES:
        left_out = sum(len(m) for m in messages[MAX_CARD_MESSAGES:])
        messages = messages[:MAX_CARD_MESSAGES]
        note = f" · shortened to fit Discord ({left_out} more part(s) left out)"
    messages[-1][-1].set_footer(text=clip(footer + note, FOOTER_LIMIT))
    return messages
