"""The ``quizbot`` command (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Sequence

# Only what parsing the command line and loading content need: the app (the feature services,
# the database drivers), the importers and the content linter load with the command that runs
# them, so that `quizbot content validate` or `db check` starts in a third of the time.
from bot.config import ConfigError, content_path, db_path
from bot.content import ContentError, default_content_path, load_pack
from bot.demos.catalog import DEMO_NAMES
from bot.import_formats import FORMAT_LABELS
from bot.kernel.errors import StorageError
from bot.kernel.text import count_of
from bot.report_args import report_parser as _report_parser


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="SQLite file or postgresql://user@host/db (env QUIZBOT_DB; data/quizbot.db)",
    )
    common.add_argument(
        "--content",
        default=argparse.SUPPRESS,
        help="content folder (env QUIZBOT_CONTENT; the bundled pack)",
    )
    parser = argparse.ArgumentParser(
        prog="quizbot", description="A study-group quiz bot.", parents=[common]
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("console", parents=[common], help="chat with the bot in this terminal")
    discord_cmd = sub.add_parser(
        "discord", parents=[common], help="run the Discord bot (needs DISCORD_TOKEN)"
    )
    discord_cmd.add_argument(
        "--guild",
        type=int,
        metavar="ID",
        help="sync the slash commands to this server only (instant; for development)",
    )
    discord_cmd.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help="shards in the whole deployment (default: Discord's recommended count)",
    )
    discord_cmd.add_argument(
        "--shard-ids",
        metavar="A,B,…",
        help="the shards this process runs, e.g. 0,1 (needs --shards; default: all of them)."
        " Its daily questions are posted only for those shards' servers",
    )
    slack = sub.add_parser(
        "slack",
        parents=[common],
        help="run the Slack app: Socket Mode with SLACK_APP_TOKEN, else HTTP on --port",
    )
    slack.add_argument("--port", type=int, default=3000, help="HTTP mode port (default 3000)")
    slack.add_argument("--host", default="0.0.0.0", help="HTTP mode address (default 0.0.0.0)")
    content = sub.add_parser("content", parents=[common], help="content tools")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    validate = content_sub.add_parser("validate", parents=[common], help="check a content pack")
    validate.add_argument("path", nargs="?", help="folder or file (default: the active pack)")
    importer = content_sub.add_parser(
        "import", help="turn GIFT, Red trivia, Open Trivia DB or Anki files into cards"
    )
    importer.add_argument(
        "--from", dest="fmt", required=True, choices=sorted(FORMAT_LABELS), help="the files' format"
    )
    importer.add_argument("files", nargs="+", metavar="FILE", help="files to import")
    importer.add_argument(
        "--out", default="imported", metavar="DIR", help="folder to write (default: imported)"
    )
    importer.add_argument(
        "--topic", metavar="NAME", help="track of every imported card (default: imported)"
    )
    importer.add_argument("--force", action="store_true", help="overwrite existing card files")
    database = sub.add_parser("db", parents=[common], help="database tools")
    db_sub = database.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser(
        "check", parents=[common], help="integrity check and schema version (read-only)"
    )
    backup = db_sub.add_parser(
        "backup", parents=[common], help="copy the database, safe while the bot runs"
    )
    backup.add_argument("target", metavar="PATH", help="the new backup file (must not exist)")
    _report_parser(sub, common)
    web = sub.add_parser("web", parents=[common], help="serve the read-only teacher's dashboard")
    web.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    demo = sub.add_parser("demo", parents=[common], help="run a live demo here and print it")
    demo.add_argument("name", help="one of: " + ", ".join(DEMO_NAMES))
    return parser


def _nothing() -> None:
    pass


def main(argv: Sequence[str] | None = None, *, loaded: Callable[[], None] = _nothing) -> int:
    """The quizbot command. ``loaded`` is called once the command's modules are in, before it
    does its work (the process's entry, ``bot.__main__``, lets the garbage collector run
    again there)."""
    args = _parser().parse_args(argv)
    command = args.command or "console"
    try:
        work = _prepared(args, command)
        if work is not None:
            loaded()
            return work()
    except (ConfigError, StorageError) as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        for problem in exc.problems:
            print(f"quizbot: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(f"quizbot: unknown command {command!r}", file=sys.stderr)
    return 2


def _prepared(args: argparse.Namespace, command: str) -> Callable[[], int] | None:
    """The command's work, ready to run: its settings checked and its modules loaded."""
    if command == "content" and args.content_command == "import":
        return lambda: _import(args)
    if command == "content":
        return lambda: _validate(args)
    if command == "db":
        return lambda: _database(args)
    if command == "demo":
        console = importlib.import_module("adapters.console")
        return lambda: asyncio.run(console.run_demo(args.name))
    # The settings are checked before the command's modules load (discord.py or slack-bolt
    # take most of a second): a missing token or a mistyped option is reported at once
    db, content = db_path(getattr(args, "db", None)), _content(args)
    if command == "report":
        reports = importlib.import_module("bot.reports")
        return lambda: asyncio.run(reports.run(args, db, content))
    if command == "web":
        web = importlib.import_module("adapters.web")
        return lambda: asyncio.run(web.run(db, content, host=args.host, port=args.port))
    if command == "console":
        console = importlib.import_module("adapters.console")
        return lambda: asyncio.run(console.run(db, content))
    if command == "discord":
        settings = importlib.import_module("adapters.discord_settings")
        shards = settings.shards_from_options(args.shards, args.shard_ids)
        token = settings.bot_token()
        adapter = importlib.import_module("adapters.discord_bot")
        return lambda: asyncio.run(
            adapter.run(
                db,
                content,
                guild_id=args.guild,
                shard_count=args.shards,
                shard_ids=args.shard_ids,
                shards=shards,
                token=token,
            )
        )
    if command == "slack":
        settings = importlib.import_module("adapters.slack_settings")
        slack_settings = settings.load_settings(host=args.host, port=args.port)
        slack = importlib.import_module("adapters.slack_bot")
        return lambda: asyncio.run(
            slack.run(db, content, host=args.host, port=args.port, settings=slack_settings)
        )
    return None


def _database(args: argparse.Namespace) -> int:
    from bot.kernel.maintenance import backup_database, check_database

    path = db_path(getattr(args, "db", None))
    if args.db_command == "backup":
        done = backup_database(path, args.target)
        print(f"backed up {done.source} to {done.target} ({done.pages} pages, {done.size_bytes} B)")
        return 0
    from bot.app import SCHEMA  # the features' migrations; only this command needs them here

    found = check_database(path, SCHEMA.version)
    for line in found.lines():
        print(line)
    return 0 if found.ok else 1


def _content(args: argparse.Namespace) -> str | None:
    path = content_path(getattr(args, "content", None))
    return str(path) if path else None


def _validate(args: argparse.Namespace) -> int:
    # the linter and the importers' marker load with this command, not with every start
    from bot.content_lint import lint_pack
    from bot.importers.common import NO_EXPLANATION

    path = args.path or _content(args) or default_content_path()
    try:
        pack = load_pack(path, known_demos=DEMO_NAMES)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{count_of(len(exc.problems), 'problem')} found in {path}")
        return 1
    for line in pack.skipped:  # a folder or FIFO named x.yaml: not content, not fatal
        print(line)
    warnings = lint_pack(pack)
    for warning in warnings:  # content that loads but can be gamed: reported, never fatal
        print(warning)
    found = f" ({count_of(len(warnings), 'warning')})" if warnings else ""
    print(f"{path}: OK — {pack.summary()}{found}")
    unexplained = sum(1 for q in pack.questions if q.source == NO_EXPLANATION)
    if unexplained:
        have = "has" if unexplained == 1 else "have"
        print(
            f"{count_of(unexplained, 'question')} {have} no explanation yet"
            f" (source: {NO_EXPLANATION})"
        )
    return 0


def _import(args: argparse.Namespace) -> int:
    from bot.importers import import_files  # the format parsers: only this command needs them

    result = import_files(args.fmt, args.files, args.out, topic=args.topic, force=args.force)
    for line in (*result.skipped, *result.notes):
        print(line)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print("nothing written", file=sys.stderr)
        return 1
    kinds = ", ".join(f"{kind} {n}" for kind, n in result.kinds)
    malformed = f" ({result.malformed} malformed)" if result.malformed else ""
    print(
        f"imported {count_of(result.imported, 'question')} ({kinds}), skipped {len(result.skipped)}"
        f"{malformed}, {result.no_explanation} without an explanation:"
    )
    for file, count in result.written:
        print(f"  {file} ({count} question{'' if count == 1 else 's'})")
    return 0
