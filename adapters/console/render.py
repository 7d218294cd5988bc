"""The console's one renderer: core results -> rich renderables.

Text from users and content is never interpreted: every string becomes a ``Text`` (no rich
markup, so a name like ``[bold]x`` prints as typed), and ``safe`` drops control and escape
characters from whatever is finally printed (a display name cannot retitle or recolour the
terminal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import singledispatch
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from adapters.platform import Capabilities, NoRenderer
from bot.demos import DemoResult
from bot.features.boards import Leaderboard, UserStats
from bot.features.boards.results import SPACED_REPETITION
from bot.features.daily import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.groups import GroupList, GroupMembers, GroupSummary, StudyGroup
from bot.features.live import (
    LivePodium,
    LiveProgress,
    LiveRound,
    LiveScoreboard,
    LiveStarted,
    LockedIn,
    RoundReveal,
    Standing,
)
from bot.features.quiz import (
    AnswerResult,
    CardPart,
    CardView,
    FlashcardBack,
    QuestionView,
    ReviewSession,
    TopicInfo,
    wording,
)
from bot.features.quiz.results import letter_of
from bot.features.teacher import DashboardLink, FlaggedItems
from bot.kernel.results import DONE, Notice

# what a terminal lacks, said in its own words: no buttons (a letter answers), no edits, no
# private replies, pictures saved as files
CONSOLE = Capabilities(buttons=False, edits=False, private_replies=False, pictures_inline=False)

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
    """Each core result type registers its renderer here; one without is a bug."""
    raise NoRenderer("the console", reply)


@render.register(type(None))
def _nothing(reply: None) -> RenderableType:
    return Text(DONE)


@render.register
def _text(text: Text) -> RenderableType:
    return text


@render.register
def _study_group(group: StudyGroup) -> RenderableType:
    return Text(group.text)


@render.register
def _notice(reply: Notice) -> RenderableType:
    head = Text(reply.text, style="bold red" if reply.error else "")
    return Group(head, *(Text("  " + line) for line in reply.lines)) if reply.lines else head


def _bullets(marker: str, items: Iterable[str], indent: int = 2) -> Table:
    """Bulleted lines whose wrapped lines stay indented under their text, not the bullet."""
    grid = Table.grid()
    grid.add_column(width=indent + len(marker) + 1, no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row(Text(" " * indent + marker), Text(item))
    return grid


def _prompt(prompt: str) -> Text:
    """A question's prompt: prose in bold, a fenced code snippet (between lines of three
    backticks) indented and plain, without the fences."""
    text, in_code = Text(), False
    for line in prompt.split("\n"):
        if line.strip() == "```":
            in_code = not in_code
            continue
        if text:
            text.append("\n")
        text.append(f"    {line}" if in_code else line, style="" if in_code else "bold")
    return text


@render.register
def _question(view: QuestionView) -> RenderableType:
    if view.typed:
        return _typed_question(view)
    if view.flashcard:
        why = f" · {view.reason}" if view.reason else ""
        return Group(
            Text.assemble((f"Q{view.post_id} 🃏 ", "dim"), _prompt(view.prompt)),
            Text(
                f"  {view.card_title}{why} — think of the answer, then press S to see it",
                style="dim",
            ),
        )
    lines: list[RenderableType] = [
        Text.assemble((f"Q{view.post_id} ", "dim"), _prompt(view.prompt))
    ]
    lines.append(_bullets("", (c.label for c in view.shown), indent=1))
    why = f" · {view.reason}" if view.reason else ""
    how = (
        "choose all that apply: type their letters, e.g. A C"
        if view.multi
        else "answer with a letter or number"
    )
    lines.append(Text(f"  {view.card_title}{why} — {how}", style="dim"))
    return Group(*lines)


def _typed_question(view: QuestionView) -> RenderableType:
    why = f" · {view.reason}" if view.reason else ""
    return Group(
        Text.assemble((f"Q{view.post_id} ", "dim"), _prompt(view.prompt)),
        Text(f"  {view.card_title}{why} — type your answer", style="dim"),
    )


@render.register
def _flashcard_back(back: FlashcardBack) -> RenderableType:
    return Group(
        Text("The back:", style="bold"),
        Text(back.back),
        Text(back.prompt_text, style="dim"),
        _bullets("", (c.label for c in back.view.shown), indent=1),
        Text("  answer with a letter (or Y / N)", style="dim"),
    )


@render.register
def _answer(result: AnswerResult) -> RenderableType:
    if result.already_answered:
        style = "yellow"
    else:
        style = "bold green" if result.correct else "bold red"
    lines: list[RenderableType] = [Text(result.headline, style=style)]
    if result.typed_text:
        lines.append(Text(result.typed_text, style="dim"))
    lines.append(Text(result.answer_text))
    if result.feedback_text:
        lines.append(Text(result.feedback_text, style="italic"))
    lines.append(Text(result.why_text))
    lines.append(Text(result.standing_text, style="dim"))
    return Group(*lines)


@render.register
def _card(view: CardView) -> RenderableType:
    card = view.card
    parts: list[RenderableType] = []
    if view.part in (CardPart.SHORT, CardPart.FULL):
        parts.append(Text(card.summary, style="italic"))
    if view.part in (CardPart.SECTIONS, CardPart.FULL):
        for section in card.sections:
            parts.append(Text(section.heading, style="bold"))
            parts.append(_bullets("•", section.points))
    if view.shows_table and card.table is not None:
        table = _table(*card.table.columns, title=wording.SIDE_BY_SIDE)
        for row in card.table.rows:
            _row(table, *row)
        parts.append(table)
    if view.shows_picture and card.diagram:
        parts.append(
            Panel(Text(card.diagram.rstrip()), title=Text(wording.PICTURING_IT), expand=False)
        )
        if card.diagram_caption:
            parts.append(Text(card.diagram_caption, style="dim"))
    if view.part in (CardPart.MISCONCEPTIONS, CardPart.FULL) and card.misconceptions:
        parts.append(Text(wording.MISCONCEPTIONS, style="bold"))
        for m in card.misconceptions:
            parts.append(_bullets("✗", [m.claim]))
            parts.append(_bullets("✓", [m.truth], indent=4))
    if view.part in (CardPart.RECAP, CardPart.FULL):
        parts.append(Text(wording.RECAP, style="bold"))
        parts.append(_bullets("✅", card.recap))
    if view.part == CardPart.SHORT:
        if view.key_idea:
            parts.append(Text.assemble((f"{wording.KEY_IDEA}: ", "bold"), view.key_idea))
        parts.append(Text(view.sections_text, style="dim"))
        parts.append(Text(f"{wording.MORE}: {view.more_text}", style="dim"))
    if view.part in (CardPart.SHORT, CardPart.FULL):
        if card.demos:
            parts.append(Text(f"{wording.TRY_IT_LIVE}: {view.demos_text}"))
        if card.next:
            parts.append(Text(f"{wording.NEXT}: {view.next_text}", style="dim"))
    return Panel(Group(*parts), title=Text(f"{view.title} · {card.track}"))


@render.register(list)
def _topics(topics: list[TopicInfo]) -> RenderableType:
    table = _table("topic", "title", "track", "questions", title=wording.TOPICS_TITLE)
    for t in topics:
        _row(table, t.id, t.title, t.track, str(t.questions))
    return Group(table, Text(wording.TOPICS_HINT, style="dim"))


@render.register
def _stats(stats: UserStats) -> RenderableType:
    lines: list[RenderableType] = [
        Text(stats.headline, style="bold"),
        Text(stats.summary_text),
    ]
    lines += [Text(f"  {line}") for line in stats.topic_lines]
    if stats.progress_lines:
        lines.append(Text(SPACED_REPETITION, style="bold"))
        lines += [Text(f"  {line}") for line in stats.progress_lines]
        lines.append(Text(f"  {stats.review_text}"))
    lines += [Text(f"  {label}: {value}") for label, value in stats.extra]
    return Group(*lines)


@render.register
def _leaderboard(board: Leaderboard) -> RenderableType:
    if not board.rows:
        parts: list[RenderableType] = [Text(board.title, style="bold"), Text(board.empty_text)]
    else:
        table = _table("#", "who", "score", title=board.title)
        for row in board.rows:
            _row(table, str(row.rank), row.display_name, board.values_text(row))
        parts = [table]
    parts += [Text(note, style="dim") for note in board.notes]
    return Group(*parts)


@render.register
def _groups(groups: GroupList) -> RenderableType:
    if not groups.groups:
        return Text(groups.empty_text)
    table = _table("group", "members", "you", title=groups.title)
    for g in groups.groups:
        _row(table, g.name, str(g.members), "✓" if g.is_member else "")
    return Group(table, Text(groups.hint, style="dim"))


@render.register
def _members(group: GroupMembers) -> RenderableType:
    if not group.members:
        return Text(group.empty_text)
    return Group(Text(group.title, style="bold"), _bullets("•", group.members))


@render.register
def _group_summary(summary: GroupSummary) -> RenderableType:
    lines: list[RenderableType] = [Text(summary.title, style="bold")]
    lines += [Text(f"{f.label}: {f.value}") for f in (summary.members_fact, summary.week_fact)]
    if summary.per_topic:
        lines.append(Text(summary.per_topic_title, style="bold"))
        lines += [Text(f"  {t.text}") for t in summary.per_topic]
    m = summary.misconception
    if m is None:
        lines.append(Text(summary.no_misconception_text, style="dim"))
    else:
        lines.append(Text(m.title, style="bold"))
        lines += [Text(f"  {line}") for line in m.lines]
    return Group(*lines)


@render.register
def _daily_question(daily: DailyQuestion) -> RenderableType:
    head = Text(daily.title, style="bold cyan")
    closes = Text(f"  {daily.closes_text}", style="dim")
    return Group(head, _question(daily.view), closes)


@render.register
def _daily_results(results: DailyResults) -> RenderableType:
    lines: list[RenderableType] = [
        Text(results.title, style="bold cyan"),
        _prompt(results.prompt),
        Text(results.summary_text),
    ]
    if results.typed:
        accepted = ", ".join(results.accepted)
        lines.append(Text(f"Answer: {results.correct_text} (accepted: {accepted})"))
    for row in results.rows:
        mark = " ✅" if row.correct else ""
        lines.append(Text(f"  {row.letter}) {row.text} — {row.count_text}{mark}"))
        if row.feedback_text:
            lines.append(_bullets("↳", [row.feedback_text], indent=5))
    if not results.typed:
        lines.append(Text(results.answer_text))
    lines.append(Text(results.why_text))
    if results.first_right_text:
        lines.append(Text(results.first_right_text, style="green"))
    return Group(*lines)


@render.register
def _review(session: ReviewSession) -> RenderableType:
    if not session.questions:
        return Text(session.empty_text)
    return Text(session.intro_text, style="bold")


@render.register
def _schedule(info: ScheduleInfo) -> RenderableType:
    lines: list[RenderableType] = [Text(info.title, style="bold")]
    lines += [Text(f"  {f.label}: {f.value}") for f in info.facts]
    lines.append(Text(info.admin_hint, style="dim"))
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


# -- the live quiz (quiz night) ------------------------------------------------------------------


@render.register
def _live_started(started: LiveStarted) -> RenderableType:
    return Text(started.text_for(CONSOLE.answer_hint), style="bold cyan")


def _standing(s: Standing) -> Text:
    medal = {1: "🥇", 2: "🥈", 3: "🥉"}.get(s.rank, f"{s.rank}.")
    return Text(f"  {medal} {s.name} — {s.score_text}")


@render.register
def _live_progress(progress: LiveProgress) -> RenderableType:
    lines = [Text(progress.text), *(_standing(s) for s in progress.leaders)]
    if progress.closes_at is not None:
        left = max(
            0, round((progress.closes_at - datetime.now(progress.closes_at.tzinfo)).total_seconds())
        )
        lines.append(Text(f"  this round closes in {left} s", style="dim"))
    return Group(*lines)


@render.register
def _live_round(live_round: LiveRound) -> RenderableType:
    """The console shows the seconds left when the round is posted (no countdown redraws)."""
    head = Text(live_round.title, style="bold cyan")
    closes = Text(
        f"  {live_round.seconds} s to answer ({live_round.closes_text}) — {live_round.rules_text}",
        style="dim",
    )
    return Group(head, _question(live_round.view), closes)


@render.register
def _round_reveal(reveal: RoundReveal) -> RenderableType:
    view = reveal.view
    lines = [
        Text(f"{reveal.title} closed: {reveal.summary}", style="bold cyan"),
        _prompt(view.prompt),
    ]
    for c in view.shown:
        mark = " ✅" if c.index == reveal.correct_index else ""
        lines.append(
            Text(f"  {c.label} — {reveal.counts[c.index]} ({reveal.share(c.index):.0%}){mark}")
        )
    lines.append(
        Text(f"Answer: {letter_of(view.order, reveal.correct_index)}) {reveal.correct_text}")
    )
    lines.append(Text(f"Why: {reveal.why}"))
    if reveal.fastest is not None:
        fastest = reveal.fastest.text_for(reveal.fastest.name)
        lines.append(Text(f"⚡ Fastest: {fastest}", style="green"))
    return Group(*lines)


@render.register
def _live_scoreboard(board: LiveScoreboard) -> RenderableType:
    lines = [Text(board.title, style="bold")]
    lines += [_standing(s) for s in board.standings] or [Text(f"  {board.empty_text}")]
    return Group(*lines)


@render.register
def _live_podium(podium: LivePodium) -> RenderableType:
    lines = [Text(podium.title, style="bold cyan")]
    lines += [_standing(s) for s in podium.standings] or [Text(f"  {podium.empty_text}")]
    lines.append(Text(podium.ending))
    missed = podium.missed_most
    if missed is not None:
        lines.append(Text(missed.title, style="bold"))
        lines.append(Text(f"  {missed.prompt}"))
        lines.append(Text(f"  Answer: {missed.correct_text}"))
        lines.append(Text(f"  Why: {missed.why}"))
    return Group(*lines)


@render.register
def _locked_in(locked: LockedIn) -> RenderableType:
    return Text(locked.text, style="yellow")


# -- the teacher's view -----------------------------------------------------------------------


@render.register
def _flagged_items(flagged: FlaggedItems) -> RenderableType:
    lines: list[RenderableType] = [Text(flagged.title, style="bold"), Text(flagged.summary)]
    for item in flagged.shown:
        lines.append(Text.assemble((item.prompt, "bold"), (f" ({item.card_title})", "dim")))
        lines.append(_bullets("•", FlaggedItems.lines(item)))
    if flagged.more_text:
        lines.append(Text(flagged.more_text, style="dim"))
    return Group(*lines)


@render.register
def _dashboard_link(link: DashboardLink) -> RenderableType:
    return Group(Text(link.text), Text(link.warning, style="dim"))
