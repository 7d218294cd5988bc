"""How long the shipped cards are and how fast each platform renders the teaching results.

    python bench/render.py [--json] [--rounds 2000]

Sizes: each shipped card, short (the default) and full, in terminal lines at 100 columns, Discord
messages/embeds and Slack blocks. Times: microseconds per render (median of ``--rounds``) of a
shuffled question, a wrong answer with feedback, and the short card, per platform; plus the cost
of deriving a post's choice order.
"""

from __future__ import annotations

import argparse
import io
import time

from _common import emit_json, median
from rich.console import Console

from adapters.console.render import safe
from adapters.discord_bot.render import render as discord_render
from adapters.slack_bot.render import render as slack_render
from bot.content import default_content_path, load_pack
from bot.features.quiz import CardPart, CardView
from bot.features.quiz.results import choice_order
from tests import render_samples as samples


def console_lines(reply: object) -> int:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(safe(reply))
    return len(console.file.getvalue().splitlines())  # type: ignore[attr-defined]


def per_call_us(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(median(times) * 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()

    pack = load_pack(default_content_path())
    sizes = {}
    for card in pack.cards:
        for part in (CardPart.SHORT, CardPart.FULL):
            view = CardView(card, part)
            discord = discord_render(view)
            sizes[f"{card.id}.{part.value}"] = {
                "console_lines": console_lines(view),
                "discord_messages": len(discord),
                "discord_embeds": sum(len(m.embeds) for m in discord),
                "slack_blocks": sum(len(m.blocks) for m in slack_render(view)),
            }
            print(f"{card.id:<28} {part.value:<6} {sizes[f'{card.id}.{part.value}']}")

    rounds = args.rounds
    timings = {}
    for name, reply in (
        ("question", samples.VIEW),
        ("wrong_answer", samples.WRONG),
        ("short_card", samples.SHORT_CARD),
    ):
        timings[name] = {
            "console_us": per_call_us(lambda r=reply: console_lines(r), max(rounds // 10, 20)),
            "discord_us": per_call_us(lambda r=reply: discord_render(r), rounds),
            "slack_us": per_call_us(lambda r=reply: slack_render(r), rounds),
        }
        print(f"render {name:<13} {timings[name]}")
    order_us = per_call_us(lambda: choice_order(123456, "pvt-threads-share-what", 4, False), rounds)
    print(f"choice_order       {order_us} µs per post")
    if args.json:
        emit_json({"sizes": sizes, "render": timings, "choice_order_us": order_us})


if __name__ == "__main__":
    main()
