"""``quizbot web`` as a user runs it: it serves on 127.0.0.1 under the one host, a SIGTERM stops
it cleanly (exit 0), SIGHUP reloads the content, and a taken port is one line, not a traceback."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import urllib.request

from tests.command_line import Quizbot
from tests.conftest import CONTENT, ROOT
from tests.waiting import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quizbot_web(tmp_path, port: int, log=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--db", str(tmp_path / "q.db"), "--port", str(port)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "QUIZBOT_CONTENT": str(CONTENT), "HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )


def serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
            return page.status == 200 and "signed link" in page.read().decode()
    except OSError:
        return False


async def test_serves_reloads_and_stops_on_sigterm(tmp_path):
    port, log = free_port(), tmp_path / "web.log"
    with log.open("w") as sink:
        web = quizbot_web(tmp_path, port, sink)
    try:
        await eventually(lambda: serves(port), "the dashboard to answer", timeout=60)
        web.send_signal(signal.SIGHUP)  # the host reloads the content; the page keeps serving
        await eventually(lambda: "Content reloaded" in log.read_text(), "the reload", timeout=60)
        assert serves(port)
        web.send_signal(signal.SIGTERM)
        await asyncio.to_thread(web.wait, timeout=60)
    finally:
        if web.poll() is None:
            web.kill()
    err = log.read_text()
    assert web.returncode == 0, err
    assert "teacher's dashboard on http://127.0.0.1" in err and "Traceback" not in err


def test_a_taken_port_is_one_line(tmp_path, monkeypatch, capfd):
    # bot.cli.main in this process (the test above runs the command as a user does)
    quizbot = Quizbot(monkeypatch, capfd, bound_s=60)
    monkeypatch.setenv("HOME", str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        args = ("--db", str(tmp_path / "q.db"), "--content", str(CONTENT), "--port", port)
        web = quizbot("web", *args, cwd=tmp_path)
    err = web.stderr
    assert web.returncode == 2
    lines = [line for line in err.splitlines() if line.startswith("quizbot:")]
    assert lines and "quizbot web cannot listen on 127.0.0.1" in lines[0]
    assert "Traceback" not in err
