"""Moodle GIFT files: multiple choice, true/false and short answer questions.

Questions are separated by blank lines; whole lines starting with ``//`` are comments;
``$CATEGORY: a/b/c`` starts a new topic (named after its last part). Numeric, matching,
essay and description items are skipped with one line each, and so is a question that
cannot be read (malformed: the rest of the file is imported). Choice weights: only a
full-credit choice (``=`` or ``%100%``) is right; partial-credit choices become wrong
choices with their feedback; several right choices (``=`` more than once, or part
credits adding up to 100%) make a choose-all-that-apply question; one without is
skipped. Short answers accept only their full-credit answers; the only answer may be
written without ``=`` (``{One}``). A question is matching only when every answer is
``=left -> right`` (else ``->`` is text). A format tag on an answer or a feedback
(``~[html]<b>No</b>``) is dropped and decides how that text is read.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from bot.content import MAX_CHOICES
from bot.importers.common import (
    KIND_CHOICE,
    KIND_MULTI,
    KIND_TRUE_FALSE,
    KIND_TYPED,
    FileReport,
    ImportedQuestion,
    ParsedFile,
    html_to_text,
    plain_text,
)
from bot.kernel.text import count_of

FORMAT = "gift"
_FORMAT_TAG = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_TRUE_FALSE = re.compile(r"^(T|TRUE|F|FALSE)\b", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_ESCAPABLE = set("~=#{}:\\")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True)
class _Answer:
    right_marker: bool  # "=" (else "~")
    weight: float
    text: str
    feedback: str
    offset: int


class _Block:
    """One question's text with a map back to source lines; escapes are kept (as
    ``\\x``) until the parts are cut, then undone by ``_unescape``."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.first_line = first_line

    def line(self, offset: int) -> int:
        return self.first_line + self.text.count("\n", 0, max(offset, 0))


def _find(text: str, token: str, start: int = 0) -> int:
    """Index of the first unescaped ``token`` at or after ``start``; -1 when none."""
    for match in _escape_or(token).finditer(text, start):
        if match.group() == token:
            return match.start()
    return -1


def _split_unescaped(text: str, markers: str) -> list[tuple[int, str]]:
    """Cut ``text`` before each unescaped marker character; (offset, piece) pairs."""
    cuts = [m.start() for m in _escape_or(f"[{re.escape(markers)}]", regex=True).finditer(text)]
    cuts = [c for c in cuts if text[c] != "\\"]
    bounds = [*cuts, len(text)]
    return [(bounds[n], text[bounds[n] : bounds[n + 1]]) for n in range(len(cuts))]


@functools.cache
def _escape_or(token: str, regex: bool = False) -> re.Pattern[str]:
    """Matches an escape (a backslash and the character after it) or ``token``: scanning with
    it skips escaped tokens in one pass, in C."""
    return re.compile(r"\\.|" + (token if regex else re.escape(token)), re.DOTALL)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_unescaped, text)


def _unescaped(match: re.Match[str]) -> str:
    nxt = match.group(1)
    return "\n" if nxt == "n" else nxt if nxt in _ESCAPABLE else "\\" + nxt


def _blocks(text: str) -> list[_Block]:
    """Question blocks: runs of non-blank lines, comment lines left out (as empty lines,
    so line numbers stay right)."""
    blocks: list[_Block] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("//"):
            if current:
                current.append("")
            continue
        if not line.strip():
            if current and any(part.strip() for part in current):
                blocks.append(_Block("\n".join(current).rstrip(), first))
            current = []
            continue
        if not current:
            first = number
        current.append(line)
    if current and any(part.strip() for part in current):
        blocks.append(_Block("\n".join(current).rstrip(), first))
    return blocks


def parse(path: Path, text: str, label: str) -> ParsedFile:
    """Read a GIFT file's ``text``; ``label`` names it in messages."""
    report = FileReport(label, FORMAT)
    topic = Path(label).stem
    for block in _blocks(text):
        body = block.text
        if body.lstrip().startswith("$CATEGORY:"):
            first_line, _, rest = body.lstrip().partition("\n")
            name = first_line.removeprefix("$CATEGORY:").strip()
            parts = [p for p in name.split("/") if p and p not in ("$course$", "$system$")]
            parts = [p for p in parts if p != "top"] or parts
            topic = parts[-1].strip() if parts else topic
            if not rest.strip():
                continue
            block = _Block(rest, block.first_line + 1)
        _question(block, topic, report)
    return report.result()


def _question(block: _Block, topic: str, report: FileReport) -> None:
    body = block.text
    start = len(body) - len(body.lstrip())
    title = ""
    if body.startswith("::", start):
        end = _find(body, "::", start + 2)
        if end < 0:
            report.malformed(block.line(start), "the title's '::' is never closed")
            return
        title = _unescape(body[start + 2 : end]).strip()
        start = end + 2
    open_at = _find(body, "{", start)
    close_bad = _find(body, "}", start)
    if close_bad >= 0 and (open_at < 0 or close_bad < open_at):
        report.malformed(
            block.line(close_bad), "'}' without an opening '{' (write \\} for a brace)"
        )
        return
    if open_at < 0:
        report.skip(block.line(start), f"description item{_named(title)}: no answers to ask")
        return
    close_at = _find(body, "}", open_at + 1)
    nested = _find(body, "{", open_at + 1)
    if close_at < 0 or (0 <= nested < close_at):
        report.malformed(
            block.line(open_at),
            "'{' is not closed before the end of the question (a blank line ends a question;"
            " write \\{ for a brace)",
        )
        return
    after = body[close_at + 1 :]
    if _find(after, "{") >= 0:
        report.skip(block.line(open_at), f"question{_named(title)} has several answer blocks")
        return
    if _find(after, "}") >= 0:
        report.malformed(block.line(close_at + 1 + _find(after, "}")), "'}' without an opening '{'")
        return

    stem_raw = body[start:open_at]
    html = False
    tag = _FORMAT_TAG.match(stem_raw)
    if tag:
        html = tag.group(1).lower() == "html"
        stem_raw = stem_raw[tag.end() :]
    before, after = stem_raw.strip(), after.strip()
    if after:
        joiner = "" if after[0] in ".,;:!?)" else " "
        stem_raw = f"{before} _____{joiner}{after}" if before else f"_____{joiner}{after}"
    else:
        stem_raw = before
    prompt = _text(stem_raw, html, report, block.line(start))
    if not prompt:
        prompt = title
    if not prompt:
        report.malformed(block.line(start), "question has no text")
        return
    inner = body[open_at + 1 : close_at]
    _answers(block, open_at + 1, inner, prompt, title, html, topic, report)


def _format(raw: str, html: bool) -> tuple[str, bool]:
    """An answer's or feedback's own format tag (``~[html]<b>No</b>``) is dropped and decides
    how its text is read; without one, the question's format holds."""
    tag = _FORMAT_TAG.match(raw)
    if tag is None:
        return raw, html
    return raw[tag.end() :], tag.group(1).lower() == "html"


def _named(title: str) -> str:
    return f" '{title}'" if title else ""


def _text(raw: str, html: bool, report: FileReport, line: int) -> str:
    """Plain text of a part: source line breaks are wrapping (spaces); only the ``\\n``
    escape (or HTML's own paragraphs and <br>) starts a new line."""
    text = _unescape(" ".join(raw.splitlines()))
    clean, media = html_to_text(text) if html else plain_text(text)
    if media:
        report.note(line, f"dropped {count_of(media, 'media reference')}")
    return clean


def _answers(
    block: _Block,
    base: int,
    inner: str,
    prompt: str,
    title: str,
    html: bool,
    topic: str,
    report: FileReport,
) -> None:
    line = block.line(base)
    what = _named(title) or f" '{prompt if len(prompt) <= 40 else prompt[:39] + '…'}'"
    stripped = inner.strip()
    if not stripped:
        report.skip(line, f"essay question{what}: quizbot cannot mark free text")
        return
    if stripped.startswith("#"):
        report.skip(line, f"numeric question{what}: numeric ranges are not supported")
        return
    general = ""
    cut = _find(inner, "####")
    if cut >= 0:
        general = _text(inner[cut + 4 :], html, report, line)
        inner = inner[:cut]
        stripped = inner.strip()
    tf = _TRUE_FALSE.match(stripped)
    if tf and not stripped.startswith(("=", "~")):
        _true_false(tf.group(1), stripped[tf.end() :], prompt, general, html, topic, report, line)
        return
    lead = len(inner) - len(inner.lstrip())
    if stripped and stripped[0] not in "=~":
        if _split_unescaped(stripped, "=~"):
            report.malformed(
                block.line(base + lead),
                f"answers must start with '=' (right) or '~' (wrong), found {stripped[:20]!r}",
            )
            return
        inner = "=" + inner.lstrip()  # the only answer, written without '=': {One}
        lead = 0
    pieces = _split_unescaped(inner, "=~")
    if all(piece[0] == "=" and _find(piece, "->") >= 0 for _, piece in pieces):
        report.skip(line, f"matching question{what}: matching is not supported")
        return
    answers: list[_Answer] = []
    for offset, piece in pieces:
        marker, rest = piece[0], piece[1:]
        weight_match = _WEIGHT.match(rest.lstrip())
        weight = 100.0 if marker == "=" else 0.0
        if weight_match:
            weight = float(weight_match.group(1))
            rest = rest.lstrip()[weight_match.end() :]
        hash_at = _find(rest, "#")
        text_raw, feedback_raw = (
            (rest, "") if hash_at < 0 else (rest[:hash_at], rest[hash_at + 1 :])
        )
        answers.append(
            _Answer(
                right_marker=marker == "=",
                weight=weight,
                text=_text(*_format(text_raw, html), report, line),
                feedback=_text(*_format(feedback_raw, html), report, line),
                offset=base + offset,
            )
        )
    for answer in answers:
        if not answer.text:
            report.malformed(block.line(answer.offset), "an answer has no text")
            return
    if any(not a.right_marker for a in answers):
        _choice(answers, prompt, general, what, topic, report, line)
    else:
        _short(answers, prompt, general, what, topic, report, line)


def _true_false(
    value: str,
    rest: str,
    prompt: str,
    general: str,
    html: bool,
    topic: str,
    report: FileReport,
    line: int,
) -> None:
    """Moodle's order: the first ``#feedback`` is shown for a wrong answer, the second
    for the right one."""
    is_true = value.upper() in ("T", "TRUE")
    parts = _split_unescaped(rest, "#")
    if rest[: parts[0][0] if parts else len(rest)].strip():
        report.malformed(line, f"unexpected text after {value!r}: {rest.strip()[:20]!r}")
        return
    feedback = [_text(piece[1:], html, report, line) for _, piece in parts]
    wrong = feedback[0] if feedback else ""
    right = feedback[1] if len(feedback) > 1 else ""
    answer = "True" if is_true else "False"
    report.add(
        topic,
        ImportedQuestion(
            prompt=prompt,
            kind=KIND_TRUE_FALSE,
            line=line,
            choices=("True", "False"),
            answer=answer,
            feedback=("", wrong) if is_true else (wrong, ""),
            why=general,
            right_feedback=right,
            keep_order=True,
        ),
    )


def _choice(
    answers: list[_Answer],
    prompt: str,
    general: str,
    what: str,
    topic: str,
    report: FileReport,
    line: int,
) -> None:
    right = [a for a in answers if a.weight >= 100]
    credited = [a for a in answers if a.weight > 0]
    if not right and abs(sum(a.weight for a in credited) - 100) < 1 and len(credited) > 1:
        right = credited  # ~%50%A ~%50%B: choose all that apply, each right one part credit
    if not right:
        report.skip(line, f"multiple choice{what} has no full-credit choice")
        return
    if not 2 <= len(answers) <= MAX_CHOICES:
        fit = f"2 to {MAX_CHOICES} fit"
        report.skip(line, f"multiple choice{what} has {len(answers)} choices ({fit})")
        return
    folded = [a.text.casefold() for a in answers]
    if len(set(folded)) != len(folded):
        report.skip(line, f"multiple choice{what} has two identical choices")
        return
    if len(right) == len(answers):
        report.skip(line, f"multiple choice{what}: every choice is right, none to leave out")
        return
    if len(right) > 1:  # several right choices: choose all that apply
        report.add(
            topic,
            ImportedQuestion(
                prompt=prompt,
                kind=KIND_MULTI,
                line=line,
                choices=tuple(a.text for a in answers),
                answers=tuple(a.text for a in right),
                feedback=tuple("" if a in right else a.feedback for a in answers),
                why=general,
            ),
        )
        return
    feedback = []
    for a in answers:
        if a is right[0]:
            feedback.append("")
        elif a.weight > 0:
            note = f"This choice earned {a.weight:g}% credit in the original quiz."
            feedback.append(f"{a.feedback} ({note})" if a.feedback else note)
        else:
            feedback.append(a.feedback)
    report.add(
        topic,
        ImportedQuestion(
            prompt=prompt,
            kind=KIND_CHOICE,
            line=line,
            choices=tuple(a.text for a in answers),
            answer=right[0].text,
            feedback=tuple(feedback),
            why=general,
            right_feedback=right[0].feedback,
        ),
    )


def _short(
    answers: list[_Answer],
    prompt: str,
    general: str,
    what: str,
    topic: str,
    report: FileReport,
    line: int,
) -> None:
    accepted = [a for a in answers if a.weight >= 100]
    if not accepted:
        report.skip(line, f"short answer{what} has no full-credit answer")
        return
    partial = [a for a in answers if a.weight < 100]
    if partial:
        dropped = ", ".join(f"{a.text!r} ({a.weight:g}%)" for a in partial)
        report.note(line, f"partial-credit answers not accepted: {dropped}")
    report.add(
        topic,
        ImportedQuestion(
            prompt=prompt,
            kind=KIND_TYPED,
            line=line,
            accept=tuple(dict.fromkeys(a.text for a in accepted)),
            why=general,
            right_feedback=accepted[0].feedback,
        ),
    )
