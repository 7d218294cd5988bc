"""Anki "Notes in Plain Text" exports.

Header lines (only ``#`` lines at the top of the file): ``#separator:`` (tab, comma,
semicolon, space, pipe, colon or the character), ``#html:true|false`` (no header: HTML,
as Anki exports it), ``#guid column:N``, ``#notetype column:N``, ``#deck column:N``,
``#tags column:N``, ``#deck:NAME``, ``#columns:…`` (columns named Front and Back are the
prompt and the answer wherever they stand; Tags is metadata). Fields may be quoted (``"…"``
with ``""`` for a quote) and span lines. Otherwise, of the remaining fields the first is the
prompt and the second the typed answer (also accepted without a trailing "(…)" remark);
``[sound:…]`` and images are dropped and counted. A back of more than FLASHCARD_WORDS words
makes a self-graded flashcard (the learner reads the back and says whether they knew it);
a shorter one a typed answer, with its alternatives (``alternatives``). One topic per deck
(else per file).
Cloze notes are skipped, and so is a note with a field over MAX_FIELD characters (malformed,
with its line; the notes after it are read from their own first line).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from bot.importers.common import (
    KIND_FLASHCARD,
    KIND_TYPED,
    FileReport,
    ImportedQuestion,
    ParsedFile,
    html_to_text,
    plain_text,
)
from bot.importers.markup import clean
from bot.kernel.text import count_of

FORMAT = "anki"
SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}
_COLUMN = re.compile(r"^(guid|notetype|deck|tags) column$")
FLASHCARD_WORDS = 6  # a longer back makes a self-graded flashcard, not a typed answer
MAX_COLUMN = 1000  # Anki's notes have a few dozen fields at most
MAX_FIELD = csv.field_size_limit()  # 131,072 characters
_CLOZE = re.compile(r"\{\{c\d+::")
_REMARK = re.compile(r"\s*\([^()]*\)\s*$")
_OR = re.compile(r"\(\s*(?:or|also|aka|a\.k\.a\.)\s+([^()]+)\)", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*;\s*|\s+/\s+")  # "X; Y", "X / Y" (never "TCP/IP")


def parse(path: Path, text: str, label: str) -> ParsedFile:
    """Read an Anki text export's ``text``; ``label`` names it in messages."""
    report = FileReport(label, FORMAT)
    lines = text.splitlines(keepends=True)
    headers: dict[str, str] = {}
    first = 0
    while first < len(lines) and lines[first].startswith("#"):
        key, _, value = lines[first][1:].rstrip("\r\n").partition(":")
        key, value = " ".join(key.lower().split()), value.strip()
        if _COLUMN.match(key) and not _column_number(value):
            report.problem(
                first + 1,
                f"#{key}: must be a column number from 1 to {MAX_COLUMN}, not {value[:20]!r}",
            )
            return report.result()
        headers[key] = value
        first += 1
    separator = headers.get("separator", "")
    if separator:
        delimiter = SEPARATORS.get(separator.lower(), separator)
        if len(delimiter) != 1:
            report.problem(1, f"unknown #separator {separator!r}")
            return report.result()
    else:
        sample = "".join(lines[first : first + 5])
        delimiter = "\t" if "\t" in sample else ";" if ";" in sample else ","
    is_html = headers.get("html", "true").lower() != "false"
    meta: set[int] = set()
    for name in ("guid", "notetype", "deck", "tags"):
        value = headers.get(f"{name} column")
        if value is not None:
            meta.add(int(value) - 1)
    # ``#columns:`` names the columns: a "Front" and a "Back" column are the prompt and the
    # answer wherever they stand, and "Tags" is metadata; without names, the first two fields
    names = [n.strip().casefold() for n in headers.get("columns", "").split(delimiter)]
    if "tags" in names:
        meta.add(names.index("tags"))
    sides = (
        (names.index("front"), names.index("back"))
        if "front" in names and "back" in names
        else None
    )
    deck_column = int(headers["deck column"]) - 1 if "deck column" in headers else None
    fixed_deck = clean(headers.get("deck") or Path(label).stem)

    body = lines[first:]
    consumed = 0  # of ``body``, by the reader: a note over the field limit skips the rest of it

    def feed() -> Iterator[str]:
        nonlocal consumed
        while consumed < len(body):
            consumed += 1
            yield body[consumed - 1]

    reader = csv.reader(feed(), delimiter=delimiter, quotechar='"', strict=True)
    media_total = 0
    seen: dict[tuple[str, str], int] = {}
    while True:
        start = first + consumed + 1
        at = consumed
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                report.problem(start, f"broken field quoting: {exc}")
                return report.result()
            report.malformed(
                start,
                f"a field is longer than {MAX_FIELD:,} characters (the most a note's field"
                " may have here); shorten it or split the note",
            )
            consumed = max(consumed, _note_end(body, at, delimiter) + 1)  # the reader's next
            continue
        if not any(cell.strip() for cell in row):
            continue
        deck = fixed_deck
        if deck_column is not None and deck_column < len(row) and row[deck_column].strip():
            deck = " / ".join(part.strip() for part in clean(row[deck_column]).split("::"))
        if sides is not None and max(sides) < len(row):
            rest = [c for n, c in enumerate(row) if n not in meta and n not in sides]
            fields = [row[sides[0]], row[sides[1]], *rest]
        else:
            fields = [cell for n, cell in enumerate(row) if n not in meta]
        if len(fields) < 2:
            report.problem(start, f"a note needs a front and a back; found {len(fields)} field")
            continue
        convert = html_to_text if is_html else plain_text
        front, front_media = convert(fields[0])
        back, back_media = convert(fields[1])
        media_total += (
            front_media
            + back_media
            + sum(len(re.findall(r"\[sound:[^\]]*\]", f)) for f in fields[2:])
        )
        if _CLOZE.search(fields[0]):
            report.skip(start, "cloze note: cloze deletions are not supported")
            continue
        if not front or not back:
            side = "front" if not front else "back"
            report.skip(start, f"the {side} is empty once media and markup are removed")
            continue
        if (deck, front.casefold()) in seen:
            report.skip(start, f"the same front as line {seen[(deck, front.casefold())]}")
            continue
        seen[(deck, front.casefold())] = start
        if len(back.split()) > FLASHCARD_WORDS:  # nobody types that: the learner grades it
            question = ImportedQuestion(prompt=front, kind=KIND_FLASHCARD, line=start, back=back)
        else:
            typed = alternatives(" ".join(back.split()))
            question = ImportedQuestion(prompt=front, kind=KIND_TYPED, line=start, accept=typed)
        report.add(deck, question)
    if media_total:
        report.note(1, f"dropped {count_of(media_total, 'media reference')} ([sound:…], images)")
    return report.result()


def _note_end(lines: list[str], first: int, delimiter: str) -> int:
    """The index of the last of ``lines`` of the note that starts at ``lines[first]``, read as
    the csv reader would: a quote opens a quoted field only at a field's start, ``""`` inside
    one is a quote, and a line ends the note unless a quoted field is open across it."""
    quoted = False
    for index in range(first, len(lines)):
        line, pos = lines[index], 0
        while True:
            if quoted:
                close = line.find('"', pos)
                if close < 0:
                    break  # the field goes on in the next line
                if line.startswith('"', close + 1):
                    pos = close + 2
                    continue
                quoted, pos = False, close + 1
                after = line.find(delimiter, pos)
                if after < 0:
                    return index
                pos = after + 1
            if line.startswith('"', pos):  # a field's start
                quoted, pos = True, pos + 1
                continue
            after = line.find(delimiter, pos)
            if after < 0:
                return index
            pos = after + 1
    return len(lines) - 1


def _column_number(value: str) -> bool:
    """Whether a ``#… column:`` header's value is a column number (ASCII digits: ``\\d``
    would take "²", which ``int`` refuses)."""
    return value.isascii() and value.isdigit() and len(value) <= 4 and 1 <= int(value) <= MAX_COLUMN


def alternatives(back: str) -> tuple[str, ...]:
    """The typed answers a note's back accepts: the back as written, and what it offers as
    alternatives. ``ss (or netstat)`` accepts ``ss`` and ``netstat``; ``X / Y`` and ``X; Y``
    accept each part; a trailing remark ``X (in Python)`` may be left out."""
    found = [back]
    for match in _OR.finditer(back):
        found.append(match.group(1))
    without = re.sub(r"\s+(?=[;,.])", "", " ".join(_OR.sub(" ", back).split()))
    found.append(without)
    found.append(_REMARK.sub("", without))
    for text in list(found):
        found.extend(_SEPARATOR.split(text))
    accepted: dict[str, str] = {}
    for text in found:
        text = text.strip(" ,.")
        if text and text.casefold() not in accepted:
            accepted[text.casefold()] = text
    return tuple(accepted.values())
