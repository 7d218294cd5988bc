"""Slack's one renderer: core results -> Block Kit messages.

``render(value)`` returns a list of :class:`SlackMessage` (usually one; a long card becomes
several). Each renderer decides whether its message is public (posted to the channel for
everyone, like a question) or ephemeral (only the caller sees it, the default).

To support a new core result type, register one function here::

    @render_result.register
    def _demo(result: DemoResult) -> list[SlackMessage]:
        return paginate([header(...), *sections(...)], fallback="Demo: ...")

A type without a renderer is a bug (``NoRenderer``): tests/platforms/test_renderers.py finds it.

Block Kit limits are enforced here, once, by the helpers (``sections`` splits long text,
``plain`` clips, ``paginate`` splits into messages of at most 50 blocks and trims cleanly).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from adapters.platform import NoRenderer

# quiz night's renderers live in their own module; importing it registers them
from adapters.slack_bot import live_render, teacher_render  # noqa: F401
from adapters.slack_bot.blocks import (  # noqa: F401 - some re-exported for tests
    MAX_BUTTON_TEXT,
    MAX_HOME_BLOCKS,
    MAX_MESSAGES,
    TABLE_CODE_WIDTH,
    Block,
    SlackMessage,
    clip,
    code_sections,
    context,
    divider,
    escape,
    fields_section,
    header,
    mrkdwn,
    paginate,
    plain,
    prompt_mrkdwn,
    sections,
)
from adapters.slack_bot.render_base import (
    MEDALS,
    question_blocks,
    render,
    render_result,
    share_bar,
)
from bot.demos import DemoResult
from bot.features.boards import Leaderboard, UserStats
from bot.features.boards.results import SPACED_REPETITION
from bot.features.daily import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.groups import GroupList, GroupMembers, GroupSummary, StudyGroup
from bot.features.quiz import (
    AnswerBox,
    AnswerResult,
    CardPart,
    CardView,
    ReviewSession,
    TopicInfo,
    wording,
)
from bot.kernel.results import NOTHING_HERE, Notice

CARD_PART_ACTION_PREFIX = "quiz_card_part_"
TYPED_ANSWER_VIEW = "quiz_typed_answer"  # the modal's callback_id
TYPED_ANSWER_BLOCK, TYPED_ANSWER_INPUT = "answer_block", "answer"
MAX_VIEW_TITLE = 24  # a modal's title, submit and close texts
MAX_PLACEHOLDER = 150
MAX_VIEW_BLOCKS = 100


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
            *sections(prompt_mrkdwn(box.prompt)),
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


@render_result.register
def _answer(result: AnswerResult) -> list[SlackMessage]:
    lines = [f"*{escape(result.headline)}*"]
    if result.typed_text:
        lines.append(escape(result.typed_text))
    lines.append(escape(result.answer_text))
    if result.feedback_text:
        lines.append(f"_{escape(result.feedback_text)}_")
    lines.append(f"*Why:* {escape(result.why)}")
    blocks = [
        *sections("\n".join(lines)),
        context(f"Q{result.post_id}: {escape(result.prompt)}", escape(result.standing_text)),
    ]
    return paginate(blocks, fallback=result.headline)


def code(command: str) -> str:
    """A command as Slack shows one (``/quiz ...`` in code)."""
    return f"`{escape(command)}`"


def card_part_value(card_id: str, part: CardPart) -> str:
    return f"{card_id}:{part.value}"


def parse_card_part_value(value: str) -> tuple[str, CardPart] | None:
    card_id, sep, part = value.partition(":")
    if not sep or not card_id:
        return None
    try:
        return card_id, CardPart(part)
    except ValueError:
        return None


@render_result.register
def _card(view: CardView) -> list[SlackMessage]:
    card = view.card
    blocks: list[Block] = [
        header(view.title),
        context(escape(card.track), escape(view.question_hint)),
    ]
    if view.part in (CardPart.SHORT, CardPart.FULL):
        blocks += sections(escape(card.summary))
    if view.part in (CardPart.SECTIONS, CardPart.FULL):
        for section in card.sections:
            points = "\n".join(f"• {escape(p)}" for p in section.points)
            blocks += sections(f"*{escape(section.heading)}*\n{points}")
    if view.shows_table and card.table is not None:
        blocks += _table_blocks(f"*{wording.SIDE_BY_SIDE}*", card.table.columns, card.table.rows)
    if view.shows_picture and card.diagram:
        blocks += code_sections(card.diagram, title=f"*{wording.PICTURING_IT}*")
        if card.diagram_caption:
            blocks.append(context(escape(card.diagram_caption)))
    if view.part in (CardPart.MISCONCEPTIONS, CardPart.FULL) and card.misconceptions:
        lines = [f"✗ {escape(m.claim)}\n      ✓ {escape(m.truth)}" for m in card.misconceptions]
        blocks += sections(f"*{wording.MISCONCEPTIONS}*\n" + "\n".join(lines))
    if view.part in (CardPart.RECAP, CardPart.FULL) and card.recap:
        blocks += sections(
            f"*{wording.RECAP}*\n" + "\n".join(f"✅ {escape(p)}" for p in card.recap)
        )
    if view.part == CardPart.SHORT:
        if view.key_idea:
            blocks += sections(f"*{wording.KEY_IDEA}:* {escape(view.key_idea)}")
        if view.more_parts:
            blocks += sections(f"*{wording.MORE}* — {escape(view.sections_text)}")
            buttons = [
                {
                    "type": "button",
                    "action_id": f"{CARD_PART_ACTION_PREFIX}{n}",
                    "text": plain(part.value.capitalize(), MAX_BUTTON_TEXT),
                    "value": card_part_value(card.id, part),
                }
                for n, part in enumerate(view.more_parts)
            ]
            blocks.append({"type": "actions", "elements": buttons})
    footer = []
    if view.part in (CardPart.SHORT, CardPart.FULL):
        if card.demos:
            footer.append(
                f"{wording.TRY_IT_LIVE}: " + ", ".join(code(f"/quiz demo {d}") for d in card.demos)
            )
        if card.next:
            footer.append(
                f"{wording.NEXT}: " + ", ".join(code(f"/quiz card {n}") for n in card.next)
            )
    if footer:
        blocks.append(context(*footer))
    return paginate(blocks, fallback=f"Card: {view.title}")


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


@render_result.register
def _demo(result: DemoResult) -> list[SlackMessage]:
    if not result.ok:
        return render(Notice(result.error, error=True))
    blocks: list[Block] = [header(result.title)]
    blocks.append(fields_section([(escape(m.label), escape(m.value)) for m in result.measurements]))
    blocks += sections(escape(result.lesson))
    blocks.append(context(escape(result.details), f"See `/quiz card {result.card_id}`"))
    return paginate(blocks, fallback=result.title, public=True)


# -- the daily question --------------------------------------------------------------------


def slack_time(instant: datetime, fallback: str) -> str:
    """A time Slack shows in each reader's own zone (``fallback`` where it cannot)."""
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} {{time}}|{escape(fallback)}>"


@render_result.register
def _daily_question(daily: DailyQuestion) -> list[SlackMessage]:
    # the close in the schedule's zone: the channel's agreed time
    blocks = [
        header(daily.title),
        *question_blocks(daily.view, note=f"*{escape(daily.closes_text)}*"),
    ]
    return paginate(blocks, fallback=f"{daily.title}: {daily.view.prompt}", public=True)


def _typed_daily_results(results: DailyResults, summary: str) -> list[SlackMessage]:
    accepted = ", ".join(results.accepted)
    blocks: list[Block] = [
        header(results.title),
        *sections(f"{prompt_mrkdwn(results.prompt)}\n{escape(summary)}"),
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


@render_result.register
def _daily_results(results: DailyResults) -> list[SlackMessage]:
    if results.typed:
        return _typed_daily_results(results, results.summary_text)
    lines = [
        f"`{share_bar(row.share)}` *{row.letter})* {escape(row.text)} — {row.count_text}"
        + (" ✅" if row.correct else "")
        + (f"\n      ↳ _{escape(row.feedback_text)}_" if row.feedback_text else "")
        for row in results.rows
    ]
    blocks: list[Block] = [
        header(results.title),
        *sections(f"{prompt_mrkdwn(results.prompt)}\n{escape(results.summary_text)}"),
        *sections("\n".join(lines)),
        *sections(f"*{escape(results.answer_text)}*\n*Why:* {escape(results.why)}"),
    ]
    footer = [f"{escape(results.card_title)} · Q{results.post_id}"]
    if results.first_right:
        first = f"🏅 {escape(results.first_right_text)}"
        if results.first_right_at is not None:
            at = results.first_right_at
            first += " at " + slack_time(at, f"{at:%Y-%m-%d %H:%M} UTC")
        footer.insert(0, first)
    blocks.append(context(*footer))
    fallback = f"{results.title}: {results.summary_text} {results.answer_text}"
    return paginate(blocks, fallback=fallback, public=True)


@render_result.register
def _schedule(info: ScheduleInfo) -> list[SlackMessage]:
    pairs = [
        (f.label, f"`{escape(f.value)}`" if f.literal else escape(f.value)) for f in info.facts
    ]
    blocks = [
        *sections(f"*{escape(info.title)}* in <#{info.channel.channel_id}>"),
        fields_section(pairs),
        context(escape(info.admin_hint)),
    ]
    return paginate(blocks, fallback=f"{info.title}: {info.when_text}")


@render_result.register(list)
def _list(items: list[Any]) -> list[SlackMessage]:
    if not items:
        return render(Notice(NOTHING_HERE))
    if all(isinstance(i, TopicInfo) for i in items):
        return paginate(topic_blocks(items), fallback=wording.TOPICS_TITLE)
    raise NoRenderer("Slack", items[0])


def topic_blocks(topics: list[TopicInfo]) -> list[Block]:
    lines = []
    for t in topics:
        demos = f" · demos: {', '.join(t.demos)}" if t.demos else ""
        lines.append(
            f"• *{escape(t.title)}* — `{t.id}` · {escape(t.track)} · {t.questions} questions{demos}"
        )
    return [
        *sections(f"*{wording.TOPICS_TITLE}*\n" + "\n".join(lines)),
        context(escape(wording.TOPICS_HINT)),
    ]


@render_result.register
def _stats(stats: UserStats) -> list[SlackMessage]:
    return paginate(stats_blocks(stats), fallback=stats.headline)


def stats_blocks(stats: UserStats, title: str | None = None) -> list[Block]:
    blocks = sections(title or f"*{escape(stats.headline)}*")
    blocks.append(fields_section([(f.label, escape(f.value)) for f in stats.facts]))
    lines = [f"• {escape(line)}" for line in stats.topic_lines]
    lines += [f"• {escape(label)}: {escape(value)}" for label, value in stats.extra]
    if lines:
        blocks += sections("\n".join(lines))
    if stats.progress_lines:
        review = [f"• {escape(line)}" for line in stats.progress_lines]
        blocks += sections(f"*{SPACED_REPETITION}*\n" + "\n".join(review))
        blocks.append(context(escape(stats.review_text)))
    return blocks


@render_result.register
def _leaderboard(board: Leaderboard) -> list[SlackMessage]:
    return paginate(leaderboard_blocks(board), fallback=board.title)


def leaderboard_blocks(board: Leaderboard) -> list[Block]:
    title = f"*{escape(board.title)}*"
    notes = [escape(note) for note in board.notes]
    if not board.rows:
        return [
            *sections(f"{title}\n{escape(board.empty_text)}"),
            *([context(*notes)] if notes else []),
        ]
    lines = [title]
    me_key = board.me.user_key if board.me else None
    for row in board.rows:
        name = escape(row.display_name)
        name = f"*{name}* (you)" if row.user_key == me_key else name
        medal = MEDALS.get(row.rank, f"{row.rank}.")
        lines.append(f"{medal} {name} — {escape(board.values_text(row))}")
    blocks = sections("\n".join(lines))
    if notes:
        blocks.append(context(*notes))
    return blocks


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


@render_result.register
def _study_group(group: StudyGroup) -> list[SlackMessage]:
    return render(Notice(group.text))  # a Notice's text is escaped for mrkdwn


@render_result.register
def _groups(groups: GroupList) -> list[SlackMessage]:
    if not groups.groups:
        return paginate(sections(escape(groups.empty_text)), fallback=groups.empty_text)
    lines = [f"• *{escape(g.name)}* — {g.members_text}" for g in groups.groups]
    blocks = [
        *sections(f"*{groups.title}*\n" + "\n".join(lines)),
        context(escape(groups.hint)),
    ]
    return paginate(blocks, fallback=f"{groups.title}: {len(groups.groups)}")


@render_result.register
def _members(group: GroupMembers) -> list[SlackMessage]:
    if not group.members:
        return paginate(sections(escape(group.empty_text)), fallback=group.empty_text)
    lines = [f"• {escape(m)}" for m in group.members]
    head = f"*{escape(group.title)}*"
    return paginate(sections("\n".join([head, *lines])), fallback=group.title)


@render_result.register
def _group_summary(summary: GroupSummary) -> list[SlackMessage]:
    facts = (summary.members_fact, summary.week_fact)
    blocks: list[Block] = [
        header(summary.title),
        fields_section([(escape(f.label), escape(f.value)) for f in facts]),
    ]
    if summary.per_topic:
        lines = [f"• {escape(t.text)}" for t in summary.per_topic]
        blocks += sections(f"*{summary.per_topic_title}*\n" + "\n".join(lines))
    m = summary.misconception
    if m is None:
        blocks.append(context(escape(summary.no_misconception_text)))
    else:
        blocks += sections(f"*{m.title}*\n" + "\n".join(escape(line) for line in m.lines))
    return paginate(blocks, fallback=summary.title)


@render_result.register
def _review(session: ReviewSession) -> list[SlackMessage]:
    """The whole session in one ephemeral message: the questions are the requester's own
    review posts, each answered privately by its buttons like any question."""
    if not session.questions:
        return paginate(sections(escape(session.empty_text)), fallback=session.empty_text)
    count = len(session.questions)
    blocks: list[Block] = [header(session.intro_text)]
    for n, view in enumerate(session.questions, 1):
        note = f"{n}/{count} · only you can answer this one"
        blocks += question_blocks(view, note, first_action=10 * (n - 1), shared=False)
    return paginate(blocks, fallback=session.intro_text)
