"""The dashboard in a real headless Chromium (the OS's, driven by Selenium): a signed link
opens the course, a click leads to a question with its bars and flags; expired, forged and
other workspaces' links are refused or show nothing of this one; a display name holding a
<script> shows as text. The course and question pages are saved as the docs' screenshots."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.app import QuizApp
from bot.kernel.identity import Actor
from tests import browser
from tests.conftest import CONTENT, ROOT
from tests.teacher_seed import ADMIN, GROUP, HOSTILE_NAME, SUSPECT
from tests.web_server import local, serving

SCREENSHOTS = ROOT / "docs" / "img"


@pytest.fixture(scope="module")
def chromium():
    driver = browser.start()
    yield driver
    driver.quit()


@pytest.fixture
async def site(tmp_path, clock, seeded_course):
    seeded_course.copy_into(tmp_path / "quiz.db", clock)  # seeded once, copied for this test
    app = await QuizApp.open(tmp_path / "quiz.db", CONTENT, clock=clock, rng=random.Random(25))
    async with serving(app) as base:
        yield app, base
    await app.close()


async def link_for(app: QuizApp, base: str, actor: Actor = ADMIN, group: str | None = None):
    return local((await app.teacher.dashboard_link(actor, group)).url, base)


async def visit(driver, url: str) -> str:
    """Load ``url`` (off the event loop, which serves it) and return the page's text."""
    await asyncio.to_thread(driver.get, url)
    return await asyncio.to_thread(lambda: driver.find_element("tag name", "body").text)


async def save_screenshot(driver, name: str) -> None:
    """Keep the page as docs/img/<name>.png (rewritten only when it looks different)."""
    png = await asyncio.to_thread(driver.get_screenshot_as_png)
    path = SCREENSHOTS / f"{name}.png"
    if not path.exists() or path.read_bytes() != png:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)


async def test_a_signed_link_opens_the_course_and_a_question_with_bars_and_flags(site, chromium):
    app, base = site
    text = await visit(chromium, await link_for(app, base))
    assert "Course" in text and "24 learners" in text and "Flagged, worst first" in text
    assert "Processes vs Threads" in text
    await save_screenshot(chromium, "dashboard-course")
    prompt = app.pack.question(SUSPECT).prompt
    worst = await asyncio.to_thread(chromium.find_element, "css selector", "ol.worst li a")
    assert await asyncio.to_thread(lambda: worst.text) == prompt  # the wrong key comes first
    await asyncio.to_thread(worst.click)
    text = await asyncio.to_thread(lambda: chromium.find_element("tag name", "body").text)
    assert chromium.current_url.endswith(f"/q/{SUSPECT}")
    assert "check the key" in text and "Why" in text
    bars = await asyncio.to_thread(chromium.find_elements, "css selector", "svg.bars")
    assert len(bars) == len(app.pack.question(SUSPECT).choices)
    # the strongest learners' bar fills the wrong choice they agree on
    widths = await asyncio.to_thread(
        lambda: [
            float(r.get_attribute("width"))
            for r in chromium.find_elements("css selector", "svg.bars rect.upper")
        ]
    )
    assert max(widths) == 250.0 and widths[app.pack.question(SUSPECT).correct_index] == 0.0
    shown = await asyncio.to_thread(lambda: bars[0].is_displayed())
    assert shown
    await save_screenshot(chromium, "dashboard-question")


async def test_expired_forged_and_other_workspaces_links_show_nothing_of_this_one(site, chromium):
    app, base = site
    link = await link_for(app, base)
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    text = await visit(chromium, forged)
    assert "This link is not valid" in text and "Learner" not in text
    stranger = Actor("discord", "9", "Other", "4242", "1", is_admin=True)
    text = await visit(chromium, await link_for(app, base, stranger))
    assert "0 learners" in text and "Learner 0" not in text and "Study groups" not in text
    app.clock.advance(24 * 3600)
    text = await visit(chromium, link)
    assert "This link has expired" in text and "Learner" not in text


async def test_a_script_in_a_display_name_shows_as_text(site, chromium):
    app, base = site
    link = await link_for(app, base)
    text = await visit(chromium, link + "group/" + GROUP)
    assert HOSTILE_NAME in text  # shown as typed, never run
    scripts = await asyncio.to_thread(chromium.find_elements, "tag name", "script")
    assert scripts == []
    # an open alert() would make this call raise UnexpectedAlertPresentException
    title = await asyncio.to_thread(chromium.execute_script, "return document.title")
    assert title.startswith("Study group Evening")
