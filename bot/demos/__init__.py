"""Live demos for ``/quiz demo <name>``: small real experiments run in a sandboxed child process.

See :mod:`bot.demos.runner` for the sandbox, :mod:`bot.demos.programs` for the experiments.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from bot.demos.catalog import DEMO_NAMES

if TYPE_CHECKING:
    from bot.demos.runner import DemoMeasurement, DemoResult, DemoRunner

__all__ = ["DEMO_NAMES", "DemoMeasurement", "DemoResult", "DemoRunner"]
_RUNNER_NAMES = ("DemoMeasurement", "DemoResult", "DemoRunner")


def __getattr__(name: str) -> object:
    """The runner loads on first use: the command line's content tools need only the names."""
    if name in _RUNNER_NAMES:
        return getattr(importlib.import_module("bot.demos.runner"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
