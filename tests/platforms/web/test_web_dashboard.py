"""The dashboard over HTTP (aiohttp's client, no browser): security headers on every page,
nothing without a valid link, a group's link shows that group only, a channel's daily history,
and no data of another workspace."""

from __future__ import annotations

import base64
import json
import random

import aiohttp
import pytest

from bot.app import QuizApp
from bot.features.teacher import DashboardLink
from bot.kernel.identity import Actor
from tests.conftest import CONTENT
from tests.teacher_seed import ADMIN, GROUP, HOSTILE_NAME, SUSPECT
from tests.web_server import local, serving

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


@pytest.fixture
async def site(db_target, clock, seeded_course):
    seeded_course.copy_into(db_target, clock)  # the course seeded once, copied for this test
    app = await QuizApp.open(db_target, CONTENT, clock=clock, rng=random.Random(25))
    async with serving(app) as base, aiohttp.ClientSession() as http:
        yield app, base, http
    await app.close()


async def link_for(app: QuizApp, base: str, actor: Actor = ADMIN, group: str | None = None) -> str:
    link = await app.teacher.dashboard_link(actor, group)
    assert isinstance(link, DashboardLink)
    return local(link.url, base)


async def get(http: aiohttp.ClientSession, url: str) -> tuple[int, str, dict[str, str]]:
    async with http.get(url, allow_redirects=False) as response:
        return response.status, await response.text(), dict(response.headers)


async def test_every_page_sends_the_security_headers(site):
    app, base, http = site
    link = await link_for(app, base)
    for url in (base + "/", link, link + f"q/{SUSPECT}", base + "/d/forged/"):
        status, _, headers = await get(http, url)
        assert status in (200, 403)
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert headers["Cache-Control"] == "no-store"


async def test_without_a_valid_link_nothing_is_shown(site):
    app, base, http = site
    status, page, _ = await get(http, base + "/")
    assert status == 200 and "Learner" not in page and "/quiz dashboard" in page
    link = await link_for(app, base)
    payload, signature = link.split("/d/")[1].rstrip("/").split(".")
    forged = f"{base}/d/{payload}.{signature[:-2]}xy/"
    status, page, _ = await get(http, forged)
    assert status == 403 and "This link is not valid" in page and "Learner" not in page
    # the payload changed to another workspace, the signature kept: refused as forged
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["w"] = "slack:T999"
    other = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    status, page, _ = await get(http, f"{base}/d/{other}.{signature}/")
    assert status == 403 and "This link is not valid" in page
    app.clock.advance(24 * 3600 + 1)
    status, page, _ = await get(http, link)
    assert status == 403 and "This link has expired" in page


async def test_another_workspaces_link_sees_none_of_this_one(site):
    app, base, http = site
    stranger = Actor("slack", "U1", "Other admin", "T999", "C1", is_admin=True)
    status, page, _ = await get(http, await link_for(app, base, stranger))
    assert status == 200 and "0 learners" in page
    assert "Learner 0" not in page and "Evening" not in page and "Daily question" not in page
    status, page, _ = await get(http, (await link_for(app, base, stranger)) + "group/Evening")
    assert status == 404 and "Learner" not in page


async def test_a_groups_link_shows_that_group_only(site):
    app, base, http = site
    link = await link_for(app, base, group=GROUP)
    status, page, _ = await get(http, link)
    assert status == 200 and "6 learners" in page  # the group's members' first answers
    status, page, _ = await get(http, link + "group/" + GROUP.upper().replace(" ", "%20"))
    assert status == 200 and "Learner 00" in page
    status, page, _ = await get(http, link + "channel/terminal")
    assert status == 403 and "for the study group" in page


async def test_pages_escape_names_and_show_the_daily_history(site):
    app, base, http = site
    link = await link_for(app, base)
    status, page, _ = await get(http, link + "group/" + GROUP)
    assert status == 200
    assert HOSTILE_NAME not in page and "&lt;script&gt;alert(&#34;pwned&#34;)" in page
    assert "Evening &amp; &#34;friends&#34;" in page
    status, page, _ = await get(http, link + "channel/terminal")
    assert status == 200 and page.count("<tr>") == 3  # the header and two days
    assert "2026-03-04" in page and "posted" in page
    status, page, _ = await get(http, link + "q/no-such-question")
    assert status == 404 and "No question &#39;no-such-question&#39;" in page


async def test_a_stale_analysis_is_served_at_once_and_refreshed_behind_it(site):
    app, base, http = site
    link = await link_for(app, base)
    app.teacher.recent.fresh_s = 0.0  # every view after the first finds its analysis stale
    _, page, _ = await get(http, link)
    assert "24 learners" in page
    newcomer = Actor("console", "newcomer", "Newcomer", "local", "terminal")
    question = app.pack.question(SUSPECT)
    view = await app.quiz.post_question(ADMIN, question)
    await app.quiz.answer(newcomer, view.post_id, question.correct_index)
    _, page, _ = await get(http, link)
    assert "24 learners" in page  # the last analysis, served at once
    await app.teacher.recent.settle()  # the refresh that view started
    _, page, _ = await get(http, link)
    assert "25 learners" in page and "figures as of" in page
