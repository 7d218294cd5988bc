"""Running ``quizbot ARGS`` in a test, two ways.

In this process: ``bot.cli.main``, the command's own code, with its output and exit status as
a process's would be, and on its stderr what a process would print there besides (a log record
of WARNING or above, a warning, a thread's or an unraisable exception: pytest would otherwise
keep them for its report). A new interpreter costs 0.2-0.8 s of CPU in imports (discord.py and
aiohttp most of it) for a command that then works for milliseconds; most cases need not pay it.

Standard input, if given, is a file of the lines on fd 0 (the console reads the descriptor) and
``sys.stdin``; signal handlers the command sets are put back when it ends.

In a process, ``python -m bot ARGS``: one case per command proves the wiring (the entry point,
the exit status, stderr), and a case whose bug would block for ever (a FIFO opened, a device
read) runs where a timeout can end it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import ROOT

Run = subprocess.CompletedProcess[str]


def quizbot_process(*args: str, cwd: Path, timeout: float = 60, input: str | None = None) -> Run:
    """``python -m bot ARGS`` in ``cwd`` with a bare environment (no QUIZBOT_* settings);
    ``input`` piped to its standard input (none: /dev/null)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        timeout=timeout,
    )


class Quizbot:
    """``quizbot(*args, cwd=…)``: the command in this process (``process=True``: in one)."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], bound_s: float
    ) -> None:
        self._monkeypatch, self._capfd, self.bound_s = monkeypatch, capfd, bound_s

    def __call__(
        self, *args: str, cwd: Path, process: bool = False, input: str | None = None
    ) -> Run:
        """``input``: the lines the command reads on its standard input (the console's)."""
        if process:
            return quizbot_process(*args, cwd=cwd, timeout=self.bound_s, input=input)
        self._monkeypatch.chdir(cwd)  # relative paths and .env are the folder's, as there
        for name in ("QUIZBOT_DB", "QUIZBOT_CONTENT"):  # the process's bare environment
            self._monkeypatch.delenv(name, raising=False)
        self._capfd.readouterr()
        threads = set(threading.enumerate())
        started = time.monotonic()
        with _standard_input(input), _signals_kept(), _as_a_process_prints_them() as printed:
            try:
                status = main(list(args))
            except SystemExit as exit:  # argparse's own errors
                status = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
            # as an interpreter does before it exits: what a thread left prints is its output;
            # and the console's reader of fd 0 (a daemon) reads to the input's end before fd 0
            # is given back, never a line of the terminal's
            for thread in set(threading.enumerate()) - threads:
                if not thread.daemon or thread.name == STDIN_READER:
                    thread.join(self.bound_s)
        took = time.monotonic() - started
        out, err = self._capfd.readouterr()
        err += "".join(printed)
        # what the process's timeout bounded: here it fails once the command ends
        assert took < self.bound_s, f"quizbot {' '.join(args)} took {took:.0f} s"
        return subprocess.CompletedProcess(["quizbot", *args], status, out, err)


STDIN_READER = "console-stdin"  # adapters/console/terminal.py's PipeSource thread


@contextmanager
def _standard_input(text: str | None) -> Iterator[None]:
    """fd 0 (which the console reads directly) and ``sys.stdin`` give ``text``, then the test's
    own are put back; ``None``: left as they are (pytest's /dev/null, as the process's)."""
    if text is None:
        yield
        return
    with tempfile.TemporaryFile() as file:
        file.write(text.encode("utf-8"))
        file.seek(0)
        saved, stdin = os.dup(0), sys.stdin
        os.dup2(file.fileno(), 0)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # not a terminal, as a pipe
        try:
            yield
        finally:
            sys.stdin.close()
            sys.stdin = stdin
            os.dup2(saved, 0)
            os.close(saved)


@contextmanager
def _signals_kept() -> Iterator[None]:
    """A process's signal handlers end with it: the console's (and its SIGINT ignored as it
    exits) would otherwise stay in the test's process."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)


# Python's filters when no -W option is given (the process's): most warnings are shown once
PROCESS_WARNING_FILTERS = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)


class _Lines(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(logging.WARNING)  # logging's last resort in an unconfigured process
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + "\n")


@contextmanager
def _as_a_process_prints_them() -> Iterator[list[str]]:
    """The stderr lines a process would have printed and pytest catches for its report."""
    lines: list[str] = []

    def thread_failed(failure: threading.ExceptHookArgs) -> None:
        name = failure.thread.name if failure.thread else "?"
        lines.append(f"Exception in thread {name}:\n")
        failed = failure.exc_type, failure.exc_value, failure.exc_traceback
        lines.extend(traceback.format_exception(*failed))

    def unraisable(failure: sys.UnraisableHookArgs) -> None:
        lines.append(f"Exception ignored in: {failure.object!r}\n")
        failed = failure.exc_type, failure.exc_value, failure.exc_traceback
        lines.extend(traceback.format_exception(*failed))

    handler = _Lines(lines)
    root = logging.getLogger()
    hooks = threading.excepthook, sys.unraisablehook
    root.addHandler(handler)
    threading.excepthook, sys.unraisablehook = thread_failed, unraisable
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.resetwarnings()
            for action, category, module in PROCESS_WARNING_FILTERS:
                warnings.filterwarnings(action, category=category, module=module, append=True)
            yield lines
        lines.extend(
            warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line)
            for w in caught
        )
    finally:
        threading.excepthook, sys.unraisablehook = hooks
        root.removeHandler(handler)
