"""The answer buttons and a card's part buttons: stateless, so clicks keep working after a
restart.

Everything a click needs (post id and the content's choice index; card id and part) is in the
button's ``custom_id``; the class is
registered once with ``client.add_dynamic_items`` and discord.py builds a fresh instance for
every click that matches the template, including clicks on messages sent by an earlier process.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord

from bot.features.quiz import CardPart, ShownChoice

BUTTON_LABEL_LIMIT = 80
# ASCII digits, a post id that fits SQLite's 64 bits, one of at most six choices
ANSWER_TEMPLATE = r"quiz:answer:(?P<post>[0-9]{1,18}):(?P<choice>[0-5])"
FORGED_ANSWER = "That button is no longer a quiz answer; ask for a new question."


def is_answer_custom_id(custom_id: object) -> bool:
    """True for a custom id the AnswerButton handles; any other click gets FORGED_ANSWER."""
    return isinstance(custom_id, str) and re.fullmatch(ANSWER_TEMPLATE, custom_id) is not None


CARD_TEMPLATE = r"quiz:card:(?P<card>[a-z0-9-]{1,80}):(?P<part>[a-z]{1,20})"


class AnswerHandler(Protocol):
    async def on_answer_click(
        self, interaction: discord.Interaction, post_id: int, choice: int
    ) -> None: ...


class CardPartHandler(Protocol):
    async def on_card_part_click(
        self, interaction: discord.Interaction, card_id: str, part: CardPart
    ) -> None: ...


def answer_custom_id(post_id: int, choice: int) -> str:
    return f"quiz:answer:{post_id}:{choice}"


def button_label(label: str) -> str:
    if len(label) > BUTTON_LABEL_LIMIT:
        label = label[: BUTTON_LABEL_LIMIT - 1].rstrip() + "…"
    return label


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=ANSWER_TEMPLATE):
    def __init__(self, post_id: int, choice: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or str(choice + 1),
                style=discord.ButtonStyle.secondary,
                custom_id=answer_custom_id(post_id, choice),
            )
        )
        self.post_id = post_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        label = getattr(item, "label", None)
        return cls(int(match["post"]), int(match["choice"]), label=label)

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: AnswerHandler = interaction.client  # type: ignore[assignment]
        await handler.on_answer_click(interaction, self.post_id, self.choice)


def answer_buttons(post_id: int, choices: Sequence[ShownChoice]) -> discord.ui.View:
    """A view with one button per choice, in the order shown, each carrying the content's
    choice index; discord.py never keeps it in its view store.

    The view is stopped before it is sent: discord.py then sends its components but does not
    store it, so every click (before or after a restart) takes the same path through the
    registered AnswerButton. A stored view could also time out, and removing a timed-out view
    unregisters its DynamicItem templates from the whole client (discord.py 2.7 ViewStore), which
    would silently break every answer button.
    """
    view = discord.ui.View(timeout=None)
    for choice in choices:
        view.add_item(AnswerButton(post_id, choice.index, button_label(choice.label)))
    view.stop()
    return view


class CardPartButton(discord.ui.DynamicItem[discord.ui.Button], template=CARD_TEMPLATE):
    """Asks for one part of a card (sections, misconceptions, recap); answered privately."""

    def __init__(self, card_id: str, part: CardPart, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or part.value.capitalize(),
                style=discord.ButtonStyle.secondary,
                custom_id=f"quiz:card:{card_id}:{part.value}",
            )
        )
        self.card_id = card_id
        self.part = part

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CardPartButton:
        try:
            part = CardPart(match["part"])
        except ValueError:  # a part a later version dropped: the short card
            part = CardPart.SHORT
        return cls(match["card"], part, label=getattr(item, "label", None))

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: CardPartHandler = interaction.client  # type: ignore[assignment]
        await handler.on_card_part_click(interaction, self.card_id, self.part)


def card_part_buttons(card_id: str, parts: Sequence[CardPart]) -> discord.ui.View | None:
    """One button per part of the card (None when it has none); stopped like answer_buttons."""
    if not parts:
        return None
    view = discord.ui.View(timeout=None)
    for part in parts:
        view.add_item(CardPartButton(card_id, part))
    view.stop()
    return view


def closed_buttons(post_id: int, choices: Sequence[ShownChoice]) -> discord.ui.View:
    """The answer buttons of a closed round: the same buttons, disabled (never stored)."""
    view = discord.ui.View(timeout=None)
    for choice in choices:
        button = AnswerButton(post_id, choice.index, button_label(choice.label))
        button.item.disabled = True
        view.add_item(button)
    view.stop()
    return view
