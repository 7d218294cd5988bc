"""Discord's renderers for quiz night (live rounds), registered on the ``render`` dispatcher of
render_base.py (render.py imports this module, so its ``render`` has them)."""

from __future__ import annotations

from adapters.discord_bot.buttons import answer_buttons, closed_buttons, live_answer_custom_id
from adapters.discord_bot.render_base import (
    GOLD,
    GREEN,
    MEDALS,
    TITLE_LIMIT,
    Message,
    clip,
    embed,
    escaped_name,
    field_chunks,
    question_messages,
    render_result,
    text_message,
)
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
from bot.features.quiz.results import letter_of

# -- the live quiz (quiz night) ------------------------------------------------------------------


@render_result.register
def _live_started(started: LiveStarted) -> list[Message]:
    return [text_message(started.text)]


@render_result.register
def _live_progress(progress: LiveProgress) -> list[Message]:
    lines = [_standing_line(s) for s in progress.leaders]
    if progress.closes_at is not None:
        lines.append(f"This round closes <t:{int(progress.closes_at.timestamp())}:R>.")
    return [text_message(progress.text, lines, ephemeral=progress.already_running)]


@render_result.register
def _live_round(live_round: LiveRound) -> list[Message]:
    """The round's question with its buttons (each the live feature's own answer request);
    the close time is a Discord timestamp that counts down by itself (no edits per second)."""
    view = live_round.view
    [message] = question_messages(view)
    message.view = answer_buttons(view.post_id, view.shown, live_answer_custom_id)
    question = message.embeds[0]
    question.title = clip(f"{live_round.title} · {live_round.view.card_title}", TITLE_LIMIT)
    closes = int(live_round.closes_at.timestamp())
    question.add_field(
        name="Closes", value=f"<t:{closes}:R> ({live_round.seconds} s)", inline=False
    )
    question.set_footer(
        text=f"Q{live_round.view.post_id} · {live_round.rules_text} · {live_round.scoring_text}"
    )
    return [message]


@render_result.register
def _round_reveal(reveal: RoundReveal) -> list[Message]:
    """What the round's message becomes when it closes: the answer, the counts, the Why,
    the fastest right answer; the buttons stay, disabled."""
    view = reveal.view
    lines = [
        f"{'✅' if c.index == reveal.correct_index else '▫️'} **{c.letter})** {clip(c.text, 250)}"
        f" — {reveal.counts[c.index]} ({reveal.share(c.index):.0%})"
        for c in view.shown
    ]
    fields = field_chunks("Answers", lines)
    answer = clip(reveal.correct_text, 290)
    letter = letter_of(view.order, reveal.correct_index)
    fields.append(("Correct answer", f"**{letter}) {answer}**"))
    fields.append(("Why", reveal.why))
    if reveal.fastest is not None:
        fastest = reveal.fastest.text_for(escaped_name(reveal.fastest.name))
        fields.append(("Fastest", f"⚡ {fastest}"))
    body = embed(
        title=f"{reveal.title} · {view.card_title}",
        description=clip(view.prompt, 1500) + "\n\n" + reveal.summary,
        colour=GREEN,
        fields=fields,
        footer=f"Q{view.post_id} · {reveal.closed_text}",
    )
    return [Message(embeds=[body], view=closed_buttons(view.post_id, view.shown))]


def _standing_line(s: Standing) -> str:
    medal = MEDALS.get(s.rank, f"**{s.rank}.**")
    return f"{medal} {escaped_name(s.name)} — {s.score_text}"


@render_result.register
def _live_scoreboard(board: LiveScoreboard) -> list[Message]:
    lines = [_standing_line(s) for s in board.standings] or [board.empty_text]
    body = embed(title=board.title, description="\n".join(lines), footer=board.more_text)
    return [Message(embeds=[body])]


@render_result.register
def _live_podium(podium: LivePodium) -> list[Message]:
    top = [_standing_line(s) for s in podium.podium] or [podium.empty_text]
    fields = field_chunks("Everyone", [_standing_line(s) for s in podium.standings[3:]])
    missed = podium.missed_most
    if missed is not None:
        fields.append(
            (
                missed.title,
                clip(missed.prompt, 300) + f"\n**Answer:** {clip(missed.correct_text, 290)}",
            )
        )
        fields.append(("Why", missed.why))
    body = embed(
        title=f"{podium.heading} · {podium.topic_title}",
        description="\n".join(top) + "\n\n" + podium.ending,
        colour=GOLD,
        fields=fields,
        footer=f"{podium.boards_note} (10 a right one).",
    )
    return [Message(embeds=[body])]


@render_result.register
def _locked_in(locked: LockedIn) -> list[Message]:
    return [text_message(locked.text, ephemeral=True)]
