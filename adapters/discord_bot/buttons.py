"""The answer buttons: stateless, so clicks keep working after a restart.

Everything a click needs (post id, choice) is in the button's ``custom_id``; the class is
registered once with ``client.add_dynamic_items`` and discord.py builds a fresh instance for
every click that matches the template, including clicks on messages sent by an earlier process.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord

LETTERS = "ABCDEF"
BUTTON_LABEL_LIMIT = 80
ANSWER_TEMPLATE = r"quiz:answer:(?P<post>\d+):(?P<choice>\d)"


class AnswerHandler(Protocol):
    async def on_answer_click(
        self, interaction: discord.Interaction, post_id: int, choice: int
    ) -> None: ...


def answer_custom_id(post_id: int, choice: int) -> str:
    return f"quiz:answer:{post_id}:{choice}"


def button_label(index: int, choice: str) -> str:
    label = f"{LETTERS[index]}) {choice}"
    if len(label) > BUTTON_LABEL_LIMIT:
        label = label[: BUTTON_LABEL_LIMIT - 1].rstrip() + "…"
    return label


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=ANSWER_TEMPLATE):
    def __init__(self, post_id: int, choice: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or LETTERS[choice],
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


def answer_buttons(post_id: int, choices: Sequence[str]) -> discord.ui.View:
    """A view with one button per choice that discord.py never keeps in its view store.

    The view is stopped before it is sent: discord.py then sends its components but does not
    store it, so every click (before or after a restart) takes the same path through the
    registered AnswerButton. A stored view could also time out, and removing a timed-out view
    unregisters its DynamicItem templates from the whole client (discord.py 2.7 ViewStore), which
    would silently break every answer button.
    """
    view = discord.ui.View(timeout=None)
    for index, choice in enumerate(choices):
        view.add_item(AnswerButton(post_id, index, button_label(index, choice)))
    view.stop()
    return view
