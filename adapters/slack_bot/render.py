"""Slack's one renderer: core results -> Block Kit messages.

``render(value)`` returns a list of :class:`SlackMessage` (usually one; a long card becomes
several). Each renderer decides whether its message is public (posted to the channel for
everyone, like a question) or ephemeral (only the caller sees it, the default).

To support a new core result type, register one function here::

    @render.register
    def _demo(result: DemoResult) -> list[SlackMessage]:
        return paginate([header(...), *sections(...)], fallback="Demo: ...")

Types without a renderer still reach the user: a value with a ``render_text()`` method is shown
as that text, anything else as ``str(value)``.

Block Kit limits are enforced here, once, by the helpers (``sections`` splits long text,
``plain`` clips, ``paginate`` splits into messages of at most 50 blocks and trims cleanly).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import singledispatch
from typing import Any

from bot.content import Card
from bot.demos import DemoResult
from bot.features.boards import Leaderboard, LeaderboardRow, UserStats
from bot.features.daily import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.groups import GroupList, GroupMembers, GroupSummary, StudyGroup
from bot.features.quiz import AnswerBox, AnswerResult, QuestionView, ReviewSession, TopicInfo
from bot.kernel.clock import format_local
from bot.kernel.results import Notice

LETTERS = "ABCDEF"
ANSWER_ACTION_PREFIX = "quiz_answer_"
TYPED_ACTION_PREFIX = "quiz_typed_"  # the "Answer" button of a typed-answer question
TYPED_ANSWER_VIEW = "quiz_typed_answer"  # the modal's callback_id
TYPED_ANSWER_BLOCK, TYPED_ANSWER_INPUT = "answer_block", "answer"
MAX_VIEW_TITLE = 24  # a modal's title, submit and close texts
MAX_PLACEHOLDER = 150
MAX_VIEW_BLOCKS = 100

# Slack's documented limits.
MAX_BLOCKS = 50  # per message
MAX_HOME_BLOCKS = 100  # per App Home view
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000  # we keep context lines short; Slack allows 3,000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_FALLBACK_TEXT = 3000  # Slack allows 40,000; the fallback is only a notification line
# Our own bounds: a response_url takes at most 5 replies, and very large block payloads are
# rejected by Slack well before 50 full sections, so a message carries at most ~12k characters.
MAX_MESSAGES = 5
MAX_MESSAGE_CHARS = 12_000
TABLE_CODE_WIDTH = 90  # wider tables wrap badly in a code block; they become lines instead

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the fallback shown in notifications
    blocks: list[Block] = field(default_factory=list)
    public: bool = False  # True: posted to the channel; False: ephemeral to the caller


# -- building blocks ----------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack mrkdwn needs &, < and > escaped; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER_TEXT)}


def divider() -> Block:
    return {"type": "divider"}


def context(*texts: str) -> Block:
    elements = [mrkdwn(clip(t, MAX_CONTEXT_TEXT)) for t in texts if t][:MAX_CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements or [mrkdwn(" ")]}


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Chunks of at most ``limit`` characters, cut at line ends where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [" "]


def sections(text: str) -> list[Block]:
    """Mrkdwn ``text`` (already escaped) as one or more section blocks."""
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in split_text(text)]


def code_sections(code: str, title: str = "") -> list[Block]:
    """Preformatted text in code blocks (after an optional mrkdwn ``title`` line), split so
    every fenced chunk fits a section."""
    fence = "```"
    body = escape(code.rstrip("\n")).replace(fence, "`\u200b``")
    room = MAX_SECTION_TEXT - 2 * len(fence) - 2
    chunks = split_text(body, room - (len(title) + 1 if title else 0))
    texts = [f"{fence}\n{c}\n{fence}" for c in chunks]
    if title:
        texts[0] = f"{title}\n{texts[0]}"
    return [{"type": "section", "text": mrkdwn(t)} for t in texts]


def fields_section(pairs: list[tuple[str, str]]) -> Block:
    fields = [mrkdwn(clip(f"*{label}*\n{value}", MAX_FIELD_TEXT)) for label, value in pairs]
    return {"type": "section", "fields": fields[:MAX_FIELDS]}


def _size(block: Block) -> int:
    return len(json.dumps(block, ensure_ascii=False))


def paginate(blocks: list[Block], fallback: str, public: bool = False) -> list[SlackMessage]:
    """Split ``blocks`` into messages within Slack's limits; beyond MAX_MESSAGES, trim and say
    so at the end rather than fail."""
    pages: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        if pages[-1] and (len(pages[-1]) >= MAX_BLOCKS or size + _size(block) > MAX_MESSAGE_CHARS):
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += _size(block)
    if len(pages) > MAX_MESSAGES:
        pages = pages[:MAX_MESSAGES]
        note = context("✂️ Trimmed: the rest does not fit in Slack messages.")
        last = pages[-1]
        while last and (
            len(last) >= MAX_BLOCKS or sum(map(_size, last)) + _size(note) > MAX_MESSAGE_CHARS
        ):
            last.pop()
        last.append(note)
    fallback = clip(fallback, MAX_FALLBACK_TEXT - 8)
    return [
        SlackMessage(
            text=fallback if len(pages) == 1 else f"{fallback} ({n}/{len(pages)})",
            blocks=page,
            public=public,
        )
        for n, page in enumerate(pages, 1)
    ]


# -- the renderers ------------------------------------------------------------------------


@singledispatch
def render(reply: Any) -> list[SlackMessage]:
    """Fallback for result types without a Slack renderer yet: their text, ephemerally."""
    render_text = getattr(reply, "render_text", None)
    text = str(render_text() if callable(render_text) else reply)
    return paginate(sections(escape(text)), fallback=text)


@render.register(type(None))
def _nothing(reply: None) -> list[SlackMessage]:
    return render(Notice("Done."))


@render.register
def _notice(reply: Notice) -> list[SlackMessage]:
    head = ("⚠️ " if reply.error else "") + escape(reply.text)
    lines = [f"• {escape(line)}" for line in reply.lines]
    return paginate(sections("\n".join([head, *lines])), fallback=reply.text)


@render.register
def _question(view: QuestionView) -> list[SlackMessage]:
    return paginate(question_blocks(view), fallback=f"Quiz: {view.prompt}", public=True)


def question_blocks(
    view: QuestionView, note: str = "", first_action: int = 0, shared: bool = True
) -> list[Block]:
    """The prompt, one answer button per choice (clicks come back through ``on_answer``) and a
    context line; ``note`` (mrkdwn) joins that line. ``shared``: anyone may answer (a channel
    post), so the line says results are private. Several questions in one message pass
    different ``first_action`` numbers so every action_id in the message is unique (the
    button's value, not its action_id, says which post and choice it answers)."""
    if view.typed:
        return typed_question_blocks(view, note, first_action, shared)
    choices = "\n".join(f"*{LETTERS[i]})* {escape(c)}" for i, c in enumerate(view.choices))
    buttons = [
        {
            "type": "button",
            "action_id": f"{ANSWER_ACTION_PREFIX}{first_action + i}",
            "text": plain(f"{LETTERS[i]}) {choice}", MAX_BUTTON_TEXT),
            "value": answer_value(view.post_id, i),
        }
        for i, choice in enumerate(view.choices)
    ]
    about = " · ".join(
        part for part in (escape(view.card_title), view.reason, f"Q{view.post_id}") if part
    )
    return [
        *sections(f"*{escape(view.prompt)}*\n{choices}"),
        {"type": "actions", "block_id": f"quiz_post_{view.post_id}", "elements": buttons},
        context(about, note, "Only you see your result, so everyone can answer." if shared else ""),
    ]


def typed_question_blocks(
    view: QuestionView, note: str = "", first_action: int = 0, shared: bool = True
) -> list[Block]:
    """A typed-answer question: the prompt and one "Answer" button, which opens a modal with a
    text box (``views.open``); the submission comes back as a ``view_submission``."""
    button = {
        "type": "button",
        "action_id": f"{TYPED_ACTION_PREFIX}{first_action}",
        "text": plain("✍️ Answer", MAX_BUTTON_TEXT),
        "style": "primary",
        "value": str(view.post_id),
    }
    about = " · ".join(
        part for part in (escape(view.card_title), view.reason, f"Q{view.post_id}") if part
    )
    private = "Type your answer; only you see your result." if shared else "Type your answer."
    return [
        *sections(f"*{escape(view.prompt)}*"),
        {"type": "actions", "block_id": f"quiz_post_{view.post_id}", "elements": [button]},
        context(about, note, private),
    ]


def typed_answer_modal(box: AnswerBox, channel_id: str) -> dict[str, Any]:
    """The modal with the answer box. Its ``private_metadata`` carries the post and the
    channel, so the submission needs no state kept in the adapter."""
    placeholder = clip(box.prompt, MAX_PLACEHOLDER)
    return {
        "type": "modal",
        "callback_id": TYPED_ANSWER_VIEW,
        "private_metadata": json.dumps({"post": box.post_id, "channel": channel_id}),
        "title": plain(f"Q{box.post_id} · {box.card_title}", MAX_VIEW_TITLE),
        "submit": plain("Answer", MAX_VIEW_TITLE),
        "close": plain("Cancel", MAX_VIEW_TITLE),
        "blocks": [
            *sections(f"*{escape(box.prompt)}*"),
            {
                "type": "input",
                "block_id": TYPED_ANSWER_BLOCK,
                "label": plain("Your answer", MAX_VIEW_TITLE),
                "element": {
                    "type": "plain_text_input",
                    "action_id": TYPED_ANSWER_INPUT,
                    "max_length": box.limit,
                    "placeholder": plain(placeholder, MAX_PLACEHOLDER),
                },
            },
        ],
    }


def result_modal(reply: object) -> dict[str, Any]:
    """What the modal turns into after a submission: the rendered reply (the answer's result
    with its Why), seen only by the person who answered."""
    blocks = [block for message in render(reply) for block in message.blocks]
    return {
        "type": "modal",
        "title": plain("Your answer", MAX_VIEW_TITLE),
        "close": plain("Done", MAX_VIEW_TITLE),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
    }


def answer_value(post_id: int, choice: int) -> str:
    """What a button carries: enough to answer with no state kept in the adapter."""
    return f"{post_id}:{choice}"


def parse_answer_value(value: str) -> tuple[int, int] | None:
    post, sep, choice = value.partition(":")
    if not sep or not post.isdigit() or not choice.isdigit():
        return None
    return int(post), int(choice)


def _typed_answer(result: AnswerResult) -> list[SlackMessage]:
    if result.already_answered:
        head = f"You already answered: {result.typed} — no change."
        detail = f"The answer is {result.accepted_text}"
    elif result.correct:
        head, detail = f"✅ Correct! · {result.score_text}", f"You typed: {result.typed}"
    else:
        head = f"❌ Not quite. The answer is {result.accepted_text}"
        detail = f"You typed: {result.typed}"
    blocks = [
        *sections(f"*{escape(head)}*\n{escape(detail)}\n*Why:* {escape(result.why)}"),
        context(
            f"Q{result.post_id}: {escape(result.prompt)}",
            f"Total: *{result.total_points}* points · streak *{result.streak}*",
        ),
    ]
    return paginate(blocks, fallback=head)


@render.register
def _answer(result: AnswerResult) -> list[SlackMessage]:
    if result.typed is not None:
        return _typed_answer(result)
    chosen = f"{LETTERS[result.chosen_index]}) {result.chosen_text}"
    right = f"{LETTERS[result.correct_index]}) {result.correct_text}"
    if result.already_answered:
        head = f"You already answered: {chosen} — no change."
    elif result.correct:
        head = f"✅ Correct! {right} · {result.score_text}"
    else:
        head = f"❌ Not quite — you chose {chosen}. The answer is {right}"
    blocks = [
        *sections(f"*{escape(head)}*\n*Why:* {escape(result.why)}"),
        context(
            f"Q{result.post_id}: {escape(result.prompt)}",
            f"Total: *{result.total_points}* points · streak *{result.streak}*",
        ),
    ]
    return paginate(blocks, fallback=head)


@render.register
def _card(card: Card) -> list[SlackMessage]:
    blocks: list[Block] = [
        header(card.title),
        context(f"{escape(card.track)} · `/quiz {card.id}` for a question"),
        *sections(escape(card.summary)),
    ]
    for section in card.sections:
        points = "\n".join(f"• {escape(p)}" for p in section.points)
        blocks += sections(f"*{escape(section.heading)}*\n{points}")
    if card.table is not None:
        blocks += _table_blocks("*Side by side*", card.table.columns, card.table.rows)
    if card.diagram:
        blocks += code_sections(card.diagram, title="*Picturing it*")
        if card.diagram_caption:
            blocks.append(context(escape(card.diagram_caption)))
    if card.misconceptions:
        lines = [f"✗ {escape(m.claim)}\n      ✓ {escape(m.truth)}" for m in card.misconceptions]
        blocks += sections("*Common misconceptions*\n" + "\n".join(lines))
    if card.recap:
        blocks += sections("*Recap*\n" + "\n".join(f"✅ {escape(p)}" for p in card.recap))
    footer = []
    if card.demos:
        footer.append("Try it live: " + ", ".join(f"`/quiz demo {d}`" for d in card.demos))
    if card.next:
        footer.append("Next: " + ", ".join(f"`/quiz card {n}`" for n in card.next))
    if footer:
        blocks.append(context(*footer))
    return paginate(blocks, fallback=f"Card: {card.title}")


def _table_blocks(
    title: str, columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]
) -> list[Block]:
    widths = [
        max(len(r[i]) if i < len(r) else 0 for r in (columns, *rows)) for i in range(len(columns))
    ]
    if sum(widths) + 3 * len(widths) <= TABLE_CODE_WIDTH:

        def line(cells: tuple[str, ...]) -> str:
            return " | ".join(
                (cells[i] if i < len(cells) else "").ljust(w) for i, w in enumerate(widths)
            ).rstrip()

        rule = "-+-".join("-" * w for w in widths)
        return code_sections("\n".join([line(columns), rule, *(line(r) for r in rows)]), title)
    # Too wide for a code block: one line per row, "*first cell* — column: value; ..."
    lines = [title]
    for row in rows:
        rest = "; ".join(
            f"{escape(col)}: {escape(cell)}"
            for col, cell in zip(columns[1:], row[1:], strict=False)
        )
        lines.append(f"• *{escape(row[0] if row else '')}* — {rest}")
    return sections("\n".join(lines))


@render.register
def _demo(result: DemoResult) -> list[SlackMessage]:
    if not result.ok:
        return render(Notice(result.error, error=True))
    blocks: list[Block] = [header(result.title)]
    blocks.append(fields_section([(escape(m.label), escape(m.value)) for m in result.measurements]))
    blocks += sections(escape(result.lesson))
    blocks.append(context(escape(result.details), f"See `/quiz card {result.card_id}`"))
    return paginate(blocks, fallback=result.title, public=True)


# -- the daily question --------------------------------------------------------------------


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def slack_time(instant: datetime, fallback: str) -> str:
    """A time Slack shows in each reader's own zone (``fallback`` where it cannot)."""
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}|{escape(fallback)}>"


@render.register
def _daily_question(daily: DailyQuestion) -> list[SlackMessage]:
    closes = format_local(daily.closes_at)  # the schedule's zone: the channel's agreed time
    blocks = [
        header(f"📅 Question of the day — {_day(daily.local_date)}"),
        *question_blocks(daily.view, note=f"Answers close *{escape(closes)}*"),
    ]
    return paginate(blocks, fallback=f"Question of the day: {daily.view.prompt}", public=True)


BAR_WIDTH = 10


def _typed_daily_results(results: DailyResults, summary: str) -> list[SlackMessage]:
    accepted = ", ".join(results.accepted)
    blocks: list[Block] = [
        header(f"📊 Results: question of the day — {_day(results.local_date)}"),
        *sections(f"*{escape(results.prompt)}*\n{escape(summary)}"),
        *sections(
            f"*Answer:* {escape(results.correct_text)}\n*Accepted:* {escape(accepted)}"
            f"\n*Why:* {escape(results.why)}"
        ),
    ]
    footer = [f"{escape(results.card_title)} · Q{results.post_id}"]
    if results.first_right:
        first = f"🏅 First right: *{escape(results.first_right)}*"
        if results.first_right_at is not None:
            at = results.first_right_at
            first += " at " + slack_time(at, f"{at:%Y-%m-%d %H:%M} UTC")
        footer.insert(0, first)
    blocks.append(context(*footer))
    fallback = f"Results of the question of the day: {summary} Answer: {results.correct_text}"
    return paginate(blocks, fallback=fallback, public=True)


def share_bar(share: float) -> str:
    filled = round(share * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


@render.register
def _daily_results(results: DailyResults) -> list[SlackMessage]:
    answered = results.answered
    if answered:
        people = "1 person" if answered == 1 else f"{answered} people"
        rate = results.right / answered
        summary = f"{people} answered, {results.right} right ({rate:.0%})"
    else:
        summary = "Nobody answered this one."
    if results.typed:
        return _typed_daily_results(results, summary)
    lines = []
    for i, choice in enumerate(results.choices):
        mark = " ✅" if i == results.correct_index else ""
        lines.append(
            f"`{share_bar(results.share(i))}` *{LETTERS[i]})* {escape(choice)}"
            f" — {results.counts[i]} ({results.share(i):.0%}){mark}"
        )
    right = f"{LETTERS[results.correct_index]}) {results.correct_text}"
    blocks: list[Block] = [
        header(f"📊 Results: question of the day — {_day(results.local_date)}"),
        *sections(f"*{escape(results.prompt)}*\n{escape(summary)}"),
        *sections("\n".join(lines)),
        *sections(f"*Answer:* {escape(right)}\n*Why:* {escape(results.why)}"),
    ]
    footer = [f"{escape(results.card_title)} · Q{results.post_id}"]
    if results.first_right:
        first = f"🏅 First right: *{escape(results.first_right)}*"
        if results.first_right_at is not None:
            at = results.first_right_at
            first += " at " + slack_time(at, f"{at:%Y-%m-%d %H:%M} UTC")
        footer.insert(0, first)
    blocks.append(context(*footer))
    fallback = f"Results of the question of the day: {summary} Answer: {right}"
    return paginate(blocks, fallback=fallback, public=True)


@render.register
def _schedule(info: ScheduleInfo) -> list[SlackMessage]:
    where = f"<#{info.channel.channel_id}>"
    head = f"✅ Daily question set for {where}" if info.changed else f"📅 Daily question in {where}"
    window = f"{info.window_hours} h" if info.window_hours else "until the next post"
    pairs = [
        ("Time", f"{info.local_time} {escape(info.zone)}"),
        ("Days", escape(info.days_text)),
        ("Topic", f"`{escape(info.topic)}`" if info.topic else "all topics"),
        ("Answers open", window),
    ]
    if info.next_post is not None:
        pairs.append(("Next post", escape(format_local(info.next_post))))
    if info.last_post:
        pairs.append(("Last post", escape(info.last_post)))
    blocks = [
        *sections(f"*{head}*"),
        fields_section(pairs),
        context(
            "Admins: `/quiz daily now` posts today's question right away,"
            " `/quiz daily off` stops it."
        ),
    ]
    fallback = f"Daily question: {info.local_time} {info.zone}, {info.days_text}"
    return paginate(blocks, fallback=fallback)


@render.register(list)
def _list(items: list[Any]) -> list[SlackMessage]:
    if items and all(isinstance(i, TopicInfo) for i in items):
        return paginate(topic_blocks(items), fallback="Topics")
    return render("\n".join(str(i) for i in items) or "Nothing here yet.")


def topic_blocks(topics: list[TopicInfo]) -> list[Block]:
    lines = []
    for t in topics:
        demos = f" · demos: {', '.join(t.demos)}" if t.demos else ""
        lines.append(
            f"• *{escape(t.title)}* — `{t.id}` · {escape(t.track)} · {t.questions} questions{demos}"
        )
    return [
        *sections("*Topics*\n" + "\n".join(lines)),
        context("`/quiz card <topic>` for the card, `/quiz <topic>` for a question"),
    ]


@render.register
def _stats(stats: UserStats) -> list[SlackMessage]:
    return paginate(stats_blocks(stats), fallback=f"{stats.display_name}: {stats.points} points")


def stats_blocks(stats: UserStats, title: str | None = None) -> list[Block]:
    blocks = sections(title or f"*{escape(stats.display_name)}* — {stats.points} points")
    blocks.append(
        fields_section(
            [
                ("Points", str(stats.points)),
                ("Answered", str(stats.answered)),
                ("Correct", f"{stats.correct} ({stats.accuracy:.0%})"),
                ("Streak", f"{stats.streak} (best {stats.best_streak})"),
            ]
        )
    )
    lines = [
        f"• {escape(t.topic)}: {t.correct}/{t.answered} ({t.accuracy:.0%})" for t in stats.per_topic
    ]
    lines += [f"• {escape(label)}: {escape(value)}" for label, value in stats.extra]
    if lines:
        blocks += sections("\n".join(lines))
    if stats.answered and stats.progress:
        review = [
            f"• {escape(p.topic)}: {p.mastered} mastered · {p.learning} learning · {p.new} new"
            + (f" · {p.due} due" if p.due else "")
            for p in stats.progress
        ]
        blocks += sections("*Spaced repetition*\n" + "\n".join(review))
        due = f"{stats.due_now} due now — `/quiz review`" if stats.due_now else "nothing due now"
        later = f"next review {when(stats.next_due)}" if stats.next_due else ""
        blocks.append(context(due, later))
    return blocks


def when(moment: datetime) -> str:
    """A time already in the workspace's zone, e.g. Tue 3 Mar 09:10 PST."""
    return f"{moment:%a} {moment.day} {moment:%b %H:%M %Z}".rstrip()


@render.register
def _leaderboard(board: Leaderboard) -> list[SlackMessage]:
    return paginate(leaderboard_blocks(board), fallback=board.title)


MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def leaderboard_blocks(board: Leaderboard) -> list[Block]:
    title = f"*{escape(board.title)}*"
    notes = []
    if board.since is not None:
        notes.append(f"Week since {when(board.since)}")
    if board.min_answers:
        notes.append(f"Ranked: {board.min_answers}+ answers")
    if not board.rows:
        empty = (
            "No answers yet — `/quiz` to start."
            if board.sort == "points"
            else f"Nobody ranked by {board.sort} yet."
        )
        return [*sections(f"{title}\n{empty}"), *([context(*notes)] if notes else [])]
    lines = [title]
    me_key = board.me.user_key if board.me else None
    for row in board.rows:
        name = escape(row.display_name)
        name = f"*{name}* (you)" if row.user_key == me_key else name
        lines.append(f"{MEDALS.get(row.rank, f'{row.rank}.')} {name} — {_board_values(board, row)}")
    blocks = sections("\n".join(lines))
    me = board.me
    if me and all(r.user_key != me.user_key for r in board.rows):
        if me.rank == 0:
            more = board.min_answers - me.answered
            notes.append(f"You: not ranked yet — {more} more answer(s) to qualify")
        else:
            notes.append(f"You: #{me.rank} of {board.total_players} with {_board_value(board, me)}")
    if notes:
        blocks.append(context(*notes))
    return blocks


def _board_value(board: Leaderboard, row: LeaderboardRow) -> str:
    """The value the board is sorted by, e.g. "40 points", "80% (4/5)"."""
    return {
        "points": f"{row.points} points",
        "accuracy": f"{row.accuracy:.0%} ({row.correct}/{row.answered})",
        "streak": f"a {row.streak}-day streak",
        "mastered": f"{row.mastered} mastered",
    }.get(board.sort, f"{row.points} points")


def _board_values(board: Leaderboard, row: LeaderboardRow) -> str:
    if board.sort == "points":
        parts = [f"{row.points} points", f"{row.accuracy:.0%}", f"streak {row.streak}"]
    else:
        parts = [_board_value(board, row), f"{row.points} points"]
    if row.best_daily_streak:
        parts.append(f"daily {row.daily_streak} (best {row.best_daily_streak})")
    return " · ".join(parts)


def render_home(stats: UserStats, board: Leaderboard) -> dict[str, Any]:
    """The App Home tab: the user's stats and streak, then the workspace leaderboard."""
    blocks: list[Block] = [
        header("quizbot"),
        *stats_blocks(stats, title="*Your stats*"),
        divider(),
        *leaderboard_blocks(board),
        divider(),
        context("`/quiz` in any channel for a question · `/quiz help` for everything else"),
    ]
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


# -- study groups and review sessions (ephemeral, like every reply but a question) ----------


@render.register
def _study_group(group: StudyGroup) -> list[SlackMessage]:
    you = " · you are in it" if group.is_member else ""
    return render(Notice(f"Study group {group.name}: {group.members} member(s){you}"))


@render.register
def _groups(groups: GroupList) -> list[SlackMessage]:
    if not groups.groups:
        text = "No study groups yet; an admin can `/quiz group create <name>`."
        return paginate(sections(escape(text)), fallback="No study groups yet")
    lines = [
        f"• *{escape(g.name)}* — {g.members} member(s)" + (" ✓ you" if g.is_member else "")
        for g in groups.groups
    ]
    blocks = [
        *sections("*Study groups*\n" + "\n".join(lines)),
        context("`/quiz group join <name>` · `/quiz leaderboard group <name>`"),
    ]
    return paginate(blocks, fallback=f"Study groups: {len(groups.groups)}")


@render.register
def _members(group: GroupMembers) -> list[SlackMessage]:
    name = escape(group.name)
    if not group.members:
        text = f"*{name}* has no members yet: `/quiz group join {name}`"
        return paginate(sections(text), fallback=f"{group.name}: no members")
    lines = [f"• {escape(m)}" for m in group.members]
    head = f"*{name}*: {len(group.members)} member(s)"
    return paginate(sections("\n".join([head, *lines])), fallback=f"{group.name} members")


@render.register
def _group_summary(summary: GroupSummary) -> list[SlackMessage]:
    week = str(summary.answers_this_week)
    if summary.answers_this_week:
        week += f" ({summary.correct_this_week / summary.answers_this_week:.0%} right)"
    members = ", ".join(escape(m) for m in summary.members) or "none yet"
    blocks: list[Block] = [
        header(f"Study group {summary.name}"),
        fields_section(
            [
                (f"Members ({len(summary.members)})", members),
                (f"Answers this week (since {when(summary.week_since)})", week),
            ]
        ),
    ]
    if summary.per_topic:
        lines = [
            f"• {escape(t.topic)}: {t.correct}/{t.answered} ({t.accuracy:.0%})"
            for t in summary.per_topic
        ]
        blocks += sections("*Accuracy per topic (all time)*\n" + "\n".join(lines))
    m = summary.misconception
    if m is None:
        blocks.append(context("No wrong answers yet — nothing to revisit."))
    else:
        blocks += sections(
            "*Most-picked misconception — revisit this*\n"
            f"{escape(m.prompt)} ({escape(m.card_title)})\n"
            f"✗ picked {m.times}× by {m.users} member(s): {escape(m.wrong_choice)}\n"
            f"✓ {escape(m.correct_choice)}\n*Why:* {escape(m.why)}"
        )
    return paginate(blocks, fallback=f"Study group {summary.name}")


@render.register
def _review(session: ReviewSession) -> list[SlackMessage]:
    """The whole session in one ephemeral message: the questions are the requester's own
    review posts, each answered privately by its buttons like any question."""
    if not session.questions:
        later = f" Next review due {when(session.next_due)}." if session.next_due else ""
        text = f"Nothing is due for review.{later} Try `/quiz` for a new question."
        return paginate(sections(escape(text)), fallback="Nothing is due for review.")
    count = len(session.questions)
    more = session.due_total - count
    rest = f" ({more} more due after these)" if more > 0 else ""
    blocks: list[Block] = [header(f"Review: {count} question(s) due{rest}")]
    for n, view in enumerate(session.questions, 1):
        note = f"{n}/{count} · only you can answer this one"
        blocks += question_blocks(view, note, first_action=10 * (n - 1), shared=False)
    return paginate(blocks, fallback=f"Review: {count} question(s) due")
