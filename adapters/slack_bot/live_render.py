"""Slack's renderers for quiz night (live rounds): registered on ``render.render``."""

from __future__ import annotations

from datetime import datetime

from adapters.slack_bot.blocks import (
    Block,
    SlackMessage,
    context,
    escape,
    header,
    paginate,
    sections,
)
from adapters.slack_bot.render import question_blocks, render, share_bar
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


def _clock_time(instant: datetime) -> str:
    """A close time Slack shows to the second in each reader's own zone."""
    fallback = f"{instant:%H:%M:%S} UTC"
    return f"<!date^{int(instant.timestamp())}^{{time_secs}}|{fallback}>"


@render.register
def _live_started(started: LiveStarted) -> list[SlackMessage]:
    return paginate(sections(escape(started.text)), fallback=started.text, public=True)


def _standing_line(s: Standing) -> str:
    medal = {1: "🥇", 2: "🥈", 3: "🥉"}.get(s.rank, f"{s.rank}.")
    return f"{medal} *{escape(s.name)}* — {s.points} points · {s.right}/{s.answered} right"


@render.register
def _live_progress(progress: LiveProgress) -> list[SlackMessage]:
    lines = [escape(progress.text), *(_standing_line(s) for s in progress.leaders)]
    if progress.closes_at is not None:
        lines.append(f"This round closes at {_clock_time(progress.closes_at)}.")
    return paginate(sections("\n".join(lines)), fallback=progress.text)


@render.register
def _live_round(live_round: LiveRound) -> list[SlackMessage]:
    """The round's question and buttons, with the close time Slack shows in each reader's
    zone; nothing is edited per second."""
    note = (
        f"Closes at *{_clock_time(live_round.closes_at)}* ({live_round.seconds} s) · one answer"
        " each, locked in · faster right answers score more (1000 down to 500)"
    )
    blocks = [
        header(f"🎯 Round {live_round.number} of {live_round.rounds}"),
        *question_blocks(live_round.view, note=note, shared=False),
    ]
    return paginate(
        blocks, fallback=f"Round {live_round.number}: {live_round.view.prompt}", public=True
    )


def reveal_blocks(reveal: RoundReveal) -> list[Block]:
    """What the round's message becomes when it closes (``chat.update``): no buttons left."""
    view = reveal.view
    lines = []
    for c in view.shown:
        mark = " ✅" if c.index == reveal.correct_index else ""
        lines.append(
            f"`{share_bar(reveal.share(c.index))}` *{c.letter})* {escape(c.text)}"
            f" — {reveal.counts[c.index]} ({reveal.share(c.index):.0%}){mark}"
        )
    right = f"{letter_of(view.order, reveal.correct_index)}) {reveal.correct_text}"
    footer = [f"{escape(view.card_title)} · Q{view.post_id} · this round is closed"]
    if reveal.fastest is not None:
        footer.insert(
            0, f"⚡ Fastest: *{escape(reveal.fastest.name)}* in {reveal.fastest.seconds:g} s"
        )
    return [
        header(f"✅ Round {reveal.number} of {reveal.rounds} — closed"),
        *sections(f"*{escape(view.prompt)}*\n{escape(reveal.summary)}"),
        *sections("\n".join(lines)),
        *sections(f"*Answer:* {escape(right)}\n*Why:* {escape(reveal.why)}"),
        context(*footer),
    ]


@render.register
def _round_reveal(reveal: RoundReveal) -> list[SlackMessage]:
    fallback = f"Round {reveal.number} closed: {reveal.summary}"
    return paginate(reveal_blocks(reveal), fallback=fallback, public=True)


@render.register
def _live_scoreboard(board: LiveScoreboard) -> list[SlackMessage]:
    lines = [_standing_line(s) for s in board.standings] or ["Nobody has scored yet."]
    more = board.players - len(board.standings)
    blocks = [
        *sections(
            f"*Scoreboard after round {board.number} of {board.rounds}*\n" + "\n".join(lines)
        ),
    ]
    if more > 0:
        blocks.append(context(f"{more} more player(s)"))
    return paginate(blocks, fallback=f"Scoreboard after round {board.number}", public=True)


@render.register
def _live_podium(podium: LivePodium) -> list[SlackMessage]:
    top = [_standing_line(s) for s in podium.podium] or ["Nobody answered."]
    blocks: list[Block] = [
        header(f"🏆 Quiz night results — {podium.topic_title}"),
        *sections("\n".join(top) + f"\n{escape(podium.ending)}"),
    ]
    rest = [_standing_line(s) for s in podium.standings[3:]]
    if rest:
        blocks += sections("*Everyone else*\n" + "\n".join(rest))
    missed = podium.missed_most
    if missed is not None:
        blocks += sections(
            f"*Missed most: round {missed.number}* ({missed.missed} of {missed.players})\n"
            f"{escape(missed.prompt)}\n*Answer:* {escape(missed.correct_text)}\n"
            f"*Why:* {escape(missed.why)}"
        )
    blocks.append(context("Live answers count on the normal boards as ordinary answers."))
    return paginate(blocks, fallback=f"Quiz night results: {podium.ending}", public=True)


@render.register
def _locked_in(locked: LockedIn) -> list[SlackMessage]:
    return paginate(sections(escape(locked.text)), fallback=locked.text)
