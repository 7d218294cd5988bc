"""Does a typed answer match one of a question's accepted answers?

A pure function (no I/O, no state): :func:`matches`. What counts as the same answer:

- case, surrounding space, runs of inner space, diacritics (``Müller`` = ``Muller``) and
  smart quotes are ignored;
- punctuation is ignored (``CD-ROM`` = ``CD ROM`` = ``cdrom``, ``Who?`` = ``who``), except
  ``#`` and ``+`` right after a letter, so ``C#`` and ``C++`` are not ``C``;
- spaces are ignored when comparing (``twenty four`` = ``twentyfour``);
- a leading English article is ignored (``current working directory`` = ``the current
  working directory``; ``an apple`` = ``apple``), unless it is all there is;
- numbers match as numbers: ``7`` = ``7.0`` = ``7,0`` = ``07``; ``1,000`` = ``1000``;
- typos are forgiven by counting edits (RapidFuzz's OSA distance: a letter inserted,
  deleted, changed, or two neighbours swapped): none for answers shorter than
  :data:`FUZZY_MIN_LENGTH` characters (after normalising, spaces not counted), one up
  to :data:`LONG_ANSWER` - 1 characters, two from :data:`LONG_ANSWER` on — but never across
  numbers: when either side has a digit, the digits must be the same (``1822`` is not
  ``1823``, ``CD-R`` is not ``CD-RW``... by the edit count).

Why edits and not a similarity ratio: on the real question banks (Red's computers and
Game of Thrones lists, the Anki deck, GIFT short answers: 246 typed questions, 80,850
pairs of a question and another question's answer) a RapidFuzz ratio of 85 accepted 32
wrong answers ("Compact Disc Rewritable" for "Compact Disc Recordable"), and 90, which
accepts none, still allows four edits in a 40-letter answer. This rule accepts no other
question's answer; allowing one edit from 5 letters would accept "basil" for "BASIC", two
from 8 "House Tarly" for "House Tully". It forgives 224 of 256 one-letter deletions in
real answers (the rest are 5-letter answers); the nearest miss is "seven" for "server",
two edits where one is allowed. Measured by
``bench/answer_matching_cross.py``, checked by ``tests/test_answer_matching.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

FUZZY_MIN_LENGTH = 6
LONG_ANSWER = 12

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


ARTICLES = frozenset({"the", "a", "an"})


def _without_article(normalized: str) -> str:
    first, _, rest = normalized.partition(" ")
    return rest if first in ARTICLES and rest else normalized


def matches(typed: str, accepted: Sequence[str]) -> bool:
    """True when ``typed`` is one of the ``accepted`` answers (see the module docstring)."""
    mine = _without_article(normalize(typed))
    if not mine:  # only punctuation: right only if an answer is that punctuation, as written
        raw = typed.strip()
        return bool(raw) and any(
            not normalize(a) and a.strip().casefold() == raw.casefold() for a in accepted
        )
    mine_compact = mine.replace(" ", "")
    mine_number = _number(typed)
    for answer in accepted:
        theirs = _without_article(normalize(answer))
        if not theirs:  # only punctuation: see above
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
        if _close(mine, theirs):
            return True
    return False


def allowed_typos(answer: str) -> int:
    """How many edits a typed answer may be away from the normalised ``answer`` (its
    length is counted without spaces)."""
    length = len(answer.replace(" ", ""))
    if length < FUZZY_MIN_LENGTH:
        return 0
    return 1 if length < LONG_ANSWER else 2


def _close(typed: str, answer: str) -> bool:
    allowed = allowed_typos(answer)
    if allowed == 0:
        return False
    # RapidFuzz loads with the first typo to weigh, not with every start (~8 ms of CPU)
    from rapidfuzz.distance import OSA

    return OSA.distance(typed, answer, score_cutoff=allowed) <= allowed
