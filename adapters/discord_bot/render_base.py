"""Discord's rendering primitives: the message type, the limits, the helpers that keep every
embed within them, and the ``render`` dispatcher (with its fallback, notices and questions)
that render.py and live_render.py register their result types on.

Import ``render`` from :mod:`adapters.discord_bot.render`, which loads every registration.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any

import discord

from adapters.discord_bot.buttons import answer_buttons, flip_button, multi_select
from adapters.discord_bot.typed import typed_answer_button
from adapters.platform import NoRenderer
from bot.features.quiz import FlashcardBack, QuestionView
from bot.kernel.results import DONE, Image, Notice, images_of

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # all embeds of one message together
EMBEDS_PER_MESSAGE = 10
FILES_PER_MESSAGE = 10
ATTACHMENT_DESCRIPTION_LIMIT = 1024  # an attachment's alt text

BLURPLE = discord.Colour.blurple()
GREEN = discord.Colour.green()
RED = discord.Colour.red()
GOLD = discord.Colour.gold()


@dataclass
class Message:
    """One message to send: text, embeds, (for questions) the answer buttons, and pictures
    as file attachments."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    ephemeral: bool = False  # a suggestion: errors and personal results are private
    images: list[Image] = field(default_factory=list)  # uploaded with the message

    def files(self) -> list[discord.File]:
        """Fresh files for one send (a discord.File is read once)."""
        return [
            discord.File(
                io.BytesIO(image.png),
                filename=image.name,
                description=clip(image.alt, ATTACHMENT_DESCRIPTION_LIMIT) or None,
            )
            for image in self.images
        ]

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``send_message``/``followup.send``/``channel.send``."""
        kwargs: dict[str, Any] = {}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.view is not None:
            kwargs["view"] = self.view
        if self.images:
            kwargs["files"] = self.files()
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Message.edit``: its pictures replace the old attachments."""
        kwargs = self.send_kwargs()
        files = kwargs.pop("files", None)
        if files is not None:
            kwargs["attachments"] = files
        return kwargs


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, at a word boundary when one is near, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def embed(
    *,
    title: str = "",
    description: str = "",
    colour: discord.Colour = BLURPLE,
    footer: str = "",
    fields: Iterable[tuple[str, str]] = (),
) -> discord.Embed:
    """An embed with every part clipped to its limit (fields beyond 25 are dropped)."""
    result = discord.Embed(
        title=clip(title, TITLE_LIMIT) or None,
        description=clip(description, DESCRIPTION_LIMIT) or None,
        colour=colour,
    )
    for name, value in list(fields)[:FIELDS_LIMIT]:
        result.add_field(
            name=clip(name, FIELD_NAME_LIMIT) or "\u200b",
            value=clip(value, FIELD_VALUE_LIMIT) or "\u200b",
            inline=False,
        )
    if footer:
        result.set_footer(text=clip(footer, FOOTER_LIMIT))
    return result


def text_message(text: str, lines: Sequence[str] = (), *, ephemeral: bool = False) -> Message:
    body = "\n".join([text, *lines]) if lines else text
    return Message(content=clip(body, CONTENT_LIMIT) or "\u200b", ephemeral=ephemeral)


# -- the dispatcher ----------------------------------------------------------------------------


def render(reply: Any) -> list[Message]:
    """A core result as Discord messages: its renderer's text, embeds and buttons, and the
    pictures it carries as attachments of the first message (the first one shown in the first
    embed, ``attachment://name``; the alt text is the attachment's description)."""
    messages = render_result(reply)
    images = images_of(reply)
    if images and messages:
        attach(messages[0], images)
    return messages


def attachment_name(image: Image) -> str:
    """A file name ``attachment://`` can refer to (Discord keeps [A-Za-z0-9._-])."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", image.name) or "picture.png"


def attach(message: Message, images: Sequence[Image]) -> None:
    named = [Image(i.png, attachment_name(i), i.alt) for i in images][:FILES_PER_MESSAGE]
    message.images.extend(named)
    if message.embeds and message.embeds[0].image.url is None:
        message.embeds[0].set_image(url=f"attachment://{named[0].name}")


@singledispatch
def render_result(reply: Any) -> list[Message]:
    """Each core result type registers its renderer here; one without is a bug."""
    raise NoRenderer("Discord", reply)


@render_result.register(type(None))
def _nothing(reply: None) -> list[Message]:
    return [text_message(DONE)]


# renderers register on ``render_result``; ``render.register`` is the same registry, so a
# renderer written as ``@render.register`` still lands there
render.register = render_result.register  # type: ignore[attr-defined]


@render_result.register
def _notice(reply: Notice) -> list[Message]:
    return [text_message(reply.text, reply.lines, ephemeral=reply.error)]


@render_result.register
def question_messages(view: QuestionView) -> list[Message]:
    if view.typed:
        return _typed_question(view)
    if view.flashcard:
        return _flashcard(view)
    # up to ten choices share the description with the prompt (4096 characters)
    each = min(300, 3000 // max(len(view.shown), 1))
    choices = "\n".join(f"**{c.letter})** {clip(c.text, each)}" for c in view.shown)
    footer = f"{view.tag} · {view.private_result_text}"
    question = embed(
        title=f"Question · {view.card_title}",
        description=clip(view.prompt, max(DESCRIPTION_LIMIT - len(choices) - 2, 200))
        + "\n\n"
        + choices,
        footer=footer,
    )
    if view.multi:
        footer += " · choose all that apply"
        question.set_footer(text=clip(footer, 2048))
        return [Message(embeds=[question], view=multi_select(view.post_id, view.shown))]
    return [Message(embeds=[question], view=answer_buttons(view.post_id, view.shown))]


def _flashcard(view: QuestionView) -> list[Message]:
    """A flashcard's front and "Show the back"; the back and the grades come privately."""
    footer = f"{view.tag} · think of the answer, then turn the card; only you see the back"
    question = embed(
        title=f"Flashcard · {view.card_title}",
        description=clip(view.prompt, DESCRIPTION_LIMIT),
        footer=footer,
    )
    return [Message(embeds=[question], view=flip_button(view.post_id))]


@render_result.register
def _flashcard_back(back: FlashcardBack) -> list[Message]:
    body = embed(
        title=f"The back · {back.view.card_title}",
        description=clip(back.back, DESCRIPTION_LIMIT),
        footer=back.prompt_text,
    )
    view = answer_buttons(back.view.post_id, back.view.shown)
    return [Message(embeds=[body], view=view, ephemeral=True)]


def _typed_question(view: QuestionView) -> list[Message]:
    """A typed-answer question: the prompt and one "Answer" button that opens a text box."""
    footer = f"Q{view.post_id}" + (f" · {view.reason}" if view.reason else "")
    footer += " · type your answer; your result is shown only to you"
    question = embed(
        title=f"Question · {view.card_title}",
        description=clip(view.prompt, DESCRIPTION_LIMIT),
        footer=footer,
    )
    return [Message(embeds=[question], view=typed_answer_button(view.post_id))]


MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def escaped_name(text: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def field_chunks(name: str, units: Sequence[str]) -> list[tuple[str, str]]:
    """``units`` (lines kept whole where possible) as field values of at most 1024 chars."""
    chunks: list[list[str]] = [[]]
    size = 0
    for unit in units:
        unit = clip(unit, FIELD_VALUE_LIMIT)
        if chunks[-1] and size + 1 + len(unit) > FIELD_VALUE_LIMIT:
            chunks.append([])
            size = 0
        size += len(unit) + (1 if chunks[-1] else 0)
        chunks[-1].append(unit)
    name = clip(name, FIELD_NAME_LIMIT - len(" (cont.)"))
    return [
        (name if i == 0 else f"{name} (cont.)", "\n".join(lines) or "\u200b")
        for i, lines in enumerate(chunks)
    ]
