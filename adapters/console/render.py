"""The console's one renderer: core results -> rich renderables.

Text from users and content is never interpreted: every string becomes a ``Text`` (no rich
markup, so a name like ``[bold]x`` prints as typed), and ``safe`` drops control and escape
characters from whatever is finally printed (a display name cannot retitle or recolour the
terminal).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from functools import singledispatch
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from bot.content import Card
from bot.demos import DemoResult
from bot.features.boards import Leaderboard, UserStats
from bot.features.daily import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.groups import GroupList, GroupMembers, GroupSummary
from bot.features.quiz import AnswerResult, QuestionView, ReviewSession, TopicInfo
from bot.kernel.clock import format_local
from bot.kernel.results import Notice

LETTERS = "ABCDEF"

# C0 controls but newline and tab, DEL, C1 controls (\x9b is a one-byte CSI), bidi overrides
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile(f"{_UNPRINTABLE.pattern}|{_SURROGATE.pattern}")


class Safe:
    """A renderable printed without any control or escape character from its text (the
    styles rich itself adds are not in the text, so they survive); lone surrogates, which no
    encoder accepts, become U+FFFD."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        for segment in console.render(self.inner, options):
            if segment.control is None and _UNSAFE.search(segment.text):
                yield Segment(
                    _SURROGATE.sub("\ufffd", _UNPRINTABLE.sub("", segment.text)), segment.style
                )
            else:
                yield segment


def safe(reply: Any) -> RenderableType:
    """What the console prints for a reply: its rendering, made safe for the terminal."""
    return Safe(render(reply))


def _table(*columns: str, title: str | None = None) -> Table:
    table = Table(title=Text(title, style="table.title") if title else None)
    for column in columns:
        table.add_column(Text(column, style="table.header"))
    return table


def _row(table: Table, *cells: str) -> None:
    table.add_row(*(Text(cell) for cell in cells))


@singledispatch
def render(reply: Any) -> RenderableType:
    return Text(str(reply))


@render.register
def _text(text: Text) -> RenderableType:
    return text


@render.register
def _notice(reply: Notice) -> RenderableType:
    head = Text(reply.text, style="bold red" if reply.error else "")
    return Group(head, *(Text("  " + line) for line in reply.lines)) if reply.lines else head


@render.register
def _question(view: QuestionView) -> RenderableType:
    if view.typed:
        return _typed_question(view)
    lines = [Text.assemble((f"Q{view.post_id} ", "dim"), (view.prompt, "bold"))]
    lines += [Text(f"  {LETTERS[i]}) {choice}") for i, choice in enumerate(view.choices)]
    why = f" · {view.reason}" if view.reason else ""
    lines.append(Text(f"  {view.card_title}{why} — answer with a letter or number", style="dim"))
    return Group(*lines)


def _typed_question(view: QuestionView) -> RenderableType:
    why = f" · {view.reason}" if view.reason else ""
    return Group(
        Text.assemble((f"Q{view.post_id} ", "dim"), (view.prompt, "bold")),
        Text(f"  {view.card_title}{why} — type your answer", style="dim"),
    )


def _typed_answer(result: AnswerResult) -> RenderableType:
    if result.already_answered:
        head = Text(f"You already answered: {result.typed} — no change.", style="yellow")
    elif result.correct:
        head = Text(f"✅ Correct! {result.score_text}", style="bold green")
    else:
        head = Text(f"❌ Not quite. The answer is {result.accepted_text}", style="bold red")
    return Group(
        Text(f"You typed: {result.typed}", style="dim"),
        head,
        Text(f"Why: {result.why}"),
        Text(f"Total: {result.total_points} points · streak {result.streak}", style="dim"),
    )


@render.register
def _answer(result: AnswerResult) -> RenderableType:
    if result.typed is not None:
        return _typed_answer(result)
    if result.already_answered:
        head = Text(
            f"You already answered: {LETTERS[result.chosen_index]}) {result.chosen_text}"
            " — no change.",
            style="yellow",
        )
    elif result.correct:
        head = Text(f"✅ Correct! {result.score_text}", style="bold green")
    else:
        head = Text(
            f"❌ Not quite. The answer is {LETTERS[result.correct_index]}) {result.correct_text}",
            style="bold red",
        )
    return Group(
        head,
        Text(f"Why: {result.why}"),
        Text(f"Total: {result.total_points} points · streak {result.streak}", style="dim"),
    )


@render.register
def _card(card: Card) -> RenderableType:
    parts: list[RenderableType] = [Text(card.summary, style="italic")]
    for section in card.sections:
        parts.append(Text(section.heading, style="bold"))
        parts += [Text(f"  • {point}") for point in section.points]
    if card.table is not None:
        table = _table(*card.table.columns, title="Side by side")
        for row in card.table.rows:
            _row(table, *row)
        parts.append(table)
    if card.diagram:
        parts.append(Panel(Text(card.diagram.rstrip()), title=Text("Picturing it"), expand=False))
        if card.diagram_caption:
            parts.append(Text(card.diagram_caption, style="dim"))
    if card.misconceptions:
        parts.append(Text("Common misconceptions", style="bold"))
        for m in card.misconceptions:
            parts.append(Text(f"  ✗ {m.claim}"))
            parts.append(Text(f"    ✓ {m.truth}"))
    parts.append(Text("Recap", style="bold"))
    parts += [Text(f"  ✅ {point}") for point in card.recap]
    if card.demos:
        parts.append(Text("Try it live: " + ", ".join(f"/demo {d}" for d in card.demos)))
    if card.next:
        parts.append(Text("Next: " + ", ".join(f"/card {n}" for n in card.next), style="dim"))
    return Panel(Group(*parts), title=Text(f"{card.title} · {card.track}"))


@render.register(list)
def _topics(topics: list[TopicInfo]) -> RenderableType:
    table = _table("topic", "title", "track", "questions", title="Topics")
    for t in topics:
        _row(table, t.id, t.title, t.track, str(t.questions))
    return table


@render.register
def _stats(stats: UserStats) -> RenderableType:
    lines = [
        Text(f"{stats.display_name}: {stats.points} points", style="bold"),
        Text(
            f"answered {stats.answered}, correct {stats.correct} ({stats.accuracy:.0%}),"
            f" streak {stats.streak} (best {stats.best_streak})"
        ),
    ]
    for t in stats.per_topic:
        lines.append(Text(f"  {t.topic}: {t.correct}/{t.answered} ({t.accuracy:.0%})"))
    if stats.progress:
        lines.append(Text("Spaced repetition (mastered / learning / new):", style="bold"))
        for p in stats.progress:
            due = f" · {p.due} due" if p.due else ""
            lines.append(Text(f"  {p.topic}: {p.mastered} / {p.learning} / {p.new}{due}"))
        if stats.due_now:
            lines.append(Text(f"  {stats.due_now} due now — /quiz review"))
        if stats.next_due is not None:
            lines.append(Text(f"  next review due {when(stats.next_due)}"))
    lines += [Text(f"  {label}: {value}") for label, value in stats.extra]
    return Group(*lines)


def when(moment: datetime) -> str:
    """A time already in the workspace's zone, e.g. 2026-03-03 09:10 PST."""
    return moment.strftime("%Y-%m-%d %H:%M %Z")


@render.register
def _leaderboard(board: Leaderboard) -> RenderableType:
    since = f" (since {when(board.since)})" if board.since else ""
    if not board.rows:
        empty = "no answers yet" if board.sort == "points" else f"nobody ranked by {board.sort} yet"
        parts: list[RenderableType] = [Text(f"{board.title}{since}: {empty}.")]
    else:
        value = {"streak": "streak", "mastered": "mastered"}.get(board.sort)
        # the daily question's streaks, once anyone on the board has one
        daily = any(row.best_daily_streak for row in board.rows)
        columns = ["#", "who", "points", "accuracy", "answers"] + ([value] if value else [])
        table = _table(*columns, *(["daily (best)"] if daily else []), title=board.title + since)
        for row in board.rows:
            cells = [str(row.rank), row.display_name, str(row.points), f"{row.accuracy:.0%}"]
            cells.append(str(row.answered))
            if value:
                cells.append(str(row.streak if value == "streak" else row.mastered))
            if daily:
                cells.append(f"{row.daily_streak} ({row.best_daily_streak})")
            _row(table, *cells)
        parts = [table]
    if board.min_answers:
        parts.append(Text(f"Ranked: {board.min_answers}+ answers.", style="dim"))
    me = board.me
    if me and all(r.user_key != me.user_key for r in board.rows):
        if me.rank == 0:
            more = board.min_answers - me.answered
            parts.append(
                Text(f"You: not ranked yet — {more} more answer(s) to qualify ({me.accuracy:.0%}).")
            )
        elif (
            board.sort in ("streak", "mastered")
            and not (me.streak, me.mastered)[board.sort == "mastered"]
        ):
            nothing = "no current streak" if board.sort == "streak" else "nothing mastered yet"
            parts.append(Text(f"You: {nothing}."))
        else:
            shown = {
                "points": f"{me.points} points",
                "accuracy": f"{me.accuracy:.0%} accuracy",
                "streak": f"a {me.streak}-day streak",
                "mastered": f"{me.mastered} mastered",
            }[board.sort]
            parts.append(Text(f"You: #{me.rank} of {board.total_players} with {shown}"))
    return Group(*parts)


@render.register
def _groups(groups: GroupList) -> RenderableType:
    if not groups.groups:
        return Text("No study groups yet; an admin can /quiz group create <name>.")
    table = _table("group", "members", "you", title="Study groups")
    for g in groups.groups:
        _row(table, g.name, str(g.members), "✓" if g.is_member else "")
    return table


@render.register
def _members(group: GroupMembers) -> RenderableType:
    if not group.members:
        return Text(f"{group.name} has no members yet: /quiz group join {group.name}")
    return Group(
        Text(f"{group.name}: {len(group.members)} member(s)", style="bold"),
        *(Text(f"  • {name}") for name in group.members),
    )


@render.register
def _group_summary(summary: GroupSummary) -> RenderableType:
    week_accuracy = (
        f" ({summary.correct_this_week / summary.answers_this_week:.0%} right)"
        if summary.answers_this_week
        else ""
    )
    lines: list[RenderableType] = [
        Text(f"Study group {summary.name}", style="bold"),
        Text(f"Members ({len(summary.members)}): {', '.join(summary.members) or 'none yet'}"),
        Text(
            f"Answers this week (since {when(summary.week_since)}):"
            f" {summary.answers_this_week}{week_accuracy}"
        ),
    ]
    if summary.per_topic:
        lines.append(Text("Accuracy per topic (all time):", style="bold"))
        lines += [
            Text(f"  {t.topic}: {t.correct}/{t.answered} ({t.accuracy:.0%})")
            for t in summary.per_topic
        ]
    m = summary.misconception
    if m is None:
        lines.append(Text("No wrong answers yet — nothing to revisit.", style="dim"))
    else:
        lines += [
            Text("Most-picked misconception — revisit this:", style="bold"),
            Text(f"  {m.prompt} ({m.card_title})"),
            Text(f"  ✗ picked {m.times}× by {m.users} member(s): {m.wrong_choice}"),
            Text(f"  ✓ {m.correct_choice}"),
            Text(f"  Why: {m.why}"),
        ]
    return Group(*lines)


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


@render.register
def _daily_question(daily: DailyQuestion) -> RenderableType:
    head = Text(f"📅 Daily question for {_day(daily.local_date)}", style="bold cyan")
    closes = Text(f"  answers close {format_local(daily.closes_at)}", style="dim")
    return Group(head, _question(daily.view), closes)


@render.register
def _daily_results(results: DailyResults) -> RenderableType:
    lines = [
        Text(
            f"📊 Daily results for {_day(results.local_date)}: {results.answered} answered,"
            f" {results.right} right",
            style="bold cyan",
        ),
        Text(results.prompt, style="bold"),
    ]
    if results.typed:
        accepted = ", ".join(results.accepted)
        lines.append(Text(f"Answer: {results.correct_text} (accepted: {accepted})"))
    for i, choice in enumerate(results.choices):
        mark = " ✅" if i == results.correct_index else ""
        lines.append(
            Text(f"  {LETTERS[i]}) {choice} — {results.counts[i]} ({results.share(i):.0%}){mark}")
        )
    if not results.typed:
        lines.append(Text(f"Answer: {LETTERS[results.correct_index]}) {results.correct_text}"))
    lines.append(Text(f"Why: {results.why}"))
    if results.first_right:
        lines.append(Text(f"First right: {results.first_right}", style="green"))
    return Group(*lines)


@render.register
def _review(session: ReviewSession) -> RenderableType:
    if not session.questions:
        later = f" Next review due {when(session.next_due)}." if session.next_due else ""
        return Text(f"Nothing is due for review.{later} Try /quiz for a new question.")
    more = session.due_total - len(session.questions)
    rest = f" ({more} more due after this)" if more > 0 else ""
    return Text(
        f"Review: {len(session.questions)} question(s) due{rest}. Answer each one in turn.",
        style="bold",
    )


@render.register
def _schedule(info: ScheduleInfo) -> RenderableType:
    head = "Daily question set for this channel" if info.changed else "Daily question here"
    what = f"{head}: {info.local_time} {info.zone}, {info.days_text}"
    lines = [Text(what, style="bold")]
    lines.append(Text(f"  topic: {info.topic or 'all topics'}"))
    window = f"{info.window_hours} h" if info.window_hours else "until the next post"
    lines.append(Text(f"  answers open: {window}"))
    if info.next_post:
        lines.append(Text(f"  Next post: {format_local(info.next_post)}"))
    if info.last_post:
        lines.append(Text(f"  last post: {info.last_post}", style="dim"))
    return Group(*lines)


@render.register
def _demo(result: DemoResult) -> RenderableType:
    if not result.ok:
        return Text(result.error, style="bold red")
    table = _table("measured", "value", title=result.title)
    for m in result.measurements:
        _row(table, m.label, m.value)
    parts: list[RenderableType] = [table, Text(result.lesson)]
    if result.details:
        parts.append(Text(result.details, style="dim"))
    parts.append(Text(f"See /card {result.card_id}", style="dim"))
    return Group(*parts)
