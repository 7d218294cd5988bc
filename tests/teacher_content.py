"""A small pack for the teacher's-view tests: one card, three choice questions (some choices
without feedback) and one typed-answer question, so every figure can be computed by hand."""

from __future__ import annotations

from pathlib import Path

ITEMS_CARD = """\
card:
  id: item-lab
  title: Item lab
  track: lab
  summary: Questions whose figures the tests compute by hand.
  sections:
    - heading: Why
      points: [Every figure is checked against a hand computation.]
  recap: [Item analysis reads first answers only.]
questions:
  - id: lab-one
    prompt: Which is the first letter?
    why: A comes first.
    choices:
      - A
      - {text: B, feedback: B comes second.}
      - {text: C, feedback: C comes third.}
      - D
    answer: A
  - id: lab-two
    prompt: Which is the first number?
    why: One comes first.
    choices:
      - one
      - {text: two, feedback: Two is second.}
      - {text: three, feedback: Three is third.}
      - {text: four, feedback: Four is fourth.}
    answer: one
  - id: lab-three
    prompt: Which colour is the sky on a clear day?
    why: Blue light scatters most.
    choices:
      - blue
      - {text: green, feedback: Grass is green.}
      - {text: red, feedback: Sunsets are red.}
      - {text: black, feedback: Night is black.}
    answer: blue
  - id: lab-multi
    prompt: Which are vowels?
    why: A and E are vowels; B and C are consonants.
    choices:
      - A
      - E
      - {text: B, feedback: B is a consonant.}
      - {text: C, feedback: C is a consonant.}
    answers: [A, E]
  - id: lab-card
    prompt: What does CPU stand for?
    why: The central processing unit runs the instructions.
    back: Central processing unit.
  - id: lab-typed
    prompt: Which transport protocol retransmits lost segments?
    why: TCP acknowledges every segment and retransmits what is lost.
    accept: [TCP]
"""


def teacher_content(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "item-lab.yaml").write_text(ITEMS_CARD, encoding="utf-8")
    return folder
