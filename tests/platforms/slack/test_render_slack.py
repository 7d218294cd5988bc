"""Slack's renderer as a pure function: a result in, Block Kit messages out."""

from __future__ import annotations

from adapters.slack_bot.render import parse_card_part_value, render
from bot.features.quiz import CardPart
from tests import render_samples as s
from tests.platforms.slack.test_slack_adapter import block_text, buttons


def test_question_buttons_follow_the_shown_order_and_carry_the_contents_index():
    [message] = render(s.VIEW)
    assert message.public
    assert [(b["text"]["text"], b["value"]) for b in buttons(message.blocks)] == [
        ("A) One CPU core", "12:3"),
        ("B) The process's memory", "12:2"),
        ("C) Nothing", "12:0"),
        ("D) Only the stack", "12:1"),
    ]
    text = block_text(message.blocks)
    assert "*A)* One CPU core\n*B)* The process's memory" in text
    assert "Processes vs Threads · Q12 · new" in text


def test_a_code_snippet_in_a_prompt_stays_a_code_block_and_the_prose_is_bold():
    [message] = render(s.SNIPPET_VIEW)
    text = block_text(message.blocks)
    # Slack's bold stops at a line break: bold the prose line by line, leave the code as code
    assert '*What does this print?*\n\n```\nif pid == 0:\n    print("child")\n```' in text


def test_wrong_answer_gives_the_feedback_before_the_why():
    [message] = render(s.WRONG)
    assert not message.public
    text = block_text(message.blocks)
    assert text.startswith("*❌ Not quite — you picked C) Nothing.*\nThe answer is B)")
    assert text.index("_C: No: that describes") < text.index("*Why:*")
    assert "Total: 30 points · day streak: 4" in text


def test_right_and_repeated_answers():
    right = block_text(render(s.RIGHT)[0].blocks)
    assert right.startswith("*✅ Correct! +10 points*") and "No:" not in right
    again = block_text(render(s.ALREADY)[0].blocks)
    assert again.startswith("*You already answered: C) Nothing — no change.*")
    assert "_C: No: that describes separate processes._" in again


def test_short_card_offers_its_parts_as_buttons():
    [message] = render(s.SHORT_CARD)
    text = block_text(message.blocks)
    assert "*Key idea:* Processes isolate; threads share." in text
    assert "A running program with its own memory." not in text
    values = [b["value"] for b in buttons(message.blocks)]
    assert [parse_card_part_value(v) for v in values] == [
        ("processes-vs-threads", CardPart.SECTIONS),
        ("processes-vs-threads", CardPart.MISCONCEPTIONS),
        ("processes-vs-threads", CardPart.RECAP),
    ]
    assert parse_card_part_value("processes-vs-threads:nonsense") is None
    [recap] = render(s.RECAP_CARD)
    assert "Shared memory is fast and risky." in block_text(recap.blocks)
    assert buttons(recap.blocks) == []


def test_board_daily_results_and_stats_wording():
    board = block_text(render(s.BOARD)[0].blocks)
    assert "You: not ranked yet — 4 more answers to qualify (0%)." in board
    [results] = render(s.RESULTS)
    text = block_text(results.blocks)
    assert "📊 Daily question results · Tue 3 Mar" in text
    assert "*B)* The process's memory — 3 (75%) ✅" in text
    assert "*C)* Nothing — 1 (25%)\n      ↳ _No: that describes separate processes._" in text
    assert "*Answer: B) The process's memory*" in text
    stats = block_text(render(s.STATS)[0].blocks)
    assert "*Ada: 40 points*" in stats and "*Day streak*\n3 (best 6)" in stats


def test_study_group_sentences_come_from_the_result_with_the_name_escaped():
    from bot.features.groups import StudyGroup

    [message] = render(StudyGroup("<os>", 0, created=True))
    assert (
        block_text(message.blocks)
        == "Created study group &lt;os&gt;. Join with /quiz group join &lt;os&gt;"
    )
    [message] = render(StudyGroup("os", 3))
    assert block_text(message.blocks) == "Study group os: 3 members"
