"""MkDocs hooks (mkdocs.yml ``hooks:``): the command reference is generated from the code on
every build, so it never drifts from what the bot parses; and every page in docs/ is in the nav,
also one another change adds without touching mkdocs.yml.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from enum import Enum
from pathlib import Path
from typing import Any

# this checkout's bot/, not whichever one the environment has installed (MkDocs restores
# sys.path once the hook is loaded, so the imports happen now)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.app import TEXT_COMMANDS  # noqa: E402
from bot.kernel.dispatch import Request  # noqa: E402

COMMANDS_PAGE = "commands.md"
MORE_SECTION = "More"


def _request_types() -> list[type]:
    """Every Request subclass the app knows, in definition order within each module."""
    found: list[type] = []
    todo = list(Request.__subclasses__())
    while todo:
        cls = todo.pop(0)
        found.append(cls)
        todo.extend(cls.__subclasses__())

    def place(cls: type) -> tuple[str, int]:
        try:
            return cls.__module__, inspect.getsourcelines(cls)[1]
        except (OSError, TypeError):
            return cls.__module__, 0

    return sorted({cls for cls in found if cls.__module__.startswith("bot.")}, key=place)


def _signature(cls: type) -> str:
    """``SetDailySchedule(at: str, zone: str, topic: str | None = None, …)``."""
    parts = []
    for field in dataclasses.fields(cls):
        text = f"{field.name}: {field.type}"
        if field.default is not dataclasses.MISSING:
            default = field.default
            if isinstance(default, Enum):
                text += f" = {type(default).__name__}.{default.name}"
            else:
                text += f" = {default!r}"
        parts.append(text)
    return f"{cls.__name__}({', '.join(parts)})"


def _feature(module: str) -> str:
    """``bot.features.daily.requests`` -> ``daily``; ``bot.app`` -> ``general``."""
    parts = module.split(".")
    return parts[-2] if parts[-1] == "requests" else "general"


def _escape(text: str) -> str:
    """Plain text for a Markdown line: ``<topic>`` is not an HTML tag."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def commands_markdown() -> str:
    """The command reference: every text command (what to type, what it does) and every
    request type (what a platform adapter builds), grouped by the feature that owns them."""
    by_module: dict[str, list[type]] = {}
    for cls in _request_types():
        by_module.setdefault(cls.__module__, []).append(cls)
    owned_by = {module: list(getattr(sys.modules[module], "COMMANDS", ())) for module in by_module}
    claimed = {id(c) for commands in owned_by.values() for c in commands}
    # the app's own requests (reload, help) own what no feature declares
    owned_by["bot.app"] = [c for c in TEXT_COMMANDS if id(c) not in claimed]
    by_module.setdefault("bot.app", [])
    help_order = {id(c): i for i, c in enumerate(TEXT_COMMANDS)}

    def first_listed(module: str) -> int:
        return min((help_order[id(c)] for c in owned_by[module]), default=len(help_order))

    sections = []
    for module in sorted(by_module, key=first_listed):
        doc = (sys.modules[module].__doc__ or "").strip().splitlines()
        lead = doc[0] if doc and module.endswith(".requests") else ""
        sections.append((_feature(module), lead, owned_by[module], by_module[module]))

    lines = [
        "# Commands",
        "",
        "Generated from the code on every docs build (`tools/mkdocs_hooks.py` reads",
        "`bot.app.TEXT_COMMANDS` and the request types), so it lists exactly what the bot parses.",
        "",
        "Type each command as `/quiz <command> …` — what Slack sends, and what the console takes",
        "too — or, on the console, as the short form `/<command> …` (`/card locks`). Discord has",
        "the same commands as `/quiz` subcommands with options. `[x]` is optional, `a|b` one of.",
        "",
        "A `topic` is a card or a track, named by its id, its title, a unique prefix or words",
        'of either (`locks`, `Locks & Synchronization`, `sync`); a near miss gets "did you',
        'mean". A demo is named by its name or a unique prefix.',
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for _feature_name, _doc, owned, _types in sections:
        for command in owned:
            summary = _escape(command.summary)
            lines.append(f"| [`/quiz {command.name}`](#{command.name}) | {summary} |")
    for feature, doc, owned, types in sections:
        lines += ["", f"## {feature.capitalize()}", ""]
        if doc:
            lines += [doc, ""]
        for command in owned:
            lines += [f"### {command.name}", "", "```", f"/quiz {command.usage}", "```", ""]
            lines.append(_escape(command.summary[:1].upper() + command.summary[1:]) + ".")
            if command.aliases:
                also = ", ".join(f"`/quiz {a}`" for a in command.aliases)
                lines.append(f"Also typed as {also}.")
            lines.append("")
        if types:
            lines += ["Request types (what an adapter builds and dispatches):", ""]
            for cls in types:
                doc_line = (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " ")
                if doc_line.startswith(f"{cls.__name__}("):  # the dataclass's generated doc
                    doc_line = ""
                admins = " **Admins only.**" if getattr(cls, "needs_admin", False) else ""
                lines.append(f"- `{_signature(cls)}`{admins} {doc_line}".rstrip())
    return "\n".join(lines) + "\n"


def _nav_paths(nav: Any) -> set[str]:
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, list):
        return set().union(*(_nav_paths(item) for item in nav)) if nav else set()
    if isinstance(nav, dict):
        return set().union(*(_nav_paths(value) for value in nav.values()))
    return set()


def on_config(config: Any) -> Any:
    """Pages in docs/ that the nav does not name go under "More", in name order."""
    nav = config.get("nav")
    if not nav:
        return config
    listed = _nav_paths(nav)
    docs = Path(config["docs_dir"])
    pages = (path.relative_to(docs) for path in docs.rglob("*.md"))
    missing = sorted(
        page.as_posix()
        for page in pages
        if page.as_posix() not in listed
        and not any(part.startswith(".") for part in page.parts)  # MkDocs skips those
    )
    if missing:
        nav.append({MORE_SECTION: missing})
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, COMMANDS_PAGE, content=commands_markdown()))
    return files
