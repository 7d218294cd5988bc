"""The core stays platform-neutral: it never imports a chat library or the adapters."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT

FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "adapters")


def test_bot_package_imports_no_platform_code():
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_core_imports_with_platform_modules_blocked():
    code = (
        "import sys\n"
        "for name in ('discord', 'slack_bolt', 'slack_sdk', 'adapters'):\n"
        "    sys.modules[name] = None\n"
        "import bot.app, bot.quiz, bot.storage, bot.content, bot.commands, bot.cli\n"
        "import pkgutil, importlib, bot\n"
        "for m in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
        "    if m.name != 'bot.__main__' and not m.name.startswith('bot.demos.child'):\n"
        "        importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "ok", out.stderr
