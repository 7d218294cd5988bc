"""The console renderer as a pure function: a result in, the text a terminal shows out."""

from __future__ import annotations

import io

from rich.console import Console

from adapters.console.render import safe
from tests import render_samples as s


def shown(reply: object, width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(safe(reply))
    return out.getvalue()


def lines_with(text: str, *parts: str) -> list[str]:
    return [line for line in text.splitlines() if all(p in line for p in parts)]


def test_question_shows_choices_in_the_posts_order():
    text = shown(s.VIEW)
    letters = [line.strip()[:2] for line in text.splitlines() if line.strip()[1:2] == ")"]
    assert letters == ["A)", "B)", "C)", "D)"]
    assert text.index("A) One CPU core") < text.index("B) The process's memory")
    assert text.index("B) The process's memory") < text.index("C) Nothing")
    assert "Q12" in text and "new" in text


def test_a_code_snippet_in_a_prompt_is_shown_indented_without_its_fences():
    text = shown(s.SNIPPET_VIEW)
    assert "Q12 What does this print?" in text
    assert '    if pid == 0:\n        print("child")' in text  # its own indentation kept
    assert "```" not in text


def test_wrong_answer_shows_the_picked_choices_feedback_then_the_why():
    text = shown(s.WRONG)
    assert "❌ Not quite — you picked C) Nothing." in text  # the letter the post showed
    assert "The answer is B) The process's memory." in text
    feedback, why = text.index("C: No: that describes"), text.index("Why: Threads share")
    assert feedback < why
    assert "Total: 30 points · day streak: 4" in text


def test_right_answer_shows_the_why_and_no_feedback():
    text = shown(s.RIGHT)
    assert "✅ Correct! +10 points" in text
    assert "Why: Threads share the process memory." in text
    assert "No:" not in text
    assert "day streak: 4" in text


def test_already_answered_repeats_the_first_answer_with_its_feedback():
    text = shown(s.ALREADY)
    assert "You already answered: C) Nothing — no change." in text
    assert "C: No: that describes separate processes." in text and "Why: " in text


def test_short_card_is_short_and_says_what_to_ask_for_next():
    text = shown(s.SHORT_CARD)
    assert s.CARD.summary in text and "Own" in text and "Shared" in text  # summary and table
    assert "Key idea: Processes isolate; threads share." in text
    assert "A running program with its own memory." not in text  # sections on request
    assert "/quiz card processes-vs-threads sections" in text
    assert "/quiz card processes-vs-threads recap" in text
    assert "/quiz demo spawn" in text and "/quiz card interprocess-communication" in text
    full = shown(s.CardView(s.CARD, s.CardPart.FULL))
    assert len(text.splitlines()) < len(full.splitlines())


def test_card_part_shows_that_part_and_wrapped_bullets_stay_indented():
    recap = shown(s.RECAP_CARD)
    assert "Shared memory is fast and risky." in recap and s.CARD.summary not in recap
    sections = shown(s.CardView(s.CARD, s.CardPart.SECTIONS), width=50)
    bullet = lines_with(sections, "• A line of work")[0]
    start = bullet.index("A line")
    after = sections.splitlines()[sections.splitlines().index(bullet) + 1]
    assert after[:start].strip(" │") == "" and after[start] != " "  # under the text, not the •


def test_leaderboard_says_where_you_stand():
    text = shown(s.BOARD)
    assert "Ada" in text and "100% (4/4)" in text
    assert "You: not ranked yet — 4 more answers to qualify (0%)." in text
    assert "Ranked: 5+ answers" in text


def test_daily_results_follow_the_posts_letters_with_feedback_where_picked():
    text = shown(s.RESULTS)
    assert "B) The process's memory — 3 (75%) ✅" in text
    assert "C) Nothing — 1 (25%)" in text
    assert "↳ No: that describes separate processes." in text
    assert "keeps to itself" not in text  # nobody picked it
    assert "Answer: B) The process's memory" in text
    assert "4 people answered, 3 right (75%)." in text


def test_stats_name_the_day_streak():
    assert "day streak: 3 (best 6)" in shown(s.STATS)


def test_study_group_sentences_come_from_the_result_and_markup_is_not_interpreted():
    from bot.features.groups import StudyGroup

    assert shown(StudyGroup("[bold]os", 2, is_member=True)).strip() == (
        "Study group [bold]os: 2 members · you are in it"
    )
