"""Typed-answer questions on Discord: one "Answer" button that opens a text box (a modal).

Stateless like the choice buttons (buttons.py): the button's custom id carries the post, and so
does the modal's, so a click or a submission after a restart takes the same path. The modal is
never kept in memory either: ``QuizBot.on_interaction`` reads the submission from the
interaction itself.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import discord

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
