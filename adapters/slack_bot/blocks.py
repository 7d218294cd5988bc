"""Block Kit building blocks and Slack's limits, enforced once: ``sections`` splits long text,
``plain`` clips, ``paginate`` splits into messages of at most 50 blocks and trims cleanly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.kernel.results import Image

# Slack's documented limits.
MAX_BLOCKS = 50  # per message
MAX_HOME_BLOCKS = 100  # per App Home view
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000  # we keep context lines short; Slack allows 3,000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_ALT_TEXT = 2000  # an image block's alt_text
MAX_FALLBACK_TEXT = 3000  # Slack allows 40,000; the fallback is only a notification line
# Our own bounds: a response_url takes at most 5 replies, and very large block payloads are
# rejected by Slack well before 50 full sections, so a message carries at most ~12k characters.
MAX_MESSAGES = 5
MAX_MESSAGE_CHARS = 12_000
TABLE_CODE_WIDTH = 90  # wider tables wrap badly in a code block; they become lines instead

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the fallback shown in notifications
    blocks: list[Block] = field(default_factory=list)
    public: bool = False  # True: posted to the channel; False: ephemeral to the caller
    images: tuple[Image, ...] = ()  # uploaded with the message (see SlackAdapter.upload)


# -- building blocks ----------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack mrkdwn needs &, < and > escaped; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def prompt_mrkdwn(prompt: str) -> str:
    """A question's prompt as escaped mrkdwn: its prose bold line by line (Slack's bold stops at
    a line break) and a fenced code snippet (a line of three backticks before and after) kept
    as a code block."""
    lines, in_code = [], False
    for line in escape(prompt).split("\n"):
        if line.strip() == "```":
            in_code = not in_code
            lines.append("```")
        elif in_code or not line.strip():
            lines.append(line)
        else:
            lines.append(f"*{line.strip()}*")
    return "\n".join(lines)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def image_block(file_id: str, image: Image) -> Block:
    """An uploaded picture shown inside a message (a Slack-hosted file, not a public URL)."""
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": clip(image.alt, MAX_ALT_TEXT) or image.name,
    }


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER_TEXT)}


def divider() -> Block:
    return {"type": "divider"}


def context(*texts: str) -> Block:
    elements = [mrkdwn(clip(t, MAX_CONTEXT_TEXT)) for t in texts if t][:MAX_CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements or [mrkdwn(" ")]}


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Chunks of at most ``limit`` characters, cut at line ends where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return [c for c in chunks if c.strip()] or [" "]


def sections(text: str) -> list[Block]:
    """Mrkdwn ``text`` (already escaped) as one or more section blocks."""
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in split_text(text)]


def code_sections(code: str, title: str = "") -> list[Block]:
    """Preformatted text in code blocks (after an optional mrkdwn ``title`` line), split so
    every fenced chunk fits a section."""
    fence = "```"
    body = escape(code.rstrip("\n")).replace(fence, "`\u200b``")
    room = MAX_SECTION_TEXT - 2 * len(fence) - 2
    chunks = split_text(body, room - (len(title) + 1 if title else 0))
    texts = [f"{fence}\n{c}\n{fence}" for c in chunks]
    if title:
        texts[0] = f"{title}\n{texts[0]}"
    return [{"type": "section", "text": mrkdwn(t)} for t in texts]


def fields_section(pairs: list[tuple[str, str]]) -> Block:
    fields = [mrkdwn(clip(f"*{label}*\n{value}", MAX_FIELD_TEXT)) for label, value in pairs]
    return {"type": "section", "fields": fields[:MAX_FIELDS]}


def _size(block: Block) -> int:
    return len(json.dumps(block, ensure_ascii=False))


def paginate(blocks: list[Block], fallback: str, public: bool = False) -> list[SlackMessage]:
    """Split ``blocks`` into messages within Slack's limits; beyond MAX_MESSAGES, trim and say
    so at the end rather than fail."""
    pages: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        if pages[-1] and (len(pages[-1]) >= MAX_BLOCKS or size + _size(block) > MAX_MESSAGE_CHARS):
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += _size(block)
    if len(pages) > MAX_MESSAGES:
        pages = pages[:MAX_MESSAGES]
        note = context("✂️ Trimmed: the rest does not fit in Slack messages.")
        last = pages[-1]
        while last and (
            len(last) >= MAX_BLOCKS or sum(map(_size, last)) + _size(note) > MAX_MESSAGE_CHARS
        ):
            last.pop()
        last.append(note)
    fallback = clip(fallback, MAX_FALLBACK_TEXT - 8)
    return [
        SlackMessage(
            text=fallback if len(pages) == 1 else f"{fallback} ({n}/{len(pages)})",
            blocks=page,
            public=public,
        )
        for n, page in enumerate(pages, 1)
    ]
