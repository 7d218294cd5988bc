"""The quizbot process: ``python -m bot`` and the ``quizbot`` script (``run``). Outside the
project's environment the first missing dependency would be a traceback; it is one line saying
how to get in instead.

The garbage collector waits while the modules load: each of its passes would walk the objects
the imports are creating (classes, functions, constants: they stay for the process's life), ~20
ms of a console start's CPU and ~50 ms of Slack's. Once the command's modules are in, those
objects are frozen (left out of every later pass; the few hundred the imports left as garbage
stay too) and the collector runs as usual for everything after."""

import gc
import sys


def _loaded() -> None:
    gc.freeze()
    gc.enable()


def run() -> int:
    gc.disable()
    try:
        from bot.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the modules load: no traceback of the import
        return 130
    except ModuleNotFoundError as missing:
        if missing.name and not missing.name.startswith("bot"):
            print(
                f"quizbot: the module {missing.name!r} is not installed for {sys.executable}."
                " Run `make install`, then `. .venv/bin/activate`"
                " (or use .venv/bin/python -m bot).",
                file=sys.stderr,
            )
            return 2
        raise
    return main(loaded=_loaded)


if __name__ == "__main__":
    raise SystemExit(run())
