"""The code's shape, enforced: a platform-neutral core, a kernel that knows no feature, features
that import only the kernel and lower features, no import cycle anywhere in bot/ or adapters/,
and no module there over 500 lines without saying why."""

from __future__ import annotations

import ast
import functools
import importlib
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "adapters")
# lower first: a feature may import the features before it, never those after it
# live last: a leaf composed over quiz posts and the answer writer; no feature needs it
FEATURE_ORDER = ("answers", "quiz", "daily", "boards", "groups", "live", "teacher")
BOT = ROOT / "bot"
ADAPTERS = ROOT / "adapters"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@functools.cache  # each test walks every module: parsed once for all of them (~0.25 s a pass)
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.cache
def imported_names(path: Path) -> tuple[str, ...]:
    """Every module a file imports: import statements (relative ones resolved) and string
    literals handed to importlib.import_module / __import__."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    names: list[str] = []
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            names += [base] + [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            called = getattr(func, "attr", None) or getattr(func, "id", None)
            if called in ("import_module", "__import__") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.append(first.value)
    return tuple(names)


def bot_modules() -> dict[str, Path]:
    return {module_name(p): p for p in BOT.rglob("*.py")}


def checked_modules() -> dict[str, Path]:
    """Every module of the core and of the adapters (bot/ never imports adapters/, so a cycle
    can only lie within one of them; one graph finds both kinds)."""
    return {module_name(p): p for root in (BOT, ADAPTERS) for p in root.rglob("*.py")}


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "features" else None


def test_bot_package_imports_no_platform_code():
    # bot/cli.py is the command line: it starts the adapter the user names (by importlib,
    # lazily, so the core never loads a platform library it does not run)
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in BOT.rglob("*.py")
        if path != BOT / "cli.py"
        for name in imported_names(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_the_kernel_knows_no_feature():
    offenders = [
        f"{module} imports {name}"
        for module, path in bot_modules().items()
        if module.startswith("bot.kernel")
        for name in imported_names(path)
        if name.startswith("bot.") and not name.startswith("bot.kernel")
    ]
    assert offenders == []


def test_features_import_only_the_kernel_and_lower_features():
    offenders = []
    for module, path in bot_modules().items():
        mine = feature_of(module)
        if mine is None:
            continue
        rank = FEATURE_ORDER.index(mine)
        for name in imported_names(path):
            other = feature_of(name)
            if other is not None and FEATURE_ORDER.index(other) > rank:
                offenders.append(f"{module} imports the higher feature {name}")
            if name in ("bot.app", "bot.cli") or name.startswith(("bot.app.", "bot.demos")):
                offenders.append(f"{module} imports {name}")
    assert offenders == []


def test_a_feature_folder_for_each_feature():
    assert sorted(
        p.name for p in (BOT / "features").iterdir() if p.is_dir() and p.name[0] != "_"
    ) == sorted(FEATURE_ORDER)


def test_no_import_cycles_in_the_core_or_the_adapters():
    modules = checked_modules()

    def resolve(name: str) -> str | None:
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
        return None

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for name in imported_names(path):
            target = resolve(name)
            # a package's __init__ re-exporting its own modules is not a cycle of features
            if target and target != module and not target.startswith(module + "."):
                if target not in ("bot", "adapters") and not module.startswith(target + "."):
                    graph[module].add(target)
    cycles = []
    for start in graph:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(" -> ".join((*path, start)))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, (*path, nxt)))
    assert cycles == []


def test_core_imports_with_platform_modules_blocked():
    """Importing every core module works even when the platform libraries are missing."""
    code = (
        "import sys\n"
        "for name in ('discord', 'slack_bolt', 'slack_sdk', 'adapters'):\n"
        "    sys.modules[name] = None\n"
        "import pkgutil, importlib, bot\n"
        "for m in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
        "    if m.name != 'bot.__main__' and not m.name.startswith('bot.demos.child'):\n"
        "        importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "ok", out.stderr


# What a SQLite console start does without, each loaded by the one thing that uses it: the
# PostgreSQL driver (a postgresql:// URL), fuzzy matching (the first typo to weigh), the FSRS
# scheduler (the first card scheduled), the importers and the linter (their commands), the
# picture workers' pool (pictures on), the demos' sandbox (the first demo), python-dotenv (a
# .env file to read), the teacher's reports (the first report); the migrations are read from
# their folders without importlib.resources
NOT_LOADED_AT_START = (
    "asyncpg",
    "bot.kernel.pg",
    "rapidfuzz",
    "fsrs",
    "bot.importers",
    "bot.content_lint",
    "multiprocessing",
    "concurrent.futures.process",
    "bot.demos.sandbox",
    "dotenv",
    "importlib.resources",
    "bot.features.teacher.store",
    "bot.features.teacher.analysis",
)


def test_a_console_start_loads_only_what_it_uses():
    """Every quizbot process pays for what it imports before it does anything (a console start
    is ~0.4 s of CPU, most of it imports): what a start does not use stays unloaded."""
    code = (
        "import sys, bot.cli, adapters.console\n"
        f"print([m for m in {NOT_LOADED_AT_START!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr


def test_no_module_is_too_large_without_saying_why():
    """Over ~500 lines, a module of the core or of an adapter says why in its docstring
    ("Long: …")."""
    large = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for path in checked_modules().values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500
        and "Long: " not in (ast.get_docstring(parsed(path)) or "")
    ]
    assert large == []


# What an adapter may use of the core beyond the contract (adapters/platform.py), the kernel,
# the app, config and demos, and the features' requests and results; each with its reason.
ADAPTER_EXEMPTIONS = {
    # the host runs the core's daily scheduler and live runner for every platform
    "adapters.platform": {"bot.features.daily.DailyScheduler", "bot.features.live.LiveRunner"},
    # a Discord client run without the host (tests) runs its own scheduler and runner
    "adapters.discord_bot.client": {
        "bot.features.daily.DailyScheduler",
        "bot.features.live.LiveRunner",
    },
    # Discord's days option is free text, parsed by the daily feature's own word list
    "adapters.discord_bot.commands": {
        "bot.features.daily.EVERY_DAY",
        "bot.features.daily.calendar",
        "bot.features.daily.calendar.parse_weekdays",
    },
    # the dashboard checks a signed link's scope and grant with the teacher feature's rules
    "adapters.web.server": {
        "bot.features.teacher.DashboardGrant",
        "bot.features.teacher.LinkRefused",
        "bot.features.teacher.service",
        "bot.features.teacher.service.group_matches",
        "bot.features.teacher.service.reader_for",
    },
}


def _is_request_or_result(name: str) -> bool:
    """``name`` is a feature's requests/results module (or a name in one), its wording, or a
    name a feature package re-exports from them."""
    parts = name.split(".")
    if len(parts) < 3:
        return True  # bot.features itself
    if len(parts) >= 4 and parts[3] in ("requests", "results", "wording"):
        return True
    if len(parts) == 4:
        package = ".".join(parts[:3])
        value = getattr(importlib.import_module(package), parts[3], None)
        where = getattr(value, "__module__", "") or ""
        if where.rpartition(".")[2] in ("requests", "results"):
            return True
        # a constant (no __module__): one the package re-exports from its results or requests
        for kind in ("results", "requests"):
            try:
                if (
                    value is not None
                    and vars(importlib.import_module(f"{package}.{kind}")).get(parts[3]) is value
                ):
                    return True
            except ModuleNotFoundError:
                continue
        return False
    return len(parts) == 3  # the package itself


def test_adapters_use_only_the_contract_and_the_cores_requests_and_results():
    offenders = []
    for path in ADAPTERS.rglob("*.py"):
        module = module_name(path)
        exempt = ADAPTER_EXEMPTIONS.get(module, set())
        for name in imported_names(path):
            if not name.startswith("bot.features.") or name in exempt:
                continue
            if not _is_request_or_result(name):
                offenders.append(f"{module} imports {name}")
    assert offenders == []


# Where an admin's rights are read outside the dispatcher, and why (a rule on data, not on
# the request type, which the dispatcher cannot know).
ADMIN_READS = {
    # the quiz's starter may stop it, and so may an admin (StopLive.admin_matters)
    "bot.features.live.service",
}


def test_no_admin_check_outside_the_dispatcher():
    """``needs_admin`` on a request type is enforced once, by the dispatcher; services and
    adapters never test ``actor.is_admin`` themselves (building an Actor with it is fine)."""
    offenders = []
    for module, path in checked_modules().items():
        if module == "bot.kernel.dispatch" or module in ADMIN_READS:
            continue
        tree = parsed(path)
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "is_admin"
                and isinstance(node.ctx, ast.Load)
                and id(node) not in called
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_app_passes_each_service_its_dependencies_at_construction():
    """``bot/app.py`` builds the services with what they need; it never sets an attribute of
    a service after building it (a dependency patched in later hides who needs whom)."""
    app = BOT / "app.py"
    tree = parsed(app)
    patched = [
        f"{app.relative_to(ROOT)}:{target.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id != "self"  # the app's own state (a reload swaps the content)
    ]
    assert patched == []


# A feature handles its own request types; where one handles a lower feature's, the reason.
FOREIGN_HANDLERS = {
    # the leaderboard's group option (ShowLeaderboard.group): a group's board is the groups
    # feature's, the rest it hands to the boards' own service (one command, /quiz leaderboard)
    ("groups", "bot.features.boards.requests.ShowLeaderboard"),
}


class _AnyApp:
    """Stands in for the app: a feature's ``handlers`` only keep its services for later."""

    def __getattr__(self, name: str) -> None:
        return None


def test_a_feature_handles_only_its_own_requests():
    """Runtime calls point down: no feature takes over another's request (the live feature
    answers its own AnswerLiveRound, never the quiz's AnswerQuestion)."""
    from bot.app import FEATURES

    foreign = set()
    for feature in FEATURES:
        own = ("bot.app",) if feature.name == "app" else (f"bot.features.{feature.name}.",)
        own += (f"bot.{feature.name}.",)  # bot.demos is a feature outside bot/features
        for request_type, _handler in feature.handlers(_AnyApp()):
            name = f"{request_type.__module__}.{request_type.__qualname__}"
            if not name.startswith(own):
                foreign.add((feature.name, name))
    assert foreign == FOREIGN_HANDLERS


def test_no_time_limit_can_swallow_a_cancel():
    """Python 3.11's ``asyncio.wait_for`` returns the call's result when the call finished as
    a cancel came, and the cancel is lost (a stopped quiz night drove on:
    tests/features/live/test_live.py); ``async with asyncio.timeout(...)`` keeps it."""
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in checked_modules().values()
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "wait_for"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "asyncio"
    ]
    assert calls == []
