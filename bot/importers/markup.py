"""Plain text from what importers read: HTML fragments (OpenTDB, Anki, GIFT ``[html]``) and
plain text, media references dropped and counted, whitespace tidied.

HTML goes through libxml2's HTML parser (lxml): it takes linear time on any input, where the
standard library's ``html.parser`` is quadratic on malformed tags (160 KB of ``<!--`` took a
minute). Characters no file should carry (controls, lone surrogates) are dropped first: they
would fail the write of the card file, and libxml2 refuses them.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from bot.kernel.text import strip_controls

if TYPE_CHECKING:
    import lxml.html

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "tbody",
        "thead",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
    }
)
MEDIA_TAGS = frozenset({"audio", "video", "source", "object", "embed"})
HIDDEN_TAGS = frozenset({"script", "style", "head", "title"})  # never shown as text
MEDIA = re.compile(r"\[sound:[^\]]*\]")
_SPACE = re.compile(r"[ \t\r\n\f]+")  # in HTML, line breaks in the source are spaces


@functools.cache
def _lxml() -> tuple[Any, Any, Any]:
    """lxml's HTML module and a parser, imported on first use: only the importers need them
    (not every ``quizbot`` command, nor the bot's start-up)."""
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(recover=True, remove_comments=True, remove_pis=True)
    return lxml.etree, lxml.html, parser


def clean(text: str) -> str:
    """``text`` without control characters (line breaks and tabs kept), lone surrogates or
    other invisible characters: what a card file may hold."""
    return strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"), keep_newlines=True)


def tidy(text: str) -> str:
    """Single spaces inside lines, no blank or surrounding-space lines."""
    text = clean(text).replace("\u00a0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def plain_text(text: str) -> tuple[str, int]:
    """Text that is not HTML: media references dropped, whitespace tidied."""
    text, sounds = MEDIA.subn("", text)
    return tidy(text), sounds


def html_to_text(text: str) -> tuple[str, int]:
    """Plain text of an HTML fragment (entities decoded, tags dropped, paragraphs as
    lines) and how many media references (images, [sound:...]) were dropped."""
    text, sounds = MEDIA.subn("", clean(text))
    if not text.strip():
        return "", sounds
    if "<" not in text and "&" not in text:
        return tidy(text), sounds  # nothing to parse
    etree, html, parser = _lxml()
    body = html.document_fromstring(f"<html><body>{text}</body></html>", parser=parser)
    parts: list[str] = []
    media = 0
    hidden = 0  # inside <script>, <style>...
    for event, element in etree.iterwalk(body, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in HIDDEN_TAGS:
                hidden += 1
            elif tag in BLOCK_TAGS:
                parts.append("\n")
            elif tag in ("td", "th"):
                parts.append(" ")
            elif tag == "img":
                media += _image(element, parts)
            elif tag in MEDIA_TAGS:
                media += 1
            if element.text and not hidden:
                parts.append(_SPACE.sub(" ", element.text))
            continue
        if tag in HIDDEN_TAGS:
            hidden -= 1
        elif tag in BLOCK_TAGS:
            parts.append("\n")
        elif tag == "a":
            href = element.get("href") or ""
            if href.startswith(("http://", "https://")):
                parts.append(f" ({href})")
        if element.tail and not hidden:
            parts.append(_SPACE.sub(" ", element.tail))
    return tidy("".join(parts)), sounds + media


def _image(element: lxml.html.HtmlElement, parts: list[str]) -> int:
    """An image's place in the text: a web address is kept, a local file is media (its alt
    text kept); returns the media dropped (0 or 1)."""
    src = element.get("src") or ""
    if src.startswith(("http://", "https://")):
        parts.append(f" {src} ")
        return 0
    alt = element.get("alt") or ""
    if alt:
        parts.append(f" {alt} ")
    return 1
