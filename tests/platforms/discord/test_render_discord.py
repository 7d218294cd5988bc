"""Discord's renderer as a pure function: a result in, messages (embeds, buttons) out."""

from __future__ import annotations

from adapters.discord_bot.render import Message, render
from tests import render_samples as s


def text_of(messages: list[Message]) -> str:
    parts = []
    for m in messages:
        parts.append(m.content)
        for e in m.embeds:
            parts += [e.title or "", e.description or ""]
            parts += [f"{f.name}\n{f.value}" for f in e.fields]
            parts.append(e.footer.text or "")
    return "\n".join(parts)


def buttons(message: Message) -> list[tuple[str, str]]:
    """(label, custom_id) of a message's buttons, in order."""
    assert message.view is not None
    return [(b.label, b.custom_id) for b in message.view.children]  # type: ignore[attr-defined]


def test_question_buttons_follow_the_shown_order_and_carry_the_contents_index():
    [message] = render(s.VIEW)
    assert buttons(message) == [
        ("A) One CPU core", "quiz:answer:12:3"),
        ("B) The process's memory", "quiz:answer:12:2"),
        ("C) Nothing", "quiz:answer:12:0"),
        ("D) Only the stack", "quiz:answer:12:1"),
    ]
    [embed] = message.embeds
    assert embed.title == "Question · Processes vs Threads"
    assert "**A)** One CPU core\n**B)** The process's memory" in embed.description
    assert embed.footer.text.startswith("Q12 · new · Only you see your result")


def test_wrong_answer_embed_gives_the_feedback_before_the_why():
    [message] = render(s.WRONG)
    [embed] = message.embeds
    assert embed.title == "❌ Not quite — you picked C) Nothing."
    assert embed.description.index("*C: No: that describes") < embed.description.index("**Why:**")
    assert "**The answer is B) The process's memory.**" in embed.description
    assert embed.footer.text == "Total: 30 points · day streak: 4"


def test_right_and_repeated_answers():
    [right] = render(s.RIGHT)
    assert right.embeds[0].title == "✅ Correct! +10 points"
    assert "No:" not in text_of([right])
    [again] = render(s.ALREADY)
    assert again.embeds[0].title == "You already answered: C) Nothing — no change."
    assert "C: No: that describes" in again.embeds[0].description


def test_short_card_offers_its_parts_as_buttons():
    messages = render(s.SHORT_CARD)
    text = text_of(messages)
    assert messages[0].embeds[0].title == "Processes vs Threads"
    assert "Key idea\nProcesses isolate; threads share." in text
    assert "A running program with its own memory." not in text
    assert buttons(messages[-1]) == [
        ("Sections", "quiz:card:processes-vs-threads:sections"),
        ("Misconceptions", "quiz:card:processes-vs-threads:misconceptions"),
        ("Recap", "quiz:card:processes-vs-threads:recap"),
    ]
    [recap] = render(s.RECAP_CARD)
    assert recap.embeds[0].title == "Processes vs Threads · recap"
    assert "Shared memory is fast and risky." in text_of([recap]) and recap.view is None


def test_board_daily_results_and_stats_wording():
    [board] = render(s.BOARD)
    assert "You: not ranked yet — 4 more answers to qualify (0%)." in board.embeds[0].footer.text
    [results] = render(s.RESULTS)
    text = text_of([results])
    assert results.embeds[0].title == "📊 Daily question results · Tue 3 Mar"
    assert "✅ **B)** The process's memory — 3 (75%)" in text
    assert "▫️ **C)** Nothing — 1 (25%)\n  ↳ *No: that describes separate processes.*" in text
    assert "Correct answer\n**B) The process's memory**" in text
    [stats] = render(s.STATS)
    assert stats.embeds[0].title == "Ada: 40 points"
    assert "day streak: 3 (best 6)" in stats.embeds[0].description


def test_study_group_sentences_come_from_the_result_with_the_name_escaped():
    from bot.features.groups import StudyGroup

    created = StudyGroup("os_*nerds*", 0, created=True)
    [message] = render(created)
    assert message.content == created.text_for(r"os\_\*nerds\*")
    assert (
        message.content
        == r"Created study group os\_\*nerds\*. Join with /quiz group join os\_\*nerds\*"
    )
    [message] = render(StudyGroup("os", 3, is_member=True))
    assert message.content == "Study group os: 3 members · you are in it"
