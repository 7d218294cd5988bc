"""Slack's rendering primitives: the ``render`` dispatcher (with its fallback, notices and
questions) that render.py and live_render.py register their result types on, and what a
question's buttons carry.

Import ``render`` from :mod:`adapters.slack_bot.render`, which loads every registration.
"""

from __future__ import annotations

import dataclasses
import re
from functools import singledispatch
from typing import Any

from adapters.platform import NoRenderer
from adapters.slack_bot.blocks import (
    MAX_BUTTON_TEXT,
    Block,
    SlackMessage,
    context,
    escape,
    paginate,
    plain,
    prompt_mrkdwn,
    sections,
)
from bot.features.quiz import FlashcardBack, QuestionView
from bot.kernel.results import DONE, Notice, images_of

ANSWER_ACTION_PREFIX = "quiz_answer_"
LIVE_ANSWER_ACTION_PREFIX = "live_answer_"  # a live round's buttons: the live feature's request
TYPED_ACTION_PREFIX = "quiz_typed_"  # the "Answer" button of a typed-answer question
FLIP_ACTION_PREFIX = "quiz_flip_"  # a flashcard's "Show the back"
# choose all that apply: the checkboxes (each toggle is only acknowledged) and the submit button
MULTI_PICK_ACTION_PREFIX = "quiz_multi_pick_"
MULTI_ACTION_PREFIX = "quiz_multi_submit_"

# -- the dispatcher -----------------------------------------------------------------------


def render(reply: Any) -> list[SlackMessage]:
    """A core result as Slack messages: its renderer's blocks, and the pictures it carries on
    the first message (the adapter uploads them: see ``SlackAdapter.upload``)."""
    messages = render_result(reply)
    images = images_of(reply)
    if images and messages:
        messages[0] = dataclasses.replace(messages[0], images=images)
    return messages


@singledispatch
def render_result(reply: Any) -> list[SlackMessage]:
    """Each core result type registers its renderer here; one without is a bug."""
    raise NoRenderer("Slack", reply)


# renderers register on ``render_result``; ``render.register`` is the same registry, so a
# renderer written as ``@render.register`` still lands there
render.register = render_result.register  # type: ignore[attr-defined]


@render_result.register(type(None))
def _nothing(reply: None) -> list[SlackMessage]:
    return render(Notice(DONE))


@render_result.register
def _notice(reply: Notice) -> list[SlackMessage]:
    head = ("⚠️ " if reply.error else "") + escape(reply.text)
    lines = [f"• {escape(line)}" for line in reply.lines]
    return paginate(sections("\n".join([head, *lines])), fallback=reply.text)


@render_result.register
def _question(view: QuestionView) -> list[SlackMessage]:
    return paginate(question_blocks(view), fallback=f"Quiz: {view.prompt}", public=True)


def question_blocks(
    view: QuestionView,
    note: str = "",
    first_action: int = 0,
    shared: bool = True,
    answer_prefix: str = ANSWER_ACTION_PREFIX,
) -> list[Block]:
    """The prompt, one answer button per choice in the order shown (clicks come back through
    ``on_answer`` with the content's choice index; a live round's, ``answer_prefix``
    ``live_answer_``, through ``on_live_answer``) and a context line; ``note`` (mrkdwn) joins
    that line. ``shared``: anyone may answer (a channel post), so the line says results are
    private. Several questions in one message pass different ``first_action`` numbers so every
    action_id in the message is unique (the button's value, not its action_id, says which post
    and choice it answers)."""
    choices = "\n".join(f"*{c.letter})* {escape(c.text)}" for c in view.shown)
    if view.typed:
        return typed_question_blocks(view, note, first_action, shared)
    if view.flashcard:
        return flashcard_blocks(view, note, first_action)
    if view.multi:
        return multi_blocks(view, choices, note, first_action, shared)
    buttons = [
        {
            "type": "button",
            "action_id": f"{answer_prefix}{first_action + n}",
            "text": plain(c.label, MAX_BUTTON_TEXT),
            "value": answer_value(view.post_id, c.index),
        }
        for n, c in enumerate(view.shown)
    ]
    about = f"{escape(view.card_title)} · {view.tag}"
    return [
        *sections(f"{prompt_mrkdwn(view.prompt)}\n{choices}"),
        {"type": "actions", "block_id": f"quiz_post_{view.post_id}", "elements": buttons},
        context(about, note, view.private_result_text if shared else ""),
    ]


def multi_blocks(
    view: QuestionView, choices: str, note: str, first_action: int, shared: bool
) -> list[Block]:
    """Choose all that apply: a checkbox per choice (each carries the content's index) and a
    Submit button; the submit's payload carries the boxes' state."""
    boxes = {
        "type": "checkboxes",
        "action_id": f"{MULTI_PICK_ACTION_PREFIX}{first_action}",
        "options": [
            {"text": plain(c.label, MAX_BUTTON_TEXT), "value": str(c.index)} for c in view.shown
        ],
    }
    submit = {
        "type": "button",
        "action_id": f"{MULTI_ACTION_PREFIX}{first_action}",
        "text": plain("Submit my choices", MAX_BUTTON_TEXT),
        "style": "primary",
        "value": str(view.post_id),
    }
    about = f"{escape(view.card_title)} · {view.tag} · choose all that apply"
    return [
        *sections(f"*{escape(view.prompt)}*\n{choices}"),
        {"type": "actions", "block_id": f"quiz_post_{view.post_id}", "elements": [boxes, submit]},
        context(about, note, view.private_result_text if shared else ""),
    ]


def checked_choices(state: object, post_id: int) -> frozenset[int] | None:
    """The boxes ticked on ``post_id``'s checkboxes, from a block_actions payload's
    ``state.values``; None when there are none or they are not choice indexes."""
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(f"quiz_post_{post_id}") if isinstance(values, dict) else None
    if not isinstance(block, dict):
        return None
    for action_id, element in block.items():
        if not str(action_id).startswith(MULTI_PICK_ACTION_PREFIX) or not isinstance(element, dict):
            continue
        options = element.get("selected_options")
        if not isinstance(options, list) or not 0 < len(options) <= 10:
            return None
        picked = [o.get("value") if isinstance(o, dict) else None for o in options]
        if not all(
            isinstance(v, str) and v.isascii() and v.isdigit() and len(v) == 1 for v in picked
        ):
            return None
        return frozenset(int(v) for v in picked)  # type: ignore[arg-type]
    return None


def flashcard_blocks(view: QuestionView, note: str = "", first_action: int = 0) -> list[Block]:
    """A flashcard's front and one "Show the back" button; the back and the two grades are
    the clicker's own (``FlashcardBack``)."""
    button = {
        "type": "button",
        "action_id": f"{FLIP_ACTION_PREFIX}{first_action}",
        "text": plain("🃏 Show the back", MAX_BUTTON_TEXT),
        "style": "primary",
        "value": str(view.post_id),
    }
    about = " · ".join(part for part in (escape(view.card_title), view.tag) if part)
    return [
        *sections(f"*{escape(view.prompt)}*"),
        {"type": "actions", "block_id": f"quiz_post_{view.post_id}", "elements": [button]},
        context(about, note, "Think of the answer, then turn the card; only you see the back."),
    ]


@render_result.register
def _flashcard_back(back: FlashcardBack) -> list[SlackMessage]:
    grades = [
        {
            "type": "button",
            "action_id": f"{ANSWER_ACTION_PREFIX}{n}",
            "text": plain(c.label, MAX_BUTTON_TEXT),
            "value": answer_value(back.view.post_id, c.index),
        }
        for n, c in enumerate(back.view.shown)
    ]
    return paginate(
        [
            *sections(f"*The back:*\n{escape(back.back)}"),
            {"type": "actions", "block_id": f"quiz_grade_{back.view.post_id}", "elements": grades},
            context(back.prompt_text),
        ],
        fallback=f"The back: {back.back}",
    )


def typed_question_blocks(
    view: QuestionView, note: str = "", first_action: int = 0, shared: bool = True
) -> list[Block]:
    """A typed-answer question: the prompt and one "Answer" button, which opens a modal with a
    text box (``views.open``); the submission comes back as a ``view_submission``."""
    button = {
        "type": "button",
        "action_id": f"{TYPED_ACTION_PREFIX}{first_action}",
        "text": plain("✍️ Answer", MAX_BUTTON_TEXT),
        "style": "primary",
        "value": str(view.post_id),
    }
    about = " · ".join(
        part for part in (escape(view.card_title), view.reason, f"Q{view.post_id}") if part
    )
    private = "Type your answer; only you see your result." if shared else "Type your answer."
    return [
        *sections(prompt_mrkdwn(view.prompt)),
        {"type": "actions", "block_id": f"quiz_post_{view.post_id}", "elements": [button]},
        context(about, note, private),
    ]


def answer_value(post_id: int, choice: int) -> str:
    """What a button carries: enough to answer with no state kept in the adapter."""
    return f"{post_id}:{choice}"


ANSWER_VALUE = re.compile(r"(\d{1,18}):(\d)", re.ASCII)  # post ids fit SQLite's 64 bits


def post_id_value(value: object) -> int | None:
    """A button whose value is a post id (typed answer, flashcard, choices' Submit)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def parse_answer_value(value: str) -> tuple[int, int] | None:
    found = ANSWER_VALUE.fullmatch(value)
    if found is None:
        return None
    return int(found[1]), int(found[2])


BAR_WIDTH = 10


def share_bar(share: float) -> str:
    filled = round(share * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
