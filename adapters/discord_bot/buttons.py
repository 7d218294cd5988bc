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


# -- typed-answer questions: one "Answer" button that opens a text box (a modal) ----------------

TYPED_TEMPLATE = r"quiz:typed:(?P<post>\d+)"
TYPED_MODAL = re.compile(r"quiz:typed-answer:(?P<post>\d+)")
TYPED_INPUT_ID = "answer"
MODAL_TITLE_LIMIT = 45
PLACEHOLDER_LIMIT = 100


class TypedAnswerHandler(Protocol):
    async def on_typed_answer_click(
        self, interaction: discord.Interaction, post_id: int
    ) -> None: ...


def typed_custom_id(post_id: int) -> str:
    return f"quiz:typed:{post_id}"


def typed_modal_id(post_id: int) -> str:
    return f"quiz:typed-answer:{post_id}"


class TypedAnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=TYPED_TEMPLATE):
    """Like AnswerButton: everything is in the custom id, so it works after a restart."""

    def __init__(self, post_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer",
                emoji="✍️",
                style=discord.ButtonStyle.primary,
                custom_id=typed_custom_id(post_id),
            )
        )
        self.post_id = post_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> TypedAnswerButton:
        return cls(int(match["post"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: TypedAnswerHandler = interaction.client  # type: ignore[assignment]
        await handler.on_typed_answer_click(interaction, self.post_id)


def typed_answer_button(post_id: int) -> discord.ui.View:
    """The "Answer" button of a typed-answer question, never kept in memory (answer_buttons)."""
    view = discord.ui.View(timeout=None)
    view.add_item(TypedAnswerButton(post_id))
    view.stop()
    return view


def typed_answer_modal(post_id: int, card_title: str, prompt: str, limit: int) -> discord.ui.Modal:
    """The text box for a typed answer. Stopped before it is sent, so discord.py keeps no
    modal in memory: the submission is read from the interaction itself
    (``QuizBot.on_interaction``), which also works when the bot restarted in between."""
    title = f"Q{post_id} · {card_title}"
    if len(title) > MODAL_TITLE_LIMIT:
        title = title[: MODAL_TITLE_LIMIT - 1].rstrip() + "…"
    placeholder = prompt if len(prompt) <= PLACEHOLDER_LIMIT else prompt[:99].rstrip() + "…"
    modal = discord.ui.Modal(title=title, timeout=None, custom_id=typed_modal_id(post_id))
    modal.add_item(
        discord.ui.TextInput(
            label="Your answer",
            custom_id=TYPED_INPUT_ID,
            placeholder=placeholder,
            max_length=limit,
            required=True,
        )
    )
    modal.stop()
    return modal


def typed_modal_post(custom_id: str) -> int | None:
    """The post id of a typed-answer modal's custom id; None for any other modal."""
    match = TYPED_MODAL.fullmatch(custom_id)
    return int(match["post"]) if match else None


def submitted_text(components: Any) -> str:
    """The value typed into the answer box of a modal submission's components (rows of
    inputs, or labels holding one), "" when it is missing."""
    stack = list(components) if isinstance(components, list) else []
    while stack:
        component = stack.pop(0)
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == TYPED_INPUT_ID and "value" in component:
            return str(component.get("value") or "")
        stack.extend(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            stack.append(component["component"])
    return ""
