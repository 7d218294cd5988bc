"""The OS's headless Chromium, driven by Selenium, for the dashboard's browser tests.

``make test`` runs them where Chromium and its driver are installed (Debian: chromium,
chromium-driver) and skips them saying why otherwise; CI installs both and sets
QUIZBOT_TEST_BROWSER_REQUIRED=1, so there a missing browser fails instead."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

WINDOW = (1280, 1000)


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        return "no Chromium installed (apt-get install chromium chromium-driver)"
    if shutil.which("chromedriver") is None:
        return "no chromedriver installed (apt-get install chromium-driver)"
    return None


def required() -> bool:
    return os.environ.get("QUIZBOT_TEST_BROWSER_REQUIRED") == "1"


def start() -> Any:
    """A headless Chromium; skips (or fails, where required) without one."""
    reason = missing()
    if reason is not None:
        if required():
            pytest.fail(f"browser tests are required here: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):
        options.add_argument(argument)
    service = Service(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(service=service, options=options)
