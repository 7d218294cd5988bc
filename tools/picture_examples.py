"""Draw one example of each kind of picture into docs/pictures/, from the bundled content and a
seeded demo database, through the bot's own requests (so the examples never go stale):

    python tools/picture_examples.py        (make docs-pictures)

Writes docs/pictures/<kind>.png and the examples section of docs/pictures.md (between its
markers) with each picture's alt text; every card's diagram goes to docs/pictures/cards/.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import QuizApp  # noqa: E402
from bot.features.boards.requests import ShowStats  # noqa: E402
from bot.features.daily import DailyResults, DailyScheduler  # noqa: E402
from bot.features.groups.requests import ShowGroupSummary  # noqa: E402
from bot.features.live import LivePodium, LiveRound, LiveRunner  # noqa: E402
from bot.features.quiz.requests import AnswerQuestion, ShowCard  # noqa: E402
from bot.kernel.clock import FakeClock  # noqa: E402
from bot.kernel.identity import Actor, ChannelRef  # noqa: E402
from bot.kernel.results import Image  # noqa: E402
from bot.pictures.service import Pictures  # noqa: E402

DOCS = ROOT / "docs"
OUT = DOCS / "pictures"
PAGE = DOCS / "pictures.md"
BEGIN, END = "<!-- examples: begin (tools/picture_examples.py) -->", "<!-- examples: end -->"
START = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)  # a Monday, four weeks before "today"
NAMES = ("Ada", "Zoë", "Łukasz", "山田 Taro", "Bo")


def member(name: str, admin: bool = False) -> Actor:
    return Actor("console", name.lower().replace(" ", "-"), name, "local", "study", admin)


@dataclass
class Recorder:
    """A platform that keeps what the daily scheduler and the live runner post."""

    posted: list[object] = field(default_factory=list)

    async def post_question(self, channel: ChannelRef, question: object) -> str:
        self.posted.append(question)
        return f"m{len(self.posted)}"

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str:
        self.posted.append(results)
        return f"m{len(self.posted)}"

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        self.posted.append(live_round)
        return f"m{len(self.posted)}"

    async def close_round(self, channel: ChannelRef, ref: str, reveal: object) -> None:
        pass

    async def post_standings(self, channel: ChannelRef, standings: object) -> str:
        self.posted.append(standings)
        return f"m{len(self.posted)}"

    def last(self, kind: type) -> object | None:
        found = [p for p in self.posted if isinstance(p, kind)]
        return found[-1] if found else None


async def until(condition: object, timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.01)


async def seed(app: QuizApp, clock: FakeClock, rng: random.Random) -> None:
    """Four weeks of study: each learner answers a few questions most days, getting better."""
    await app.handle_text(member("Ada", admin=True), "/quiz group create owls")
    for name in NAMES:
        await app.handle_text(member(name), "/quiz group join owls")
    for day in range(28):
        for n, name in enumerate(NAMES):
            if rng.random() < 0.3:
                continue  # a day off
            for _ in range(rng.randint(1, 5)):
                topic = rng.choice(app.pack.cards[: 2 + day // 5]).id  # a new card each week
                view = await app.quiz.ask_question(member(name), topic)
                question = app.pack.question(view.question_id)
                if question is None or question.typed:
                    continue
                skill = 0.45 + day / 80 + n / 40
                right = rng.random() < skill
                choice = question.correct_index
                if not right:
                    choice = (choice + 1 + rng.randrange(len(question.choices) - 1)) % len(
                        question.choices
                    )
                await app.dispatch(member(name), AnswerQuestion(view.post_id, choice))
                clock.advance(timedelta(minutes=7))
        clock.set(START + timedelta(days=day + 1))


async def daily_results(app: QuizApp, clock: FakeClock, rng: random.Random) -> DailyResults:
    poster = Recorder()
    scheduler = DailyScheduler(app.daily, "console", poster)
    now = clock.now()
    await app.daily.set_schedule(member("Ada", admin=True), "10:00", "UTC", "mon-sun")
    clock.set(now.replace(hour=10, minute=0) + timedelta(days=1))
    await scheduler.run_due()
    daily = poster.posted[0]
    question = app.pack.question(daily.view.question_id)
    for name in NAMES:
        right = rng.random() < 0.6
        choice = question.correct_index if right else rng.randrange(len(question.choices))
        await app.quiz.answer(member(name), daily.view.post_id, choice)
    clock.advance(timedelta(days=1))
    await scheduler.run_due()
    results = poster.last(DailyResults)
    assert isinstance(results, DailyResults)
    return results


async def podium(app: QuizApp, clock: FakeClock) -> LivePodium:
    poster = Recorder()
    runner = LiveRunner(app.live, "console", poster, name="examples")
    runner.start()
    try:
        await app.handle_text(member("Ada"), "/quiz live processes-vs-threads 3 20s")
        for number in (1, 2, 3):
            await until(
                lambda n=number: len([p for p in poster.posted if isinstance(p, LiveRound)]) == n
            )
            live_round = poster.last(LiveRound)
            question = app.pack.question(live_round.view.question_id)
            for n, name in enumerate(NAMES[:4]):
                clock.advance(timedelta(seconds=1 + n))
                right = (n + number) % 4 != 3
                choice = (
                    question.correct_index
                    if right
                    else (question.correct_index + 1) % len(question.choices)
                )
                await app.dispatch(member(name), AnswerQuestion(live_round.view.post_id, choice))
            clock.advance(timedelta(seconds=20))
        await until(lambda: poster.last(LivePodium) is not None)
    finally:
        await runner.stop()
    result = poster.last(LivePodium)
    assert isinstance(result, LivePodium)
    return result


def only(images: tuple[Image, ...], what: str) -> Image:
    if not images:
        raise SystemExit(f"no picture was drawn for {what}")
    return images[0]


async def examples() -> dict[str, Image]:
    rng = random.Random(7)
    clock = FakeClock(START)
    pictures = Pictures(timeout_s=120)
    found: dict[str, Image] = {}
    with tempfile.TemporaryDirectory() as folder:
        app = await QuizApp.open(Path(folder) / "demo.db", clock=clock, pictures=pictures)
        try:
            await seed(app, clock, rng)
            for card in app.pack.cards:
                view = await app.dispatch(member("Ada"), ShowCard(card.id))
                image = only(view.images, card.id)
                (OUT / "cards").mkdir(parents=True, exist_ok=True)
                (OUT / "cards" / image.name).write_bytes(image.png)
                if card.id == "processes-vs-threads":
                    found["card"] = image
            stats = await app.dispatch(member("Zoë"), ShowStats())
            found["progress"] = only(stats.images, "/quiz stats")
            summary = await app.dispatch(member("Ada"), ShowGroupSummary("owls"))
            found["group"] = only(summary.images, "/quiz group summary")
            found["daily"] = only((await daily_results(app, clock, rng)).images, "daily results")
            found["podium"] = only((await podium(app, clock)).images, "the podium")
            demo = await app.handle_text(member("Bo"), "/quiz demo race")
            found["demo"] = only(getattr(demo, "images", ()), "/quiz demo race")
        finally:
            await app.close()
            await pictures.close()
    return found


SECTIONS = (
    ("card", "Concept card: `/quiz card processes-vs-threads`"),
    ("progress", "Your progress: `/quiz stats`"),
    ("group", "Study group: `/quiz group summary owls`"),
    ("demo", "Demo results: `/quiz demo race`"),
    ("daily", "Daily results"),
    ("podium", "Quiz night podium"),
)


def write(found: dict[str, Image]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [BEGIN, ""]
    for kind, heading in SECTIONS:
        image = found[kind]
        (OUT / f"{kind}.png").write_bytes(image.png)
        lines += [f"### {heading}", "", f"![{kind}](pictures/{kind}.png)", "", f"> {image.alt}", ""]
    cards = sorted(p.name for p in (OUT / "cards").glob("*.png"))
    lines += ["### Every card's diagram", ""]
    lines += [f"- [{name.removesuffix('.png')}](pictures/cards/{name})" for name in cards]
    lines += ["", END]
    page = PAGE.read_text(encoding="utf-8")
    head, _, rest = page.partition(BEGIN)
    _, _, tail = rest.partition(END)
    PAGE.write_text(head + "\n".join(lines) + tail, encoding="utf-8")


def main() -> None:
    found = asyncio.run(examples())
    write(found)
    for kind in found:
        print(f"docs/pictures/{kind}.png")


if __name__ == "__main__":
    main()
