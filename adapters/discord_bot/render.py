"""Discord's one renderer: core results -> messages (embeds and answer buttons).

``render(reply)`` returns one or more :class:`Message` values; the first is the reply, the rest
are sent as follow-ups (only a long card needs more than one). Every embed stays within
Discord's limits, so a long card is split across embeds and messages and, past a cap, trimmed
with a note; Discord never sees a request it would reject.

To show a new core result type, register a function for it::

    @render.register
    def _mine(reply: MyResult) -> list[Message]:
        return [Message(embeds=[embed(title="Mine", description=...)])]

Types without a renderer fall back to their ``text``/``lines`` attributes or ``str()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import singledispatch
from typing import Any

import discord

from adapters.discord_bot.buttons import LETTERS, answer_buttons
from adapters.discord_bot.typed import typed_answer_button
from bot.content import Card
from bot.demos import DemoResult
from bot.features.boards import Leaderboard, LeaderboardRow, UserStats
from bot.features.daily import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.groups import GroupList, GroupMembers, GroupSummary, StudyGroup
from bot.features.quiz import AnswerResult, QuestionView, ReviewSession, TopicInfo
from bot.kernel.clock import format_local
from bot.kernel.results import Notice

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # all embeds of one message together
EMBEDS_PER_MESSAGE = 10

# A card longer than this many messages is trimmed (with a note) rather than flood a channel.
MAX_CARD_MESSAGES = 4
_NOTE_RESERVE = 200  # room kept in every message for a "shortened" note in a footer

BLURPLE = discord.Colour.blurple()
GREEN = discord.Colour.green()
RED = discord.Colour.red()
GOLD = discord.Colour.gold()


@dataclass
class Message:
    """One message to send: text, embeds and (for questions) the answer buttons."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    ephemeral: bool = False  # a suggestion: errors and personal results are private

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``send_message``/``followup.send``/``channel.send``."""
        kwargs: dict[str, Any] = {}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.view is not None:
            kwargs["view"] = self.view
        return kwargs


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, at a word boundary when one is near, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def embed(
    *,
    title: str = "",
    description: str = "",
    colour: discord.Colour = BLURPLE,
    footer: str = "",
    fields: Iterable[tuple[str, str]] = (),
) -> discord.Embed:
    """An embed with every part clipped to its limit (fields beyond 25 are dropped)."""
    result = discord.Embed(
        title=clip(title, TITLE_LIMIT) or None,
        description=clip(description, DESCRIPTION_LIMIT) or None,
        colour=colour,
    )
    for name, value in list(fields)[:FIELDS_LIMIT]:
        result.add_field(
            name=clip(name, FIELD_NAME_LIMIT) or "\u200b",
            value=clip(value, FIELD_VALUE_LIMIT) or "\u200b",
            inline=False,
        )
    if footer:
        result.set_footer(text=clip(footer, FOOTER_LIMIT))
    return result


def text_message(text: str, lines: Sequence[str] = (), *, ephemeral: bool = False) -> Message:
    body = "\n".join([text, *lines]) if lines else text
    return Message(content=clip(body, CONTENT_LIMIT) or "\u200b", ephemeral=ephemeral)


# -- the renderer ------------------------------------------------------------------------------


@singledispatch
def render(reply: Any) -> list[Message]:
    """Fallback for result types without a renderer yet: their text, else ``str()``."""
    if reply is None:
        return [text_message("Done.")]
    text = getattr(reply, "text", None)
    lines = getattr(reply, "lines", None)
    if isinstance(text, str) or isinstance(lines, list | tuple):
        line_list = [str(line) for line in lines or ()]
        head = text if isinstance(text, str) else ""
        if not head and line_list:
            head, line_list = line_list[0], line_list[1:]
        return [text_message(head, line_list, ephemeral=bool(getattr(reply, "error", False)))]
    return [text_message(str(reply))]


@render.register
def _notice(reply: Notice) -> list[Message]:
    return [text_message(reply.text, reply.lines, ephemeral=reply.error)]


@render.register
def _question(view: QuestionView) -> list[Message]:
    if view.typed:
        return _typed_question(view)
    choices = "\n".join(f"**{LETTERS[i]})** {choice}" for i, choice in enumerate(view.choices))
    footer = f"Q{view.post_id}" + (f" · {view.reason}" if view.reason else "")
    footer += " · your result is shown only to you"
    question = embed(
        title=f"Question · {view.card_title}",
        description=clip(view.prompt, max(DESCRIPTION_LIMIT - len(choices) - 2, 200))
        + "\n\n"
        + choices,
        footer=footer,
    )
    return [Message(embeds=[question], view=answer_buttons(view.post_id, view.choices))]


def _typed_question(view: QuestionView) -> list[Message]:
    """A typed-answer question: the prompt and one "Answer" button that opens a text box."""
    footer = f"Q{view.post_id}" + (f" · {view.reason}" if view.reason else "")
    footer += " · type your answer; your result is shown only to you"
    question = embed(
        title=f"Question · {view.card_title}",
        description=clip(view.prompt, DESCRIPTION_LIMIT),
        footer=footer,
    )
    return [Message(embeds=[question], view=typed_answer_button(view.post_id))]


def _when(instant: datetime) -> str:
    """In the schedule's zone (what the admin set), then relative in the reader's own."""
    return f"{format_local(instant)} (<t:{int(instant.timestamp())}:R>)"


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


@render.register
def _daily_question(daily: DailyQuestion) -> list[Message]:
    [message] = _question(daily.view)
    question = message.embeds[0]
    question.title = clip(f"📅 Daily question · {daily.view.card_title}", TITLE_LIMIT)
    question.set_author(name=_day(daily.local_date))
    question.add_field(name="Answers close", value=_when(daily.closes_at), inline=False)
    question.set_footer(
        text=f"Q{daily.view.post_id} · one answer each · your result is shown only to you"
    )
    return [message]


@render.register
def _daily_results(results: DailyResults) -> list[Message]:
    if results.answered:
        head = f"**{results.answered}** answered · **{results.right}** right"
    else:
        head = "Nobody answered this one."
    if results.typed:
        accepted = ", ".join(results.accepted)
        fields = [("Accepted answers", clip(accepted, FIELD_VALUE_LIMIT))]
    # budget (6000 per message): prompt 1500 + choices 6 x 300 + answer 300 + Why 1024 + rest
    lines = [
        f"{'✅' if i == results.correct_index else '▫️'} **{LETTERS[i]})** {clip(choice, 250)}"
        f" — {results.counts[i]} ({results.share(i):.0%})"
        for i, choice in enumerate(results.choices)
    ]
    if not results.typed:
        fields = _chunks("Answers", lines)
        answer = clip(results.correct_text, 290)
        fields.append(("Correct answer", f"**{LETTERS[results.correct_index]}) {answer}**"))
    fields.append(("Why", results.why))
    if results.first_right:
        name = discord.utils.escape_markdown(results.first_right)
        # DailyResults carries no zone: a Discord timestamp shows it in the reader's own
        when = (
            f" at <t:{int(results.first_right_at.timestamp())}:t>" if results.first_right_at else ""
        )
        fields.append(("First right", f"🏅 {name}{when}"))
    body = embed(
        title=f"📊 Daily question results · {_day(results.local_date)}",
        description=clip(results.prompt, 1500) + "\n\n" + head,
        colour=GREEN,
        fields=fields,
        footer=f"{clip(results.card_title, 100)} · Q{results.post_id} · answers are closed",
    )
    return [Message(embeds=[body])]


@render.register
def _schedule(info: ScheduleInfo) -> list[Message]:
    title = "Daily question set" if info.changed else "Daily question"
    fields = [
        ("When", f"{info.local_time} {info.zone}, {info.days_text}"),
        ("Topic", f"`{info.topic}`" if info.topic else "all topics"),
        (
            "Answers open",
            f"{info.window_hours} h after the post" if info.window_hours else "until the next post",
        ),
    ]
    if info.next_post:
        fields.append(("Next post", _when(info.next_post)))
    if info.last_post:
        fields.append(("Last post", info.last_post))
    where = f"<#{info.channel.channel_id}>" if info.channel.channel_id.isdigit() else "here"
    body = embed(
        title=title,
        description=f"Posted in {where}.",
        fields=fields,
        footer="/quiz daily set · /quiz daily off · /quiz daily now (Manage Server)",
    )
    return [Message(embeds=[body])]


def _typed_answer(result: AnswerResult) -> list[Message]:
    typed = f"You typed: **{discord.utils.escape_markdown(clip(result.typed or '', 200))}**"
    accepted = clip(result.accepted_text, 600)
    why = f"**Why:** {result.why}"
    footer = f"Total: {result.total_points} points · streak {result.streak}"
    if result.already_answered:
        title, colour = "You already answered", GOLD
        body = f"{typed}\nThe answer is **{accepted}**.\n\n{why}"
        footer = f"No change · {result.total_points} points · streak {result.streak}"
    elif result.correct:
        title, colour = f"✅ Correct! {result.score_text}", GREEN
        body = f"{typed}\n\n{why}"
    else:
        title, colour = "❌ Not quite", RED
        body = f"{typed}\nThe answer is **{accepted}**.\n\n{why}"
    return [Message(embeds=[embed(title=title, description=body, colour=colour, footer=footer)])]


@render.register
def _answer(result: AnswerResult) -> list[Message]:
    if result.typed is not None:
        return _typed_answer(result)
    chosen = f"{LETTERS[result.chosen_index]}) {result.chosen_text}"
    answer = f"{LETTERS[result.correct_index]}) {result.correct_text}"
    why = f"**Why:** {result.why}"
    if result.already_answered:
        title, colour = f"You already answered: {chosen}", GOLD
        body = f"The answer is **{answer}**.\n\n{why}"
        footer = f"No change · {result.total_points} points · streak {result.streak}"
    elif result.correct:
        title, colour = f"✅ Correct! {result.score_text}", GREEN
        body = f"**{answer}**\n\n{why}"
        footer = f"Total: {result.total_points} points · streak {result.streak}"
    else:
        title, colour = "❌ Not quite", RED
        body = f"You picked {chosen}. The answer is **{answer}**.\n\n{why}"
        footer = f"Total: {result.total_points} points · streak {result.streak}"
    return [Message(embeds=[embed(title=title, description=body, colour=colour, footer=footer)])]


@render.register
def _card(card: Card) -> list[Message]:
    parts: list[_Part] = []
    for section in card.sections:
        parts += _fields(section.heading, [f"• {p}" for p in section.points])
    if card.table is not None:
        columns = card.table.columns
        rows = [
            f"**{row[0]}** — "
            + " · ".join(f"{col}: {cell}" for col, cell in zip(columns[1:], row[1:], strict=False))
            for row in card.table.rows
        ]
        parts += _fields("Side by side", rows)
    if card.diagram:
        parts += _diagram(card.diagram, card.diagram_caption)
    if card.misconceptions:
        parts += _fields(
            "Common misconceptions", [f"✗ {m.claim}\n✓ {m.truth}" for m in card.misconceptions]
        )
    parts += _fields("Recap", [f"✅ {point}" for point in card.recap])
    if card.demos:
        parts += _fields("Try it live", [", ".join(f"`/quiz demo {d}`" for d in card.demos)])
    if card.next:
        parts += _fields("Next", [", ".join(f"`/quiz card {n}`" for n in card.next)])
    head = embed(title=card.title, description=card.summary)
    return [Message(embeds=e) for e in _pack(head, parts, footer=f"{card.track} · {card.id}")]


@render.register
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


@render.register(list)
def _list(items: list[Any]) -> list[Message]:
    if items and all(isinstance(t, TopicInfo) for t in items):
        return _topics(items)
    if not items:
        return [text_message("Nothing here yet.")]
    return [text_message(str(items[0]), [str(i) for i in items[1:]])]


def _topics(topics: list[TopicInfo]) -> list[Message]:
    fields = []
    for t in topics:
        lines = [f"`{t.id}` · {t.track} · {t.questions} questions"]
        if t.demos:
            lines.append("demos: " + ", ".join(t.demos))
        fields.append((t.title, "\n".join(lines)))
    footer = "/quiz card <topic> · /quiz question <topic>"
    return [Message(embeds=[embed(title="Topics", fields=fields, footer=footer)])]


@render.register
def _stats(stats: UserStats) -> list[Message]:
    summary = (
        f"**{stats.points}** points · answered {stats.answered}, correct {stats.correct}"
        f" ({stats.accuracy:.0%}) · streak {stats.streak} (best {stats.best_streak})"
    )
    topic_lines = [
        f"{t.topic}: {t.correct}/{t.answered} ({t.accuracy:.0%})" for t in stats.per_topic
    ]
    fields = []
    if topic_lines:
        fields += [(name, value) for name, value in _chunks("By topic", topic_lines)]
    fields += [(label, value) for label, value in stats.extra]
    if stats.answered and stats.progress:
        review = [
            f"{p.topic}: {p.mastered} mastered · {p.learning} learning · {p.new} new"
            + (f" · {p.due} due" if p.due else "")
            for p in stats.progress
        ]
        fields += _chunks("Spaced repetition", review)
        due = f"{stats.due_now} due now (/quiz review)" if stats.due_now else "nothing due now"
        later = f" · next review {when(stats.next_due)}" if stats.next_due else ""
        fields.append(("Review", due + later))
    return [Message(embeds=[embed(title=stats.display_name, description=summary, fields=fields)])]


def when(moment: datetime) -> str:
    """A time already in the workspace's zone, e.g. Tue 3 Mar 09:10 PST."""
    return f"{moment:%a} {moment.day} {moment:%b %H:%M %Z}".rstrip()


@render.register
def _leaderboard(board: Leaderboard) -> list[Message]:
    notes = []
    if board.since is not None:
        notes.append(f"Week since {when(board.since)}")
    if board.min_answers:
        notes.append(f"Ranked: {board.min_answers}+ answers")
    if not board.rows:
        empty = "No answers yet."
        if board.sort != "points":
            empty = f"Nobody ranked by {board.sort} yet."
        footer = " · ".join(notes)
        return [Message(embeds=[embed(title=board.title, description=empty, footer=footer)])]
    lines = [_board_line(board, row) for row in board.rows]
    me = board.me
    if me and all(r.user_key != me.user_key for r in board.rows):
        if me.rank == 0:
            more = board.min_answers - me.answered
            notes.append(f"You: not ranked yet — {more} more answer(s) to qualify")
        else:
            notes.append(f"You: #{me.rank} of {board.total_players} with {_board_value(board, me)}")
    footer = " · ".join(notes)
    return [Message(embeds=[embed(title=board.title, description="\n".join(lines), footer=footer)])]


def _board_value(board: Leaderboard, row: LeaderboardRow) -> str:
    """The value the board is sorted by, e.g. "40 points", "80% (4/5)"."""
    return {
        "points": f"{row.points} points",
        "accuracy": f"{row.accuracy:.0%} ({row.correct}/{row.answered})",
        "streak": f"a {row.streak}-day streak",
        "mastered": f"{row.mastered} mastered",
    }.get(board.sort, f"{row.points} points")


def _board_line(board: Leaderboard, row: LeaderboardRow) -> str:
    medal = {1: "🥇", 2: "🥈", 3: "🥉"}.get(row.rank, f"**{row.rank}.**")
    if board.sort == "points":
        values = [f"{row.points} points", f"{row.accuracy:.0%}", f"streak {row.streak}"]
    else:
        values = [_board_value(board, row), f"{row.points} points"]
    if row.best_daily_streak:
        values.append(f"daily {row.daily_streak} (best {row.best_daily_streak})")
    return f"{medal} {discord.utils.escape_markdown(row.display_name)} — " + " · ".join(values)


# -- study groups and review sessions (the commands send these privately) -----------------------


def _name(text: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


@render.register
def _study_group(group: StudyGroup) -> list[Message]:
    you = " · you are in it" if group.is_member else ""
    return [text_message(f"Study group {_name(group.name)}: {group.members} member(s){you}")]


@render.register
def _groups(groups: GroupList) -> list[Message]:
    if not groups.groups:
        return [text_message("No study groups yet; an admin can /quiz group create <name>.")]
    lines = [
        f"**{_name(g.name)}** — {g.members} member(s)" + (" ✓ you" if g.is_member else "")
        for g in groups.groups
    ]
    footer = "/quiz group join <name> · /quiz leaderboard group:<name>"
    return [
        Message(embeds=[embed(title="Study groups", description="\n".join(lines), footer=footer)])
    ]


@render.register
def _members(group: GroupMembers) -> list[Message]:
    if not group.members:
        name = _name(group.name)
        return [text_message(f"{name} has no members yet: /quiz group join {name}")]
    return [
        Message(
            embeds=[
                embed(
                    title=f"{group.name}: {len(group.members)} member(s)",
                    description="\n".join(f"• {_name(m)}" for m in group.members),
                )
            ]
        )
    ]


@render.register
def _group_summary(summary: GroupSummary) -> list[Message]:
    week = str(summary.answers_this_week)
    if summary.answers_this_week:
        week += f" ({summary.correct_this_week / summary.answers_this_week:.0%} right)"
    fields: list[tuple[str, str]] = [
        (
            f"Members ({len(summary.members)})",
            ", ".join(_name(m) for m in summary.members) or "none yet",
        ),
        (f"Answers this week (since {when(summary.week_since)})", week),
    ]
    topics = [f"{t.topic}: {t.correct}/{t.answered} ({t.accuracy:.0%})" for t in summary.per_topic]
    if topics:
        fields += _chunks("Accuracy per topic (all time)", topics)
    m = summary.misconception
    if m is None:
        fields.append(("Misconceptions", "No wrong answers yet — nothing to revisit."))
    else:
        fields.append(
            (
                "Most-picked misconception — revisit this",
                f"{m.prompt} ({m.card_title})\n✗ picked {m.times}× by {m.users} member(s):"
                f" {m.wrong_choice}\n✓ {m.correct_choice}\n**Why:** {m.why}",
            )
        )
    return [Message(embeds=[embed(title=f"Study group {summary.name}", fields=fields)])]


@render.register
def _review(session: ReviewSession) -> list[Message]:
    """The intro with the first question, then one follow-up per question, all private; each
    question's buttons answer it like any other (only the requester may)."""
    if not session.questions:
        later = f" Next review due {when(session.next_due)}." if session.next_due else ""
        return [
            text_message(
                f"Nothing is due for review.{later} Try /quiz question for a new one.",
                ephemeral=True,
            )
        ]
    count = len(session.questions)
    more = session.due_total - count
    rest = f" ({more} more due after these)" if more > 0 else ""
    messages = [m for view in session.questions for m in _question(view)]
    for message in messages:
        message.ephemeral = True
    messages[0].content = f"**Review: {count} question(s) due{rest}.** Answer each in turn."
    return messages


# -- long content: fields, embeds and messages within the limits -------------------------------


@dataclass(frozen=True)
class _Part:
    """A field, or (``name`` None) a block that opens a new embed as its description."""

    name: str | None
    text: str


def _chunks(name: str, units: Sequence[str]) -> list[tuple[str, str]]:
    """``units`` (lines kept whole where possible) as field values of at most 1024 chars."""
    chunks: list[list[str]] = [[]]
    size = 0
    for unit in units:
        unit = clip(unit, FIELD_VALUE_LIMIT)
        if chunks[-1] and size + 1 + len(unit) > FIELD_VALUE_LIMIT:
            chunks.append([])
            size = 0
        size += len(unit) + (1 if chunks[-1] else 0)
        chunks[-1].append(unit)
    name = clip(name, FIELD_NAME_LIMIT - len(" (cont.)"))
    return [
        (name if i == 0 else f"{name} (cont.)", "\n".join(lines) or "\u200b")
        for i, lines in enumerate(chunks)
    ]


def _fields(name: str, units: Sequence[str]) -> list[_Part]:
    return [_Part(n, v) for n, v in _chunks(name, units)]


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
        return [_Part("Picturing it", block + ("\n" + caption_text if caption_text else ""))]
    # Too big for a field: a description holds 4096 characters.
    caption_text = clip(caption_text, 1000)
    room = DESCRIPTION_LIMIT - len("**Picturing it**\n") - len(caption_text) - 1
    return [_Part(None, "**Picturing it**\n" + _code_block(diagram, room) + "\n" + caption_text)]


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
