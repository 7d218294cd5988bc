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

- **absolute words**: test-wise learners rule out choices that say *always*, *never*, *only*,
  *every*... because few true statements are that sweeping. A question warns when two or more
  of its distractors use such a word that its answer does not.
- **near-duplicate prompts**: two questions (anywhere in the pack) whose prompts have the same
  content words (function words dropped, plurals folded, order ignored), or nearly the same
  ones (difflib ratio of at least 75%) while expecting nearly the same answer (at least 80%).
  Template questions that differ in their subject ("What does CD-R stand for?", "... CD-RW
  ...") are not near-duplicates: their answers differ.
- **application without a scenario**: ``source: application`` promises a situation to apply an
  idea to. A prompt that is a single question sentence, with no setup sentence before it and
  no code, is recall whatever its label says.

Warnings never stop the bot; ``quizbot content validate`` prints them and still exits 0.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
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

#: Words that make a claim sweeping; in a distractor (and not in the answer) they give it away.
ABSOLUTE_WORDS = frozenset(
    "always never only every everything everyone all none nothing nobody".split()
)
#: How many distractors with absolute words the answer lacks make a question warn.
ABSOLUTE_DISTRACTORS = 2
#: Prompts at least this similar (difflib ratio of their content words) whose answers are at
#: least ANSWER_ALIKE similar are near-duplicates.
PROMPT_ALIKE = 0.75
ANSWER_ALIKE = 0.8
#: Words that carry no topic: dropped before prompts are compared.
_FUNCTION_WORDS = frozenset(
    "a an the of to in on at by for with as and or is are be it its this that "
    "what which why how does do can you your".split()
)
APPLICATION = "application"

_WORD = re.compile(r"[a-z0-9]+")
# A sentence ends at . ! ? or : (closing quotes allowed) before a space and a capital, a digit,
# a quote, a code span or a bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?:])[\"”’)]*\s+(?=[A-Z0-9`“\"(])")


def words(text: str) -> list[str]:
    """Lowercase words of ``text`` (apostrophes of any kind joined: "can’t" -> "cant")."""
    return _WORD.findall(re.sub(r"['’‘`]", "", text.casefold()))


def answer_is_longest(question: Question) -> bool:
    """The right answer is the longest choice, or tied for longest (by characters)."""
    if question.typed or question.multi or not question.choices:
        return False
    return len(question.answer) >= max(len(c) for c in question.choices)


def answer_is_shortest(question: Question) -> bool:
    """The right answer is the shortest choice, or tied for shortest (by characters)."""
    if question.typed or question.multi or not question.choices:
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


def absolute_distractors(question: Question) -> list[str]:
    """The distractors that use an absolute word (always, only, ...) the answer does not."""
    if question.typed or question.multi or not question.choices:
        return []
    in_answer = set(words(question.answer))
    return [
        choice
        for i, choice in enumerate(question.choices)
        if i not in question.right_indexes and (set(words(choice)) & ABSOLUTE_WORDS) - in_answer
    ]


def content_words(text: str) -> list[str]:
    """Words that carry the topic: function words dropped, a plural "s" folded."""
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in words(text)
        if w not in _FUNCTION_WORDS
    ]


def _answer_text(question: Question) -> str:
    return question.accept[0] if question.typed else question.answer


def _alike(a: list[str], b: list[str]) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def near_duplicates(questions: list[Question]) -> list[tuple[Question, Question]]:
    """Pairs (earlier, later) of questions that ask the same thing (see the module doc).

    Only pairs that share content words are compared (an index from each word to the prompts
    holding it), and difflib runs only where the shared words allow a ratio of PROMPT_ALIKE:
    thousands of imported questions stay quick.
    """
    prompts = [content_words(q.prompt) for q in questions]
    answers = [content_words(_answer_text(q)) for q in questions]
    holders: dict[str, list[tuple[int, int]]] = defaultdict(list)  # word -> (question, count)
    pairs = []
    for j, prompt in enumerate(prompts):
        bag = Counter(prompt)
        shared: Counter[int] = Counter()  # earlier question -> words in common (with repeats)
        for word, count in bag.items():
            for i, count_i in holders[word]:
                shared[i] += min(count, count_i)
            holders[word].append((j, count))
        for i in sorted(shared):
            total = len(prompts[i]) + len(prompt)
            same_words = shared[i] == len(prompts[i]) == len(prompt)
            # difflib's ratio is at most 2 * shared words / all words
            if same_words or (
                2 * shared[i] >= PROMPT_ALIKE * total
                and _alike(prompts[i], prompt) >= PROMPT_ALIKE
                and _alike(answers[i], answers[j]) >= ANSWER_ALIKE
            ):
                pairs.append((questions[i], questions[j]))
    return pairs


def has_scenario(prompt: str) -> bool:
    """A setup before the question: code, several lines, or a sentence before the last one."""
    text = prompt.strip()
    if "`" in text or "\n" in text:
        return True
    return len([s for s in _SENTENCE_END.split(text) if s.strip()]) >= 2


def lint_pack(pack: Pack) -> list[ContentProblem]:
    """Every warning for ``pack``, as ``file:line: warning: ...`` problems, in pack order."""
    where = _Locations(pack.source)
    warnings: list[ContentProblem] = []
    by_card: dict[str, list[Question]] = defaultdict(list)
    for question in pack.questions:
        by_card[question.topic_id].append(question)

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
            warnings += [
                ContentProblem(*where.of(question.id), f"warning: question {question.id!r}: {text}")
                for text in _question_warnings(question)
            ]
    for earlier, later in near_duplicates(list(pack.questions)):
        warnings.append(
            ContentProblem(
                *where.of(later.id),
                f"warning: question {later.id!r}: its prompt nearly repeats question "
                f"{earlier.id!r}'s ({where.described(earlier.id)}); merge them or make one ask "
                "something else",
            )
        )
    return warnings


def _question_warnings(question: Question) -> list[str]:
    found: list[str] = []
    share = why_repeat_share(question)
    if share >= REPEAT_SHARE:
        found.append(
            f"the why repeats the answer almost word for word ({share:.0%} of its words); "
            "explain why it is right"
        )
    absolute = absolute_distractors(question)
    if len(absolute) >= ABSOLUTE_DISTRACTORS:
        named = "; ".join(repr(choice) for choice in absolute)
        found.append(
            f"{len(absolute)} distractors use absolute words (always, never, only, every, all, "
            f"none...) that the answer lacks ({named}), a cue for ruling them out; make them "
            "real misconceptions stated without absolutes"
        )
    if question.source == APPLICATION and not has_scenario(question.prompt):
        found.append(
            "it is labelled application, but its prompt is one question with no scenario (no "
            "setup sentence, no code); give it a situation to apply the idea to, or label it "
            "by the lesson part it recalls"
        )
    return found


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

    def described(self, item_id: str) -> str:
        """``file:line`` of ``item_id``, for naming a second place in a message."""
        file, line = self.of(item_id)
        return f"{file}:{line}"

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
