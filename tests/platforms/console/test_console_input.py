"""The console's input layer: hostile lines, typos, completion, and the real terminal (a pty).

Each hostile input goes through `quizbot console` as a subprocess, the way a user meets it: one
line comes back, nothing crashes, the next command is still answered, nothing reaches standard
error and the exit code is 0. The hostile-line tests share one console process (starting one
costs about a second of CPU); the signal and terminal tests each start their own.
"""

from __future__ import annotations

import io
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console import ConsoleSession
from adapters.console.render import safe
from adapters.console.terminal import MAX_LINE, PipeSource, TooLong, Vocabulary, completions
from bot.kernel.grammar import parse_choice
from bot.kernel.results import Notice
from tests.conftest import ROOT

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

NEXT = "/timezone"  # a cheap command whose one-line reply shows the bot still answers
NEXT_REPLY = "Days and weeks here are counted in UTC."
BANNER_END = "/help for commands."
QUESTION_END = "answer with a letter or number"


class SharedConsole:
    """One `quizbot console` on piped input for the hostile-line tests of this module.

    Each exchange starts as a freshly started console would, as the terminal's own user (the
    admin): the tests share the database (users and answers) and nothing else they look at; a
    test that answers a question asks its own first. Every exchange ends with NEXT, whose reply
    shows the console still answers, and checks that standard error stayed empty; the exit
    code (0) is checked when the module's tests are done.
    """

    def __init__(self, db: Path) -> None:
        self.stderr_path = db.with_suffix(".stderr")
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "console", "--db", str(db)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                cwd=ROOT,
            )
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        # a thread drains the output, so a long line written never waits on a full pipe
        threading.Thread(target=self._read, daemon=True).start()
        banner = self._until(BANNER_END.encode())
        self.user = re.search(r"You are (.+?)\. Type /quiz", banner)[1]
        self.as_user = f"You are now {self.user}, an admin."

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _until(self, last: bytes, timeout: float = 30) -> str:
        """The output up to and including the first line that starts (or ends) with ``last``."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                seen = b"".join(got)[-2000:]
                raise AssertionError(f"no {last!r} in {timeout} s: {seen!r}") from None
            assert line is not None, f"the console ended: {self.stderr()}"
            got.append(line)
            if line.startswith(last) or line.rstrip().endswith(last):
                return b"".join(got).decode("utf-8", "replace")

    def stderr(self) -> str:
        return self.stderr_path.read_bytes().decode("utf-8", "replace")

    def exchange(self, lines: list[bytes | str]) -> str:
        """Send ``lines`` then NEXT; what the console printed for them, NEXT's reply last."""
        assert self.process.stdin is not None
        data = b"".join(
            (x.encode() if isinstance(x, str) else x) + b"\n"
            for x in [f"/as {self.user}", *lines, NEXT]
        )
        self.process.stdin.write(data)
        self.process.stdin.flush()
        reset = self._until(self.as_user.encode())
        assert reset.splitlines() == [self.as_user], reset
        out = self._until(NEXT_REPLY.encode())
        assert "Traceback" not in out
        assert self.stderr() == ""
        return out

    def close(self) -> None:
        """End of input: the console exits 0 with nothing on standard error."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            assert self.process.wait(timeout=30) == 0, self.stderr()
        finally:
            self.process.kill()
        assert self.stderr() == ""


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[SharedConsole]:
    shared = SharedConsole(tmp_path_factory.mktemp("console") / "q.db")
    try:
        yield shared
    finally:
        shared.close()


def reply_to(
    console: SharedConsole, hostile: bytes | str, before: tuple[str, ...] = ()
) -> tuple[str, str]:
    """(the one line the console answered `hostile` with, the line printed before it: the
    previous command's last line)."""
    lines = [console.as_user, *console.exchange([*before, hostile]).splitlines()]
    assert lines[-1].startswith(NEXT_REPLY), lines[-3:]
    return lines[-2], lines[-3]


def one_line_reply(
    console: SharedConsole, hostile: bytes | str, after_question: bool = False
) -> str:
    reply, previous = reply_to(console, hostile, ("/quiz",) if after_question else ())
    assert previous.endswith(QUESTION_END) if after_question else previous == console.as_user
    return reply


TOO_LONG = "That line is too long ({:,} characters; the limit is 2,000)."


def test_a_superscript_digit_is_not_a_choice(console):
    reply = one_line_reply(console, "²", after_question=True)
    assert reply == "'²' is not a choice: answer A-D or 1-4 (/help for more)."


def test_a_5000_digit_number_is_refused_and_a_1000_digit_one_is_not_a_choice(console):
    reply = one_line_reply(console, "9" * 5000, after_question=True)
    assert reply == TOO_LONG.format(5000)
    reply = one_line_reply(console, "9" * 1000, after_question=True)
    assert reply == f"'{'9' * 40}…' is not a choice: answer A-D or 1-4 (/help for more)."


def test_parse_choice_takes_short_ascii_numbers_only():
    assert parse_choice("2", 4) == 1 and parse_choice("b)", 4) == 1
    assert parse_choice("²", 4) is None
    assert parse_choice("٣", 4) is None  # an Arabic-Indic three
    assert parse_choice("9" * 5000, 4) is None
    assert parse_choice("0" * 10 + "1", 4) is None


def test_a_long_bad_answer_is_echoed_cut(console):
    assert one_line_reply(console, "x" * 3000, after_question=True) == TOO_LONG.format(3000)
    reply = one_line_reply(console, "y" * 1999, after_question=True)
    assert reply == f"'{'y' * 40}…' is not a choice: answer A-D or 1-4 (/help for more)."


def test_a_daily_window_of_5000_nines_gets_one_line(console):
    reply = one_line_reply(console, f"/daily set 09:00 UTC daily {'9' * 5000}h")
    assert reply == TOO_LONG.format(5028)
    reply = one_line_reply(console, f"/daily set 09:00 UTC daily {'9' * 1900}h")
    assert reply == "The answer window is 1 to 168 hours (e.g. 6h)."


def test_as_with_surrogates_names_the_user_without_them(console):
    # bytes that decode to lone surrogates under Python's surrogateescape
    assert one_line_reply(console, b"/as \xed\xa0\x80Ada\xff") == "You are now Ada."
    out = console.exchange([b"/as \xed\xa0\x80Ada", "/quiz", "1", "/leaderboard"])
    board = out[out.index("This server — all time") :]
    assert "│ Ada " in board and NEXT_REPLY in board


async def test_as_with_surrogate_characters_in_process(app):
    output = io.StringIO()
    session = ConsoleSession(app, Console(file=output, width=100), "Ada")
    await session.handle_line("/as \ud800Bo\udcffb")
    await session.handle_line("/quiz")
    await session.handle_line("1")
    await session.handle_line("/stats")
    text = output.getvalue()
    assert "You are now Bob." in text and "Bob: " in text


def test_a_one_megabyte_word_is_refused_at_once(console):
    started = time.monotonic()
    reply = one_line_reply(console, "w" * 1_000_000)
    assert reply == TOO_LONG.format(1_000_000)
    assert time.monotonic() - started < 20  # shlex alone took about a minute


def test_escape_sequences_in_names_never_reach_the_terminal(console):
    name = "\x1b]0;pwned\x07Eve\x1b[31m\x9b2J"
    assert one_line_reply(console, f"/as {name}") == "You are now ]0;pwnedEve[31m2J."
    out = console.exchange([f"/as {name}", "/quiz", "1", "/leaderboard", "/stats"])
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "│ ]0;pwnedEve[31m2J " in out and NEXT_REPLY in out


def test_markup_in_names_prints_literally(console):
    assert one_line_reply(console, "/as [bold]x :smile:") == "You are now [bold]x :smile:."
    out = console.exchange(["/as [bold]x :smile:", "/quiz", "1", "/leaderboard", "/stats"])
    assert "│ [bold]x :smile: " in out
    assert "[bold]x :smile:: " in out  # the /stats head line


def test_an_empty_name_after_cleaning_is_a_usage_error(console):
    assert one_line_reply(console, "/as \x1b\x07") == "Usage: /as <name> [--admin]"


def test_the_renderer_strips_control_characters_from_any_text():
    output = io.StringIO()
    console = Console(file=output, width=100)
    console.print(safe(Notice("bad \x1b[2J\x07name\x9b\u202eok", lines=("\x1b]0;title\x07x",))))
    assert output.getvalue() == "bad [2Jname\u202eok\n  ]0;titlex\n".replace("\u202e", "")


@pytest.mark.parametrize(
    ("typed", "reply"),
    [
        ("/stat", "Unknown command '/stat' — did you mean /stats? (/help for all)"),
        ("/quiz leaderbord week", "Unknown command '/leaderbord' — did you mean /leaderboard?"),
        ("/processes-vs-thraeds", "Unknown command '/processes-vs-thraeds' — did you mean"),
        ("/xyzzy", "Unknown command '/xyzzy'. Type /help for the commands."),
    ],
)
def test_a_typo_gets_one_line_not_the_whole_help(console, typed, reply):
    line = one_line_reply(console, typed)
    assert line.startswith(reply)


async def test_a_failure_inside_the_core_is_one_line_and_the_console_goes_on(app, monkeypatch):
    output = io.StringIO()
    session = ConsoleSession(app, Console(file=output, width=100), "Ada")

    async def broken(actor, text):
        raise ValueError("boom")

    monkeypatch.setattr(app, "handle_text", broken)
    assert await session.handle_line("/stats")
    monkeypatch.undo()
    assert await session.handle_line("/stats")
    lines = output.getvalue().splitlines()
    assert lines[0] == "That failed inside quizbot (ValueError: boom). The console carries on."
    assert lines[1].startswith("Ada: 0 points")


# -- completion ----------------------------------------------------------------------------

VOCABULARY = Vocabulary(
    commands=lambda: ["question", "card", "topics", "stats", "leaderboard", "review", "as"],
    topics=lambda: ["processes-vs-threads", "locks-and-synchronization"],
    takes_topic=lambda name: name in ("question", "q", "card", "review", "leaderboard"),
)


@pytest.mark.parametrize(
    ("before_cursor", "expected"),
    [
        ("/sta", [("/stats", 4)]),
        ("/", [(f"/{c}", 1) for c in sorted(VOCABULARY.commands())]),
        ("/card ", [("locks-and-synchronization", 0), ("processes-vs-threads", 0)]),
        ("/card pro", [("processes-vs-threads", 3)]),
        ("/quiz c", [("card", 1)]),
        ("/quiz p", [("processes-vs-threads", 1)]),
        ("/quiz review lo", [("locks-and-synchronization", 2)]),
        ("/leaderboard week lo", [("locks-and-synchronization", 2)]),
        ("/stats ", []),
        ("/stats", []),  # already complete
        ("A", []),
    ],
)
def test_tab_completes_commands_and_topics(before_cursor, expected):
    assert completions(VOCABULARY, before_cursor) == expected


async def test_the_console_completes_what_the_grammar_knows(app):
    session = ConsoleSession(app, Console(file=io.StringIO()), "Ada")
    vocabulary = session.vocabulary()
    assert {"card", "stats", "daily", "demo", "as", "quit"} <= set(vocabulary.commands())
    # every card whose id starts so, from the pack as loaded (not a list kept here)
    expected = sorted(t for t in app.content.pack.topics if t.startswith("proc"))
    assert len(expected) >= 2  # the test shows the completer listing several
    assert completions(vocabulary, "/lb proc") == [(topic, 4) for topic in expected]


# -- piped input ---------------------------------------------------------------------------


async def test_piped_lines_are_split_decoded_and_bounded():
    read_fd, write_fd = os.pipe()
    source = PipeSource(read_fd)
    os.write(write_fd, b"/quiz\r\nA\xff\n" + b"x" * (MAX_LINE + 1) + b"\n" + b"last")
    os.close(write_fd)
    got = [await source.readline("") for _ in range(5)]
    assert got == ["/quiz", "A\ufffd", TooLong(MAX_LINE + 1), "last", None]
    os.close(read_fd)


def wait_for_banner(process: subprocess.Popen) -> None:
    assert process.stdout is not None
    while not process.stdout.readline().rstrip().endswith(BANNER_END.encode()):
        assert process.poll() is None


def test_sigterm_while_waiting_for_piped_input_exits_0(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--db", str(tmp_path / "q.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        wait_for_banner(process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0  # stdin is still open: nothing waits for a line
        assert b"Traceback" not in process.stderr.read()
    finally:
        process.kill()


def test_sigterm_lets_the_command_in_progress_finish_then_exits_0(tmp_path):
    from tests.platforms.test_graceful_stop import alive, demo_children

    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--db", str(tmp_path / "q.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=dict(os.environ, QUIZBOT_STOP_TIMEOUT="60"),  # the demo is not cut off at the bound
    )
    try:
        wait_for_banner(process)
        assert process.stdin is not None and process.stdout is not None
        # about a second in a child process, mostly asleep (the gil demo took seconds of CPU)
        process.stdin.write(b"/demo blocking\n")
        process.stdin.flush()
        deadline = time.monotonic() + 30
        while not (demo := demo_children(process.pid)):  # started: the signal comes during it
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        assert any(map(alive, demo))  # the demo was still running when the signal went out
        assert process.wait(timeout=30) == 0
        out = process.stdout.read().decode()
        assert "See /card event-loops-and-asyncio" in out  # the demo's last line
        assert b"Traceback" not in process.stderr.read()
    finally:
        process.kill()


def test_sigint_while_waiting_for_piped_input_exits_130(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--db", str(tmp_path / "q.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        wait_for_banner(process)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 130
        assert process.stdout.read() == b"Bye.\n"
        assert b"Traceback" not in process.stderr.read()
    finally:
        process.kill()


# -- a real terminal -----------------------------------------------------------------------


def spawn_tty(db):
    pexpect = pytest.importorskip("pexpect")
    # the terminal's size as the pty has it: a COLUMNS inherited from the runner (an xdist
    # worker has one) would make rich wrap the topics table at 80
    env = dict(os.environ, TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
    env.update(COLUMNS="100", LINES="40")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot", "console", "--db", str(db)],
        env=env,
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 100),
    )
    child.expect("Type /quiz for a question")
    # the line editor's prompt ("root> "): keys sent before it exists may reach the terminal
    # half-read on a busy machine (an arrow key's escape sequence split)
    child.expect(r"\w>")
    return child, pexpect


def test_the_terminal_edits_completes_keeps_history_and_ctrl_c_exits_at_once(tmp_path):
    db = tmp_path / "q.db"
    child, pexpect = spawn_tty(db)
    try:
        # left arrow, right arrow, then finish the word: the line is edited, not "^[[D"
        child.send("/topi")
        child.send("\x1b[D")
        child.send("\x1b[C")
        child.send("cs\r")
        child.expect("interprocess-communication")
        # Tab completes /sta to /stats
        child.send("/sta\t")
        child.expect("/stats")
        child.send("\r")
        child.expect(r"\d+ points")
        # Up arrow brings back the last line
        child.send("\x1b[A\r")
        child.expect(r"\d+ points")
        # Ctrl-C at the prompt: a goodbye and exit 130 without any Enter
        started = time.monotonic()
        child.send("\x03")
        child.expect("Bye.")
        child.expect(pexpect.EOF)
        assert time.monotonic() - started < 10
    finally:
        child.close(force=True)
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    history = (tmp_path / "q.history").read_text(encoding="utf-8")
    assert "+/topics" in history and "+/stats" in history


def test_ctrl_c_during_a_command_and_ctrl_d_at_the_prompt(tmp_path):
    from tests.platforms.test_graceful_stop import demo_children

    db = tmp_path / "q.db"
    child, pexpect = spawn_tty(db)
    try:
        child.send("/demo gil\r")  # a few seconds of work in a child process
        deadline = time.monotonic() + 30
        while not demo_children(child.pid):  # started: the Ctrl-C comes during the command
            assert time.monotonic() < deadline and child.isalive()
            time.sleep(0.01)
        started = time.monotonic()
        child.send("\x03")
        child.expect("Bye.")
        assert "See /card" not in child.before  # the demo was cut short, not waited for
        child.expect(pexpect.EOF)
        assert time.monotonic() - started < 10
    finally:
        child.close(force=True)
    assert child.exitstatus == 130

    child, pexpect = spawn_tty(db)
    try:
        child.send("\x04")
        child.expect("Bye.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
