"""Slack's renderers for quiz night (live rounds), registered on the ``render`` dispatcher of
render_base.py (render.py imports this module, so its ``render`` has them)."""

from __future__ import annotations

from datetime import datetime

from adapters.slack_bot.blocks import (
    Block,
    SlackMessage,
    context,
    escape,
    header,
    paginate,
    prompt_mrkdwn,
    sections,
)
from adapters.slack_bot.render_base import (
    LIVE_ANSWER_ACTION_PREFIX,
    MEDALS,
    question_blocks,
    render_result,
    share_bar,
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


def _clock_time(instant: datetime) -> str:
    """A close time Slack shows to the second in each reader's own zone."""
    fallback = f"{instant:%H:%M:%S} UTC"
    return f"<!date^{int(instant.timestamp())}^{{time_secs}}|{fallback}>"


@render_result.register
def _live_started(started: LiveStarted) -> list[SlackMessage]:
    return paginate(sections(escape(started.text)), fallback=started.text, public=True)


def _standing_line(s: Standing) -> str:
    medal = MEDALS.get(s.rank, f"{s.rank}.")
    return f"{medal} *{escape(s.name)}* — {s.score_text}"


@render_result.register
def _live_progress(progress: LiveProgress) -> list[SlackMessage]:
    lines = [escape(progress.text), *(_standing_line(s) for s in progress.leaders)]
    if progress.closes_at is not None:
        lines.append(f"This round closes at {_clock_time(progress.closes_at)}.")
    return paginate(sections("\n".join(lines)), fallback=progress.text)


@render_result.register
def _live_round(live_round: LiveRound) -> list[SlackMessage]:
    """The round's question and buttons (each the live feature's own answer request), with
    the close time Slack shows in each reader's zone; nothing is edited per second."""
    note = (
        f"Closes at *{_clock_time(live_round.closes_at)}* ({live_round.seconds} s) ·"
        f" {live_round.rules_text} · {live_round.scoring_text}"
    )
    blocks = [
        header(live_round.title),
        *question_blocks(
            live_round.view, note=note, shared=False, answer_prefix=LIVE_ANSWER_ACTION_PREFIX
        ),
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
    footer = [f"{escape(view.card_title)} · Q{view.post_id} · {reveal.closed_text}"]
    if reveal.fastest is not None:
        fastest = reveal.fastest.text_for(f"*{escape(reveal.fastest.name)}*")
        footer.insert(0, f"⚡ Fastest: {fastest}")
    return [
        header(f"{reveal.title} — closed"),
        *sections(f"{prompt_mrkdwn(view.prompt)}\n{escape(reveal.summary)}"),
        *sections("\n".join(lines)),
        *sections(f"*Answer:* {escape(right)}\n*Why:* {escape(reveal.why)}"),
        context(*footer),
    ]


@render_result.register
def _round_reveal(reveal: RoundReveal) -> list[SlackMessage]:
    fallback = f"Round {reveal.number} closed: {reveal.summary}"
    return paginate(reveal_blocks(reveal), fallback=fallback, public=True)


@render_result.register
def _live_scoreboard(board: LiveScoreboard) -> list[SlackMessage]:
    lines = [_standing_line(s) for s in board.standings] or [board.empty_text]
    blocks = sections(f"*{board.title}*\n" + "\n".join(lines))
    if board.more_text:
        blocks.append(context(board.more_text))
    return paginate(blocks, fallback=f"Scoreboard after round {board.number}", public=True)


@render_result.register
def _live_podium(podium: LivePodium) -> list[SlackMessage]:
    top = [_standing_line(s) for s in podium.podium] or [podium.empty_text]
    blocks: list[Block] = [
        header(podium.title),
        *sections("\n".join(top) + f"\n{escape(podium.ending)}"),
    ]
    rest = [_standing_line(s) for s in podium.standings[3:]]
    if rest:
        blocks += sections("*Everyone else*\n" + "\n".join(rest))
    missed = podium.missed_most
    if missed is not None:
        blocks += sections(
            f"*{missed.heading}* {missed.count_text}\n"
            f"{escape(missed.prompt)}\n*Answer:* {escape(missed.correct_text)}\n"
            f"*Why:* {escape(missed.why)}"
        )
    blocks.append(context(f"{podium.boards_note}."))
    return paginate(blocks, fallback=f"Quiz night results: {podium.ending}", public=True)


@render_result.register
def _locked_in(locked: LockedIn) -> list[SlackMessage]:
    return paginate(sections(escape(locked.text)), fallback=locked.text)
