"""``python -m bot``: the ``quizbot`` command. Outside the project's environment the first
missing dependency would be a traceback; it is one line saying how to get in instead."""

import sys

try:
    from bot.cli import main
except KeyboardInterrupt:  # Ctrl-C while the modules load: no traceback of the import
    sys.exit(130)
except ModuleNotFoundError as missing:
    if missing.name and not missing.name.startswith("bot"):
        print(
            f"quizbot: the module {missing.name!r} is not installed for {sys.executable}."
            " Run `make install`, then `. .venv/bin/activate` (or use .venv/bin/python -m bot).",
            file=sys.stderr,
        )
        sys.exit(2)
    raise

raise SystemExit(main())
