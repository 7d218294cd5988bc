"""A non-editable install carries the bundled content and works from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from tests.conftest import ROOT


def test_wheel_ships_the_content_and_runs_from_another_folder(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("quizbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/_content/processes-vs-threads.yaml" in names
    assert any(n.startswith("adapters/console/") for n in names)

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
