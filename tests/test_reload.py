"""Reloading the content without a restart: /quiz reload (admins) and SIGHUP."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.app import QuizApp, ReloadContent
from bot.features.quiz import AnswerResult, QuestionView
from bot.features.quiz.requests import AnswerQuestion, AnswerTyped, AskQuestion
from bot.features.quiz.service import RETIRED_TEXT
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from tests.conftest import ROOT, console_actor
from tests.typed_content import EXTRA_QUESTION, NETWORKING_CARD, typed_content

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

NET = "networking-basics"
ADMIN = console_actor("Ada")
MEMBER = Actor("console", "bob", "Bob", "local", "terminal", is_admin=False)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return typed_content(tmp_path / "content")


@pytest.fixture
async def app(db_target, clock, content):
    app = await QuizApp.open(db_target, content, clock=clock)
    yield app
    await app.close()


async def reload(app: QuizApp, actor: Actor = ADMIN) -> Notice:
    reply = await app.handle_text(actor, "/quiz reload")
    assert isinstance(reply, Notice)
    return reply


async def test_reload_is_an_admin_request():
    assert ReloadContent.needs_admin


async def test_a_good_change_is_served_at_once(app, content):
    with (content / f"{NET}.yaml").open("a", encoding="utf-8") as f:
        f.write(EXTRA_QUESTION)
    (content / "dns.yaml").write_text(
        NETWORKING_CARD.replace("networking-basics", "dns-basics")
        .replace("Networking basics", "DNS basics")
        .replace("net-", "dns-"),
        encoding="utf-8",
    )
    assert isinstance(await app.handle_text(ADMIN, "/quiz card dns-basics"), Notice)
    reply = await reload(app)
    assert not reply.error
    shipped = len(list(content.glob("*.yaml"))) - 2  # all but the networking and DNS cards
    assert reply.text.startswith(f"Content reloaded: {shipped + 2} cards, ")
    assert reply.text.endswith("(3 new, 0 retired questions).")
    assert app.pack.question("net-ping-protocol") is not None
    card = await app.handle_text(ADMIN, "/quiz card dns-basics")  # the grammar knows it too
    assert getattr(card, "title", None) == "DNS basics"
    view = await app.dispatch(ADMIN, AskQuestion(NET))
    assert isinstance(view, QuestionView)
    for _ in range(2):  # the two old questions first (lesson order), then the new one
        await app.dispatch(ADMIN, AnswerTyped(view.post_id, "x"))
        view = await app.dispatch(ADMIN, AskQuestion(NET))
    assert view.question_id == "net-ping-protocol"
    result = await app.dispatch(ADMIN, AnswerTyped(view.post_id, "icmp"))
    assert isinstance(result, AnswerResult) and result.correct


async def test_a_folder_named_like_a_content_file_is_skipped_and_the_admin_told(app, content):
    (content / "drafts.yaml").mkdir()
    reply = await reload(app)
    assert not reply.error and reply.text.startswith("Content reloaded: ")
    assert reply.lines == (f"{content / 'drafts.yaml'}: skipped: is a folder, not a regular file",)


async def test_a_bad_file_keeps_the_old_content_and_lists_each_problem(app, content):
    before = app.pack
    bad = content / f"{NET}.yaml"
    bad.write_text(
        NETWORKING_CARD.replace("accept: [TCP, Transmission Control Protocol]", "acept: [TCP]"),
        encoding="utf-8",
    )
    (content / "broken.yaml").write_text("card: [unclosed\n", encoding="utf-8")
    reply = await reload(app)
    assert reply.error
    assert reply.text == ("Content not reloaded: 3 problems; still serving the previous content.")
    assert reply.lines[0].startswith(f"{content / 'broken.yaml'}:1: invalid YAML")
    assert reply.lines[1].startswith(f"{bad}:11: question 'net-reliable-protocol': needs choices")
    assert reply.lines[2] == f"{bad}:14: unknown key 'acept' (did you mean 'accept'?)"
    assert app.pack is before
    view = await app.dispatch(ADMIN, AskQuestion(NET))
    assert isinstance(view, QuestionView) and view.question_id == "net-reliable-protocol"


async def test_members_cannot_reload(app, content):
    (content / f"{NET}.yaml").unlink()
    before = app.pack
    reply = await reload(app, MEMBER)
    assert reply.error and reply.text == "Only admins can reload the content."
    assert app.pack is before


async def test_a_retired_question_keeps_its_history_and_its_button_says_retired(app, content):
    view = await app.dispatch(ADMIN, AskQuestion("processes-vs-threads"))
    first = await app.dispatch(ADMIN, AnswerQuestion(view.post_id, 0))
    assert isinstance(first, AnswerResult)
    points = (await app.boards.stats(ADMIN)).points
    file = content / "processes-vs-threads.yaml"
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if f"id: {view.question_id}" in line)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- id:")),
        len(lines),
    )
    file.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    reply = await reload(app)
    assert not reply.error and "(0 new, 1 retired questions)" in reply.text
    assert app.pack.question(view.question_id) is None
    late = await app.dispatch(console_actor("Cy"), AnswerQuestion(view.post_id, 0))
    assert isinstance(late, Notice) and late.error and late.text == RETIRED_TEXT
    stats = await app.boards.stats(ADMIN)
    assert stats.points == points and stats.answered == 1  # history and score kept


async def test_a_reload_during_a_burst_of_answers_loses_none(app, content):
    view = await app.dispatch(ADMIN, AskQuestion(NET))
    users = [console_actor(f"user{i}") for i in range(300)]
    with (content / f"{NET}.yaml").open("a", encoding="utf-8") as f:
        f.write(EXTRA_QUESTION)

    async def answer(i: int) -> object:
        if i % 50 == 0:
            await asyncio.sleep(0)
        return await app.dispatch(users[i], AnswerTyped(view.post_id, "TCP" if i % 2 else "UDP"))

    # answers queued before, between and after the reloads (which load on a thread)
    tasks = [asyncio.create_task(answer(i)) for i in range(100)]
    reloads = [asyncio.create_task(reload(app))]
    tasks += [asyncio.create_task(answer(i)) for i in range(100, 200)]
    reloads.append(asyncio.create_task(reload(app)))
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(answer(i)) for i in range(200, 300)]
    results = await asyncio.gather(*tasks)
    assert all(not r.error for r in await asyncio.gather(*reloads))
    assert all(isinstance(r, AnswerResult) and not r.already_answered for r in results)
    assert sum(r.correct for r in results) == 150

    def totals(db) -> tuple[tuple, tuple]:
        return (
            tuple(db.execute("SELECT COUNT(*), SUM(correct) FROM answers").fetchone()),
            tuple(db.execute("SELECT SUM(points), SUM(answered) FROM users").fetchone()),
        )

    assert await app.db.read(totals) == ((300, 150), (1500, 300))
    assert app.pack.question("net-ping-protocol") is not None


@pytest.mark.skipif(sys.platform == "win32", reason="SIGHUP is Unix only")
async def test_sighup_reloads_the_console(tmp_path, content):
    """The console as a subprocess: a question added on disk is served after SIGHUP; a broken
    file after another SIGHUP is reported with file:line while the last good content stays."""
    env = {**os.environ, "QUIZBOT_DB": str(tmp_path / "quiz.db"), "QUIZBOT_CONTENT": str(content)}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "console",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None
    out = b""

    async def read_until(marker: bytes) -> bytes:
        """The output up to ``marker``, with runs of space (and wrapped lines) as one space."""
        nonlocal out
        async with asyncio.timeout(30):
            while marker not in b" ".join(out.split()):
                chunk = await proc.stdout.read(4096)
                if not chunk:
                    raise AssertionError(f"console ended before {marker!r}: {out.decode()}")
                out += chunk
        found = b" ".join(out.split())
        out = b""
        return found

    try:
        await read_until(b"Type /quiz for a question")
        with (content / f"{NET}.yaml").open("a", encoding="utf-8") as f:
            f.write(EXTRA_QUESTION)
        proc.send_signal(signal.SIGHUP)
        await read_until(b"(1 new, 0 retired questions).")
        proc.stdin.write(b"/card networking-basics\n")
        await proc.stdin.drain()
        await read_until(b"Networking basics")
        (content / "broken.yaml").write_text("card: [unclosed\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        text = await read_until(b"invalid YAML")
        assert b"Content not reloaded: 1 problem; still serving the previous content." in text
        # the console wraps the line at its width, inside the long temporary path or its
        # line number alike (where depends on the path's length): compare without the wraps
        assert b"broken.yaml:1:invalidYAML" in b"".join(text.split())
        proc.stdin.write(b"/quit\n")
        await proc.stdin.drain()
        proc.stdin.close()
        async with asyncio.timeout(30):
            assert await proc.wait() == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGHUP is Unix only")
async def test_sighup_as_the_slack_and_discord_runners_install_it_reloads_and_logs(
    app, content, caplog
):
    caplog.set_level(logging.INFO, logger="bot.app")
    stop = app.reload_on_sighup()  # what the runners do: no report callback, the log
    try:
        (content / "broken.yaml").write_text("card: [unclosed\n", encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        async with asyncio.timeout(10):
            while "SIGHUP: Content not reloaded" not in caplog.text:
                await asyncio.sleep(0.01)
        assert "broken.yaml:1: invalid YAML" in caplog.text
        (content / "broken.yaml").unlink()
        with (content / f"{NET}.yaml").open("a", encoding="utf-8") as f:
            f.write(EXTRA_QUESTION)
        os.kill(os.getpid(), signal.SIGHUP)
        async with asyncio.timeout(10):
            while app.pack.question("net-ping-protocol") is None:
                await asyncio.sleep(0.01)
        assert "SIGHUP: Content reloaded" in caplog.text
    finally:
        stop()


async def test_a_question_edited_from_typed_to_choices_under_its_id_keeps_the_first_answer(
    app, content
):
    view = await app.dispatch(ADMIN, AskQuestion(NET))
    await app.dispatch(ADMIN, AnswerTyped(view.post_id, "tcp"))
    card = content / f"{NET}.yaml"
    card.write_text(
        card.read_text(encoding="utf-8").replace(
            "accept: [TCP, Transmission Control Protocol]", "choices: [TCP, UDP]\n    answer: TCP"
        ),
        encoding="utf-8",
    )
    assert not (await reload(app)).error
    again = await app.dispatch(ADMIN, AnswerQuestion(view.post_id, 1))
    assert isinstance(again, AnswerResult)
    assert again.already_answered and again.correct and again.typed == "tcp"
