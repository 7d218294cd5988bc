"""Study groups: lifecycle, name rules, group boards and the group summary (real SQLite)."""

from __future__ import annotations

import pytest

from bot.app import QuizApp
from bot.features.boards import Leaderboard
from bot.features.groups import GroupList, GroupMembers, GroupSummary, StudyGroup
from bot.kernel.errors import UserError
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from tests.conftest import console_actor

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


def member(name: str) -> Actor:
    return Actor("console", name.lower(), name, "local", "terminal", is_admin=False)


async def answer(app: QuizApp, actor: Actor, right: bool, question_id: str | None = None):
    if question_id is None:
        view = await app.quiz.ask_question(actor)
        question = app.pack.question(view.question_id)
    else:
        question = app.pack.question(question_id)
        view = await app.quiz.post_question(actor, question)
    choice = question.correct_index if right else (question.correct_index + 1) % 4
    return await app.quiz.answer(actor, view.post_id, choice)


async def test_group_lifecycle(app):
    admin, ada, bob = console_actor("Admin"), member("Ada"), member("Bob")
    created = await app.handle_text(admin, "/quiz group create OS Study")
    assert created == StudyGroup("OS Study", 0, created=True)  # adapters escape the name

    refused = await app.handle_text(ada, "/quiz group create Mine")
    assert refused.error and "admin" in refused.text
    duplicate = await app.handle_text(admin, "/quiz group create os   STUDY")
    assert duplicate.error and "already a group called 'OS Study'" in duplicate.text

    joined = await app.handle_text(ada, '/quiz group join "os study"')
    assert not joined.error and "joined OS Study" in joined.text
    again = await app.handle_text(ada, "/quiz group join OS Study")
    assert not again.error and "already in OS Study" in again.text
    await app.groups.join(bob, "OS STUDY")

    listing = await app.handle_text(ada, "/quiz group list")
    assert isinstance(listing, GroupList)
    assert [(g.name, g.members, g.is_member) for g in listing.groups] == [("OS Study", 2, True)]
    members = await app.handle_text(ada, "/quiz group members os study")
    assert isinstance(members, GroupMembers) and members.members == ("Ada", "Bob")

    left = await app.handle_text(bob, "/quiz group leave OS Study")
    assert not left.error and "left OS Study" in left.text
    not_in = await app.handle_text(bob, "/quiz group leave OS Study")
    assert not_in.error and "not in OS Study" in not_in.text
    assert (await app.groups.members(ada, "os study")).members == ("Ada",)

    # groups belong to a workspace: another workspace does not see this one
    elsewhere = Actor("console", "ada", "Ada", "other-ws", "terminal")
    missing = await app.handle_text(elsewhere, "/quiz group join OS Study")
    assert missing.error and "No group called 'OS Study'" in missing.text


async def test_joining_a_missing_group_lists_close_matches(app):
    admin = console_actor("Admin")
    for name in ("Kernel Hackers", "Lock Free", "Threads"):
        await app.groups.create(admin, name)
    reply = await app.handle_text(member("Ada"), "/quiz group join kernel hacker")
    assert reply.error and "Did you mean Kernel Hackers?" in reply.text
    far = await app.handle_text(member("Ada"), "/quiz group join zzzz")
    assert far.error and "Groups: Kernel Hackers, Lock Free, Threads" in far.text


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Give the group a name"),
        ("   ", "Give the group a name"),
        ("x" * 33, "at most 32 characters"),
        ("<@123>", "cannot contain mentions"),
        ("study @here", "cannot contain mentions"),
        ("@everyone", "cannot contain mentions"),
        ("<!channel>", "cannot contain mentions"),
        ("team\nrocket", "on one line"),
        ("team\x07bell", "control or invisible"),
        ("zero\u200bwidth", "control or invisible"),
    ],
)
async def test_bad_group_names_get_one_line_errors_and_change_nothing(app, name, message):
    admin = console_actor("Admin")
    with pytest.raises(UserError) as caught:
        await app.groups.create(admin, name)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    if "\n" not in name:  # the text grammar cannot carry a newline; the service can
        reply = await app.handle_text(admin, f"/quiz group create {name}")
        assert isinstance(reply, Notice) and reply.error and "\n" not in reply.text
    assert (await app.groups.list(admin)).groups == ()


async def test_a_32_character_name_is_fine(app):
    group = await app.groups.create(console_actor("Admin"), "y" * 32)
    assert group.name == "y" * 32


async def test_group_board_ranks_only_members_with_ties_and_my_rank(app):
    admin = console_actor("Admin")
    await app.groups.create(admin, "crew")
    # 12 members with 12..1 correct answers, plus a tie and an outsider who outscores all
    for i in range(12):
        actor = member(f"m{i:02d}")
        await app.groups.join(actor, "crew")
        for _ in range(12 - i):
            await answer(app, actor, right=True)
    tie = member("tie")
    await app.groups.join(tie, "crew")
    await answer(app, tie, right=True)  # 10 points, like m11
    outsider = member("outsider")
    for _ in range(20):
        await answer(app, outsider, right=True)
    low = member("low")
    await app.groups.join(low, "crew")
    await answer(app, low, right=False)

    board = await app.handle_text(low, "/quiz leaderboard group crew")
    assert isinstance(board, Leaderboard) and board.scope == "group" and board.group == "crew"
    names = [r.display_name for r in board.rows]
    assert "outsider" not in names and names[:2] == ["m00", "m01"] and len(names) == 10
    assert board.total_players == 14
    assert board.me is not None and board.me.display_name == "low" and board.me.rank == 14
    tie_board = await app.groups.leaderboard(tie, "crew")
    m11_board = await app.groups.leaderboard(member("m11"), "crew")
    assert tie_board.me.rank == m11_board.me.rank == 12  # ties share a rank (…, 12, 12, 14)

    week = await app.handle_text(low, "/quiz leaderboard group crew week")
    assert week.period == "week" and week.rows[0].display_name == "m00"
    missing = await app.handle_text(low, "/quiz leaderboard group crw")
    assert missing.error and "Did you mean crew?" in missing.text


async def test_group_summary_shows_the_most_picked_misconception(app):
    admin = console_actor("Admin")
    await app.groups.create(admin, "crew")
    ada, bob, cy = member("Ada"), member("Bob"), member("Cy")
    for actor in (ada, bob, cy):
        await app.groups.join(actor, "crew")
    question = app.pack.questions_for("locks-and-synchronization")[0]
    popular = (question.correct_index + 1) % len(question.choices)
    other = (question.correct_index + 2) % len(question.choices)
    for actor, choice in ((ada, popular), (bob, popular), (cy, other)):
        view = await app.quiz.post_question(actor, question)
        await app.quiz.answer(actor, view.post_id, choice)
    await answer(app, ada, right=True, question_id=app.pack.questions[0].id)
    # an outsider's wrong answers do not count for the group
    outsider = member("Out")
    for _ in range(3):
        view = await app.quiz.post_question(outsider, question)
        await app.quiz.answer(outsider, view.post_id, other)

    summary = await app.handle_text(ada, "/quiz group summary crew")
    assert isinstance(summary, GroupSummary)
    assert summary.members == ("Ada", "Bob", "Cy")
    assert summary.answers_this_week == 4 and summary.correct_this_week == 1
    assert [(t.topic, t.answered, t.correct) for t in summary.per_topic] == [
        ("Processes vs Threads", 1, 1),
        ("Locks & Synchronization", 3, 0),
    ]
    m = summary.misconception
    assert m is not None and m.question_id == question.id
    assert m.wrong_choice == question.choices[popular] and m.times == 2 and m.users == 2
    assert m.why == question.why and m.correct_choice == question.answer


async def test_summary_of_a_quiet_group(app):
    await app.groups.create(console_actor("Admin"), "quiet")
    summary = await app.groups.summary(member("Ada"), "QUIET")
    assert summary.members == () and summary.answers_this_week == 0
    assert summary.per_topic == () and summary.misconception is None


async def test_group_names_with_spaces_work_on_the_text_leaderboard(app):
    admin = console_actor("Admin")
    await app.handle_text(admin, "/quiz group create OS Study")
    await app.handle_text(admin, "/quiz group join OS Study")
    board = await app.handle_text(admin, "/quiz leaderboard group OS Study week")
    assert isinstance(board, Leaderboard), board
    assert board.scope == "group" and board.period == "week" and "OS Study" in board.title
