"""The docs site's generated parts: the command reference lists what the bot parses, and a page
added to docs/ without a nav entry still reaches the nav (`make docs`, in `make test`, runs
mkdocs build --strict)."""

from __future__ import annotations

import dataclasses

from bot.app import TEXT_COMMANDS
from tools import mkdocs_hooks


def test_the_command_reference_lists_every_command_and_request_type():
    page = mkdocs_hooks.commands_markdown()
    for command in TEXT_COMMANDS:
        assert f"/quiz {command.usage}" in page
        assert f"### {command.name}\n" in page
        assert page.count(f"| [`/quiz {command.name}`](#{command.name}) |") == 1
    for request_type in mkdocs_hooks._request_types():
        fields = [f.name for f in dataclasses.fields(request_type)]
        line = next(ln for ln in page.splitlines() if ln.startswith(f"- `{request_type.__name__}("))
        assert all(f"{name}: " in line for name in fields)
        assert ("**Admins only.**" in line) == request_type.needs_admin
    assert "`SetDailySchedule(at: str, zone: str" in page
    assert "&lt;topic&gt;" in page  # a summary's <topic> is text, not an HTML tag


def test_a_page_missing_from_the_nav_is_listed_under_more(tmp_path):
    (tmp_path / "index.md").write_text("# Home\n")
    (tmp_path / "pictures.md").write_text("# Pictures\n")
    (tmp_path / ".snippets").mkdir()
    (tmp_path / ".snippets" / "note.md").write_text("a snippet, not a page\n")
    config = {"docs_dir": str(tmp_path), "nav": [{"Home": "index.md"}]}
    mkdocs_hooks.on_config(config)
    assert config["nav"] == [{"Home": "index.md"}, {"More": ["pictures.md"]}]
