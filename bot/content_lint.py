"""Warnings about questions that can be gamed: content that loads but teaches badly.

``load_pack`` refuses content that is *wrong* (bad YAML, unknown keys, an answer that is not a
choice). This module looks at content that is valid but *gameable*:

- **longest answer**: on a card where the right answer is the longest choice (strictly or
  tied) in more than 40% of the choice questions, a learner scores well by always picking the
  longest text. Reported once per card. The mirror trick (always pick the *shortest* text) is
  checked the same way, since shortening answers is the usual cure for the first warning.
- **why repeats the answer**: the Why should explain *why* the answer is right, not say the
  answer again. The measure: both texts are reduced to lowercase words (punctuation and quotes
  dropped), and difflib's matching blocks count how many of the answer's words appear in the
  Why, in the same order. When that is at least 80% of the answer's words, the Why repeats the
  answer almost word for word. Answers of fewer than 4 words are exempt (a two-word answer such
  as "A pipe" is naturally named by the sentence that explains it).

Warnings never stop the bot; ``quizbot content validate`` prints them and still exits 0.
"""

from __future__ import annotations

import re
from collections import defaultdict
from difflib import SequenceMatcher
from pathlib import Path

import yaml

from bot.content import ContentProblem, Pack, Question
from bot.content_files import find_files, read_text

#: A card warns when more than this share of its questions have the longest (or the
#: shortest) choice as answer.
LONGEST_SHARE = 0.4
#: A question warns when at least this share of its answer's words reappear, in order, in the Why.
REPEAT_SHARE = 0.8
#: Answers shorter than this many words are not checked for repetition.
REPEAT_MIN_WORDS = 4

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lowercase words of ``text`` (apostrophes of any kind joined: "can’t" -> "cant")."""
    return _WORD.findall(re.sub(r"['’‘`]", "", text.casefold()))


def answer_is_longest(question: Question) -> bool:
    """The right answer is the longest choice, or tied for longest (by characters)."""
    if question.typed or not question.choices:
        return False
    return len(question.answer) >= max(len(c) for c in question.choices)


def answer_is_shortest(question: Question) -> bool:
    """The right answer is the shortest choice, or tied for shortest (by characters)."""
    if question.typed or not question.choices:
        return False
    return len(question.answer) <= min(len(c) for c in question.choices)


def why_repeat_share(question: Question) -> float:
    """Share of the answer's words found, in order, in the Why (0.0 for short answers)."""
    answer = words(question.answer)
    if question.typed or len(answer) < REPEAT_MIN_WORDS:
        return 0.0
    matcher = SequenceMatcher(None, answer, words(question.why), autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return matched / len(answer)


def lint_pack(pack: Pack) -> list[ContentProblem]:
    """Every warning for ``pack``, as ``file:line: warning: ...`` problems, in pack order."""
    where = _Locations(pack.source)
    warnings: list[ContentProblem] = []
    by_card: dict[str, list[Question]] = defaultdict(list)
    for question in pack.questions:
        by_card[question.card_id].append(question)

    for card in pack.cards:
        choice_questions = [q for q in by_card[card.id] if not q.typed and q.choices]
        for name, test, cure in (
            (
                "longest",
                answer_is_longest,
                "make distractors as long and plausible, or shorten answers",
            ),
            ("shortest", answer_is_shortest, "vary the answers' length against the distractors"),
        ):
            hits = [q for q in choice_questions if test(q)]
            share = len(hits) / len(choice_questions) if choice_questions else 0.0
            if share > LONGEST_SHARE:
                file, line = where.of(card.id)
                warnings.append(
                    ContentProblem(
                        file,
                        line,
                        f"warning: card {card.id!r}: the right answer is the {name} choice in "
                        f"{len(hits)} of {len(choice_questions)} questions ({share:.0%}; at most "
                        f"{LONGEST_SHARE:.0%}), so picking the {name} text wins; {cure}",
                    )
                )
        for question in by_card[card.id]:
            share = why_repeat_share(question)
            if share >= REPEAT_SHARE:
                file, line = where.of(question.id)
                warnings.append(
                    ContentProblem(
                        file,
                        line,
                        f"warning: question {question.id!r}: the why repeats the answer almost "
                        f"word for word ({share:.0%} of its words); explain why it is right",
                    )
                )
    return warnings


class _Locations:
    """File and line of each card and question id, read from the pack's YAML files.

    Only composed (cheaply, no conversion) when a warning needs a place; ids that cannot be
    found point at the pack's folder, line 0.
    """

    def __init__(self, source: Path) -> None:
        self._source = source
        self._found: dict[str, tuple[str, int]] | None = None

    def of(self, item_id: str) -> tuple[str, int]:
        if self._found is None:
            self._found = self._scan()
        return self._found.get(item_id, (str(self._source), 0))

    def _scan(self) -> dict[str, tuple[str, int]]:
        # the loader's own file finding and reading: a FIFO or folder named x.yaml is never
        # opened (a plain glob + read_text would block on a FIFO forever)
        files, _, _ = find_files(self._source)
        found: dict[str, tuple[str, int]] = {}
        for file in files:
            text, _ = read_text(file)
            if text is None:
                continue
            try:
                node = yaml.compose(text, Loader=yaml.SafeLoader)
            except yaml.YAMLError:
                continue
            if not isinstance(node, yaml.MappingNode):
                continue
            for key, value in node.value:
                items = [value] if key.value == "card" else []
                if key.value == "questions" and isinstance(value, yaml.SequenceNode):
                    items = list(value.value)
                for item in items:
                    if not isinstance(item, yaml.MappingNode):
                        continue
                    for k, v in item.value:
                        if k.value == "id" and isinstance(v, yaml.ScalarNode):
                            found.setdefault(v.value, (str(file), item.start_mark.line + 1))
        return found
