"""A non-editable install carries the bundled content and works from any folder."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def build_wheel(dist: Path) -> None:
    """Build the wheel as ``pip wheel --no-build-isolation`` does: the build_wheel hook (PEP 517)
    of the backend pyproject.toml names, run in the project's folder (the caller's cwd); pip
    ran it in two more interpreters of its own, ~3 s under load."""
    system = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    importlib.import_module(system["build-backend"]).build_wheel(str(dist))


def test_wheel_ships_the_content_and_runs_from_another_folder(tmp_path, monkeypatch):
    with monkeypatch.context() as here:
        here.chdir(ROOT)
        build_wheel(tmp_path / "dist")
    (wheel,) = (tmp_path / "dist").glob("quizbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/_content/processes-vs-threads.yaml" in names
    assert any(n.startswith("adapters/console/") for n in names)
    # each feature's migrations (its schema) ship beside its code, twins included
    migrations = {str(p.relative_to(ROOT)) for p in ROOT.glob("bot/features/*/migrations/*.sql")}
    assert len(migrations) >= 16 and migrations <= set(names), migrations - set(names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("QUIZBOT_CONTENT", None)
    # -I would drop the venv's site-packages too; -P keeps the cwd off sys.path instead
    validate = subprocess.run(
        [sys.executable, "-P", "-m", "bot", "content", "validate"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert str(site / "bot" / "_content") in validate.stdout
    chat = subprocess.run(
        [sys.executable, "-P", "-m", "bot"],
        input="/quiz card processes-vs-threads\n/quiz\nA\n",
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=60,
    )
    assert chat.returncode == 0, chat.stderr
    assert "Own, isolated" in chat.stdout and "Why:" in chat.stdout
    assert (elsewhere / "data" / "quizbot.db").exists()


def test_python_m_bot_outside_the_environment_says_how_to_get_in():
    # -S: no site-packages, as with a system python that has none of the dependencies
    run = subprocess.run(
        [sys.executable, "-S", "-m", "bot", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    [line] = run.stderr.splitlines()
    assert "is not installed for" in line and ". .venv/bin/activate" in line


def test_make_slack_without_a_token_is_the_bot_line_alone(tmp_path):
    """The bot's own one-line exit is a normal end of `make slack`: no make error after it."""
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / "bin").symlink_to(Path(sys.executable).parent)
    (tmp_path / "pyproject.toml").touch()
    os.utime(tmp_path / "pyproject.toml", (0, 0))
    (venv / ".installed").touch()  # newer than pyproject.toml: make installs nothing
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MAKE"))}
    run = subprocess.run(  # in an empty folder: no .env with a real token
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), f"VENV={venv}", "slack"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "QUIZBOT_DB": str(tmp_path / "quiz.db")},
    )
    assert run.returncode == 0, run.stderr
    assert "make:" not in run.stdout + run.stderr
    assert (run.stdout + run.stderr).strip().splitlines() == [
        "quizbot: SLACK_BOT_TOKEN is not set (the Bot User OAuth Token, xoxb-…): put it in the"
        " environment or in .env"
    ]
