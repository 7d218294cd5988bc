"""The answer buttons and a card's part buttons: stateless, so clicks keep working after a
restart.

Everything a click needs (post id and the content's choice index; card id and part) is in the
button's ``custom_id``; ``QuizBot.on_interaction`` routes a click by matching it against the
templates here, including clicks on messages sent by an earlier process. Views are stopped
before they are sent, so discord.py never keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import discord

from bot.features.quiz import CardPart, ShownChoice

BUTTON_LABEL_LIMIT = 80
# ASCII digits, a post id that fits SQLite's 64 bits, one of at most ten choices (discord.py
# lays the buttons out five to a row)
ANSWER_TEMPLATE = r"quiz:answer:(?P<post>[0-9]{1,18}):(?P<choice>[0-9])"
# a live round's buttons: the live feature's own request (AnswerLiveRound), same fields
LIVE_ANSWER_TEMPLATE = r"live:answer:(?P<post>[0-9]{1,18}):(?P<choice>[0-9])"
FORGED_ANSWER = "That button is no longer a quiz answer; ask for a new question."


MULTI_TEMPLATE = r"quiz:multi:(?P<post>[0-9]{1,18})"  # choose all that apply: a select menu
FLIP_TEMPLATE = r"quiz:flip:(?P<post>[0-9]{1,18})"  # a flashcard's "Show the back"
CARD_TEMPLATE = r"quiz:card:(?P<card>[a-z0-9-]{1,80}):(?P<part>[a-z]{1,20})"


def answer_custom_id(post_id: int, choice: int) -> str:
    return f"quiz:answer:{post_id}:{choice}"


def live_answer_custom_id(post_id: int, choice: int) -> str:
    return f"live:answer:{post_id}:{choice}"


CustomId = Callable[[int, int], str]  # (post id, choice) -> a button's custom id


def button_label(label: str) -> str:
    if len(label) > BUTTON_LABEL_LIMIT:
        label = label[: BUTTON_LABEL_LIMIT - 1].rstrip() + "…"
    return label


def answer_button(
    post_id: int, choice: int, label: str, custom_id: CustomId = answer_custom_id
) -> discord.ui.Button:
    return discord.ui.Button(
        label=label,
        style=discord.ButtonStyle.secondary,
        custom_id=custom_id(post_id, choice),
    )


def answer_buttons(
    post_id: int, choices: Sequence[ShownChoice], custom_id: CustomId = answer_custom_id
) -> discord.ui.View:
    """A view with one button per choice, in the order shown, each carrying the content's
    choice index (``custom_id``: a quiz answer, or a live round's); discord.py never keeps it
    in its view store.

    The view is stopped before it is sent: discord.py then sends its components but does not
    store it, so every click (before or after a restart) takes the same path through
    ``QuizBot.on_interaction``; a stored view could also time out.
    """
    view = discord.ui.View(timeout=None)
    for choice in choices:
        view.add_item(answer_button(post_id, choice.index, button_label(choice.label), custom_id))
    view.stop()
    return view


def card_part_button(card_id: str, part: CardPart, label: str | None = None) -> discord.ui.Button:
    """Asks for one part of a card (sections, misconceptions, recap); answered privately."""
    return discord.ui.Button(
        label=label or part.value.capitalize(),
        style=discord.ButtonStyle.secondary,
        custom_id=f"quiz:card:{card_id}:{part.value}",
    )


def card_part_buttons(card_id: str, parts: Sequence[CardPart]) -> discord.ui.View | None:
    """One button per part of the card (None when it has none); stopped like answer_buttons."""
    if not parts:
        return None
    view = discord.ui.View(timeout=None)
    for part in parts:
        view.add_item(card_part_button(card_id, part))
    view.stop()
    return view


def closed_buttons(post_id: int, choices: Sequence[ShownChoice]) -> discord.ui.View:
    """The answer buttons of a closed round: the same buttons, disabled (never stored)."""
    view = discord.ui.View(timeout=None)
    for choice in choices:
        label = button_label(choice.label)
        button = answer_button(post_id, choice.index, label, live_answer_custom_id)
        button.disabled = True
        view.add_item(button)
    view.stop()
    return view


def flip_button(post_id: int) -> discord.ui.View:
    """A flashcard's one button: its back, privately, with the two grades (never stored)."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label="🃏 Show the back",
            style=discord.ButtonStyle.primary,
            custom_id=f"quiz:flip:{post_id}",
        )
    )
    view.stop()
    return view


def multi_select(post_id: int, choices: Sequence[ShownChoice]) -> discord.ui.View:
    """Choose all that apply: one menu taking several values (each the content's choice
    index), submitted when the menu closes; never stored, like answer_buttons."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Select(
            custom_id=f"quiz:multi:{post_id}",
            placeholder="Choose all that apply",
            min_values=1,
            max_values=len(choices),
            options=[
                discord.SelectOption(label=button_label(c.label)[:100], value=str(c.index))
                for c in choices
            ],
        )
    )
    view.stop()
    return view


def chosen_values(values: object) -> frozenset[int] | None:
    """A select menu's submitted values as choice indexes; None when they are not."""
    if not isinstance(values, list) or not values or len(values) > 10:
        return None
    if not all(isinstance(v, str) and v.isascii() and v.isdigit() and len(v) == 1 for v in values):
        return None
    return frozenset(int(v) for v in values)
