"""Live demos for ``/quiz demo <name>``: small real experiments run in a sandboxed child process.

See :mod:`bot.demos.runner` for the sandbox, :mod:`bot.demos.programs` for the experiments.
"""

from bot.demos.catalog import DEMO_NAMES
from bot.demos.runner import DemoMeasurement, DemoResult, DemoRunner

__all__ = ["DEMO_NAMES", "DemoMeasurement", "DemoResult", "DemoRunner"]
