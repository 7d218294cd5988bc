"""The console's one renderer: core results -> rich renderables."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.content import Card
from bot.demos import DemoResult
from bot.models import AnswerResult, Leaderboard, Notice, QuestionView, TopicInfo, UserStats

LETTERS = "ABCDEF"


@singledispatch
def render(reply: Any) -> RenderableType:
    return Text(str(reply))


@render.register
def _notice(reply: Notice) -> RenderableType:
    head = Text(reply.text, style="bold red" if reply.error else "")
    return Group(head, *(Text("  " + line) for line in reply.lines)) if reply.lines else head


@render.register
def _question(view: QuestionView) -> RenderableType:
    lines = [Text.assemble((f"Q{view.post_id} ", "dim"), (view.prompt, "bold"))]
    lines += [Text(f"  {LETTERS[i]}) {choice}") for i, choice in enumerate(view.choices)]
    why = f" · {view.reason}" if view.reason else ""
    lines.append(Text(f"  {view.card_title}{why} — answer with a letter or number", style="dim"))
    return Group(*lines)


@render.register
def _answer(result: AnswerResult) -> RenderableType:
    if result.already_answered:
        head = Text(
            f"You already answered: {LETTERS[result.chosen_index]}) {result.chosen_text}"
            " — no change.",
            style="yellow",
        )
    elif result.correct:
        head = Text(f"✅ Correct! +{result.points_gained} points", style="bold green")
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
        table = Table(*card.table.columns, title="Side by side")
        for row in card.table.rows:
            table.add_row(*row)
        parts.append(table)
    if card.diagram:
        parts.append(Panel(Text(card.diagram.rstrip()), title="Picturing it", expand=False))
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
    return Panel(Group(*parts), title=f"{card.title} · {card.track}")


@render.register(list)
def _topics(topics: list[TopicInfo]) -> RenderableType:
    table = Table("topic", "title", "track", "questions", title="Topics")
    for t in topics:
        table.add_row(t.id, t.title, t.track, str(t.questions))
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
    lines += [Text(f"  {label}: {value}") for label, value in stats.extra]
    return Group(*lines)


@render.register
def _leaderboard(board: Leaderboard) -> RenderableType:
    if not board.rows:
        return Text(f"{board.title}: no answers yet.")
    table = Table("#", "who", "points", "accuracy", "streak", title=board.title)
    for row in board.rows:
        table.add_row(
            str(row.rank), row.display_name, str(row.points), f"{row.accuracy:.0%}", str(row.streak)
        )
    parts: list[RenderableType] = [table]
    if board.me and all(r.user_key != board.me.user_key for r in board.rows):
        me = board.me
        parts.append(Text(f"You: #{me.rank} of {board.total_players} with {me.points} points"))
    return Group(*parts)


@render.register
def _demo(result: DemoResult) -> RenderableType:
    if not result.ok:
        return Text(result.error, style="bold red")
    table = Table("measured", "value", title=result.title)
    for m in result.measurements:
        table.add_row(m.label, m.value)
    parts: list[RenderableType] = [table, Text(result.lesson)]
    if result.details:
        parts.append(Text(result.details, style="dim"))
    parts.append(Text(f"See /card {result.card_id}", style="dim"))
    return Group(*parts)
