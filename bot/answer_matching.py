"""Does a typed answer match one of a question's accepted answers?

A pure function (no I/O, no state): :func:`matches`. What counts as the same answer:

- case, surrounding space, runs of inner space, diacritics (``Müller`` = ``Muller``) and
  smart quotes are ignored;
- punctuation is ignored (``CD-ROM`` = ``CD ROM`` = ``cdrom``, ``Who?`` = ``who``), except
  ``#`` and ``+`` right after a letter, so ``C#`` and ``C++`` are not ``C``;
- spaces are ignored when comparing (``twenty four`` = ``twentyfour``);
- numbers match as numbers: ``7`` = ``7.0`` = ``7,0`` = ``07``; ``1,000`` = ``1000``;
- a small typo is forgiven when the accepted answer is at least
  :data:`FUZZY_MIN_LENGTH` characters long (after normalising) and the RapidFuzz
  ``ratio`` of the two is at least :data:`FUZZY_THRESHOLD` — but never across numbers:
  when either side has a digit, the digits must be the same (``1822`` is not ``1823``).

The threshold was measured on the real Red trivia lists (see
``tests/test_answer_matching.py`` and ``bench/answer_matching_cross.py``): no question's
accepted answers fuzzily match any other question's answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz

FUZZY_THRESHOLD = 85.0
FUZZY_MIN_LENGTH = 5

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)
# "#" and "+" after a letter or "+" are part of a name (C#, C++, F#), not punctuation
_KEEP = re.compile(r"(?<=[^\W\d_])[#+]+|(?<=\+)\+")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


def normalize(text: str) -> str:
    """The comparable form of an answer: lower case, no diacritics, punctuation as
    spaces (apostrophes dropped), single spaces, no surrounding space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _APOSTROPHE.sub("", text)
    kept = {m.start(): m.group() for m in _KEEP.finditer(text)}
    out: list[str] = []
    i = 0
    while i < len(text):
        if i in kept:
            out.append(kept[i])
            i += len(kept[i])
            continue
        c = text[i]
        category = unicodedata.category(c)
        out.append(" " if category[0] in "PSZC" and c not in ".," else c)
        i += 1
    # "." and "," only matter inside numbers (7.5, 1,000); elsewhere they are punctuation
    joined = re.sub(r"(?<!\d)[.,]|[.,](?!\d)", " ", "".join(out))
    return " ".join(joined.split())


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")


def _number(text: str) -> Decimal | None:
    """``text`` as a number, or None: ``7``, ``-7.0``, ``7,5`` (a decimal comma) and
    ``1,000`` (a comma before exactly three digits groups thousands)."""
    compact = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    compact = "".join(compact.split())
    if _THOUSANDS.match(compact):
        compact = compact.replace(",", "")
    elif _DECIMAL_COMMA.match(compact):
        compact = compact.replace(",", ".")
    elif not _PLAIN.match(compact):
        return None
    try:
        return Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the patterns admit only numbers
        return None


def _digits(text: str) -> list[str]:
    return re.findall(r"\d+", text)


def matches(typed: str, accepted: Sequence[str]) -> bool:
    """True when ``typed`` is one of the ``accepted`` answers (see the module docstring)."""
    mine = normalize(typed)
    if not mine:
        return False
    mine_compact = mine.replace(" ", "")
    mine_number = _number(typed)
    for answer in accepted:
        theirs = normalize(answer)
        if not theirs:  # an answer made only of punctuation must be typed as written
            if typed.strip().casefold() == answer.strip().casefold() and typed.strip():
                return True
            continue
        their_number = _number(answer)
        if mine_number is not None and their_number is not None:
            if mine_number == their_number:
                return True
            continue
        if mine_compact == theirs.replace(" ", ""):
            return True
        if _digits(mine) != _digits(theirs):
            continue
        if len(theirs) >= FUZZY_MIN_LENGTH and fuzz.ratio(mine, theirs) >= FUZZY_THRESHOLD:
            return True
    return False
