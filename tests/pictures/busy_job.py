"""A job that keeps a picture worker busy, for tests of the pool's close (a module of its own:
the worker unpickles it by name without importing a test module)."""

import time
from pathlib import Path


def take_the_worker(marker: str, seconds: float) -> None:
    Path(marker).touch()
    time.sleep(seconds)
