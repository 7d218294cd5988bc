"""Pictures: the cards' ``picture:`` section (schema, file:line errors), the drawings (PNG,
size, readable on dark and light themes, changing with the data and only with it), their alt
text, and the worker pool (cache, time limit, text only when off)."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.content import ContentError, load_pack
from bot.pictures.service import Pictures, WorkerPriority
from bot.pictures.specs import (
    Bar,
    BarChart,
    CardDiagram,
    DayCount,
    PictureSpec,
    Place,
    PodiumChart,
    ProgressChart,
    TopicCount,
)
from tests.conftest import CONTENT


# matplotlib (~0.4 s of CPU to import) loads with the first test that draws: at module level it
# was paid by every xdist worker's collection, though one or two of them run these tests
def draw(spec: PictureSpec) -> bytes:
    from bot.pictures.draw import draw

    return draw(spec)


def drawable(*args: str) -> str:
    from bot.pictures.style import drawable

    return drawable(*args)


CARD = """\
card:
  id: alpha
  title: Alpha
  track: basics
  summary: The first card.
  sections:
    - heading: Points
      points: [one, two]
  recap: [one]
{picture}
questions: []
"""

GOOD_PICTURE = """\
  picture:
    caption: One box holds two.
    boxes:
      - id: outer
        label: Process
        style: process
        inside:
          - {id: left, label: thread 1, style: thread}
          - {id: right, label: thread 2, style: thread}
      - {id: memory, label: memory, style: memory}
    arrows:
      - {from: left, to: memory, label: reads}
"""


def problems(tmp_path: Path, picture: str) -> list[str]:
    (tmp_path / "alpha.yaml").write_text(CARD.format(picture=picture), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_pack(tmp_path)
    return [str(p) for p in info.value.problems]


def pixels(png: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and RGBA pixels of a PNG (Pillow ships with matplotlib)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
        return rgba.width, rgba.height, list(rgba.getdata())


def difference(a: bytes, b: bytes) -> float:
    """The share of pixels that differ (0 for the same picture; sizes may differ)."""
    wa, ha, pa = pixels(a)
    wb, hb, pb = pixels(b)
    if (wa, ha) != (wb, hb):
        return 1.0
    return sum(x != y for x, y in zip(pa, pb, strict=True)) / len(pa)


def luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def choice_chart(counts: tuple[int, ...], names: tuple[str, ...] = ("A", "B", "C")) -> BarChart:
    total = sum(counts)
    return BarChart(
        "Which choice people picked",
        tuple(
            Bar(f"{n}) choice {n}", c, f"{c} ({c / total:.0%})", marked=i == 1)
            for i, (n, c) in enumerate(zip(names, counts, strict=True))
        ),
        "choices.png",
        marked_means="right answer",
    )


def progress_chart(answered_today: int) -> ProgressChart:
    start = date(2026, 11, 9)
    days = tuple(
        DayCount(start + timedelta(days=i), n, n // 2)
        for i, n in enumerate([0, 3, 5, 0, 2] * 5 + [1, 2, answered_today])
    )
    return ProgressChart("Ada", days, (TopicCount("Processes vs Threads", 3, 5, 4),))


def examples() -> list:
    pack = load_pack(CONTENT)
    card = next(c for c in pack.cards if c.picture is not None)
    return [
        CardDiagram(card.id, card.title, card.picture),
        choice_chart((3, 12, 5)),
        PodiumChart("Quiz night", (Place(1, "Ada", 2700, 3, 4), Place(2, "Bo", 1900, 2, 4))),
        progress_chart(4),
    ]


# --- the picture: section --------------------------------------------------------------------


def test_every_shipped_card_has_a_picture_that_teaches_its_key_idea():
    pack = load_pack(CONTENT)
    assert pack.cards
    for card in pack.cards:
        assert card.picture is not None, f"{card.id} has no picture:"
        assert card.picture.caption, f"{card.id}: the caption says what the picture teaches"
    pvt = pack.card("processes-vs-threads")
    alt = CardDiagram(pvt.id, pvt.title, pvt.picture).alt
    # processes as separate boxes with their own memory, threads inside one sharing it
    assert "Process A (holding memory A, thread 1, thread 2, thread 3)" in alt
    assert "memory A cannot reach memory B" in alt


def test_a_sound_picture_loads(tmp_path):
    (tmp_path / "alpha.yaml").write_text(CARD.format(picture=GOOD_PICTURE), encoding="utf-8")
    card = load_pack(tmp_path).card("alpha")
    assert card.picture.boxes[0].inside[1].label == "thread 2"
    assert (card.picture.arrows[0].start, card.picture.arrows[0].end) == ("left", "memory")


@pytest.mark.parametrize(
    ("picture", "expected"),
    [
        (
            GOOD_PICTURE.replace("to: memory", "to: memroy"),
            "alpha.yaml:21: arrow to unknown box 'memroy'",
        ),
        (
            GOOD_PICTURE.replace("style: thread}", "style: threads}", 1),
            "alpha.yaml:17: unknown box style 'threads' (known: plain, process, thread,",
        ),
        (
            GOOD_PICTURE.replace("id: right", "id: left"),
            "alpha.yaml:18: duplicate box id 'left' in this picture",
        ),
        (
            GOOD_PICTURE.replace("label: reads}", "lable: reads}"),
            "alpha.yaml:21: unknown key 'lable' (did you mean 'label'?)",
        ),
        (
            GOOD_PICTURE.replace("{from: left, ", "{"),
            "alpha.yaml:21: card.picture.arrows.0: missing required key 'from'",
        ),
        (
            GOOD_PICTURE.replace("label: memory, ", ""),
            "alpha.yaml:19: box 'memory': label is empty",
        ),
        (
            GOOD_PICTURE.replace("    boxes:", "    layout: grid\n    boxes:"),
            "unknown layout 'grid'",
        ),
    ],
)
def test_a_wrong_picture_is_reported_with_its_file_and_line(tmp_path, picture, expected):
    found = problems(tmp_path, picture)
    assert any(expected in line for line in found), found
    assert all(":" in line.split("alpha.yaml")[1] for line in found)


def test_a_picture_too_deep_is_refused(tmp_path):
    deep = """\
  picture:
    boxes:
      - id: a
        label: a
        inside:
          - id: b
            label: b
            inside:
              - id: c
                label: c
                inside:
                  - {id: d, label: d}
"""
    assert any("box 'd' is nested 4 deep; at most 3" in p for p in problems(tmp_path, deep))


# --- the drawings ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(4), ids=["diagram", "bars", "podium", "progress"])
def test_each_kind_is_a_png_of_a_sensible_size_readable_on_dark_and_light(index):
    png = draw(examples()[index])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, data = pixels(png)
    assert 400 <= width <= 1600 and 150 <= height <= 1200, (width, height)
    assert len(png) < 300_000
    # opaque: a dark or a light chat theme cannot bleed into it
    assert all(p[3] == 255 for p in data)
    # the frame parts it from either theme's page, and the ink reads on the panel
    colours = Counter(data)  # one pass: data.count per colour was ~90 s of CPU per picture
    panel = colours.most_common(1)[0][0]
    frame = data[width * (height // 2)]  # the left edge, half way down
    discord_dark, slack_dark, light = (49, 51, 56), (26, 29, 33), (255, 255, 255)
    assert contrast(panel, discord_dark) > 10 and contrast(panel, slack_dark) > 10
    assert contrast(frame, light) > 2.5, frame
    darkest = min(colours, key=luminance)  # each colour once, not each pixel
    assert contrast(darkest, panel) > 12


def test_a_picture_changes_with_its_data_and_only_with_it():
    assert draw(choice_chart((3, 12, 5))) == draw(choice_chart((3, 12, 5)))
    assert difference(draw(choice_chart((3, 12, 5))), draw(choice_chart((3, 12, 6)))) > 0.001
    assert draw(progress_chart(4)) == draw(progress_chart(4))
    assert difference(draw(progress_chart(4)), draw(progress_chart(9))) > 0.001


def test_alt_text_carries_the_numbers():
    diagram, bars, podium, progress = examples()
    assert "3 (15%)" in bars.alt and "B) choice B: 12 (60%) (right answer)" in bars.alt
    assert "1st Ada with 2700 points (3 of 4 right)" in podium.alt
    assert "2nd Bo with 1900 points (2 of 4 right)" in podium.alt
    total = sum(d.answered for d in progress.days)
    assert f"{total} answers on " in progress.alt
    assert "Processes vs Threads: 4 mastered, 5 learning, 3 new" in progress.alt
    assert diagram.alt.startswith("Diagram of ")


def test_names_the_font_lacks_become_clean_text_never_tofu():
    assert drawable("Zoë Łukasz Ωμέγα Жанна") == "Zoë Łukasz Ωμέγα Жанна"
    assert drawable("Ann 🏆") == "Ann"  # an emoji the font lacks is dropped
    assert drawable("山田 Taro") == "… Taro"  # letters it lacks: one ellipsis per run
    assert drawable("山田太郎", "player 2") == "player 2"  # nothing readable left
    names = ("山田太郎", "Zoë 🏆", "$x$ 100%")
    chart = choice_chart((1, 2, 3), names)
    png = draw(chart)  # draws (the "$" is a dollar sign, not TeX) and keeps the names in alt
    assert png[:4] == b"\x89PNG" and "山田太郎" in chart.alt


# --- the worker pool ---------------------------------------------------------------------------


@pytest.fixture
async def pictures():
    service = Pictures(workers=1, timeout_s=60, priority=WorkerPriority.NORMAL)
    yield service
    await service.close()


async def test_the_pool_draws_once_and_serves_the_same_data_from_its_cache(pictures):
    spec = choice_chart((3, 12, 5))
    first = await pictures.image(spec)
    again = await pictures.image(choice_chart((3, 12, 5)))
    other = await pictures.image(choice_chart((4, 12, 5)))
    assert first.png[:4] == b"\x89PNG" and first.name == "choices.png" and first.alt == spec.alt
    assert again.png == first.png and other.png != first.png
    assert (pictures.stats.drawn, pictures.stats.cached) == (2, 1)


async def test_a_slow_picture_leaves_the_reply_to_its_text_and_lands_in_the_cache():
    from tests.waiting import eventually

    slow = Pictures(
        workers=1, timeout_s=0.001, priority=WorkerPriority.NORMAL
    )  # the worker's start alone takes longer
    try:
        spec = progress_chart(7)
        assert await slow.image(spec) is None
        assert slow.stats.timed_out == 1
        await eventually(lambda: slow.cached(spec) is not None, "the drawing", timeout=60)
        assert (await slow.image(spec)).png[:4] == b"\x89PNG"
    finally:
        await slow.close()


async def test_pictures_off_means_text_only():
    off = Pictures(enabled=False)
    assert await off.image(choice_chart((1, 2, 3))) is None


async def test_the_drawing_worker_only_takes_cpu_nothing_else_wants():
    """SCHED_IDLE (Linux), the bot's default: the answer path and the event loop never wait
    behind a drawing. Read from /proc: on a busy machine an idle worker may not get a core to
    answer a job (or finish warming up) for minutes, and it sets its policy before warming."""
    import os
    from pathlib import Path

    from tests.waiting import eventually

    if not hasattr(os, "SCHED_IDLE"):
        pytest.skip("no SCHED_IDLE on this OS (the worker lowers its nice level instead)")
    idle = Pictures(workers=1)
    assert idle.priority is WorkerPriority.IDLE
    try:
        idle.start()
        (pid,) = idle._executor()._processes  # the pool starts its worker for the first job

        def policy() -> int:  # /proc/PID/stat field 41, after the ")" that ends the name
            return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[38])

        await eventually(lambda: policy() == os.SCHED_IDLE, "the worker's SCHED_IDLE", timeout=60)
    finally:
        await idle.close()


async def test_closing_never_waits_for_a_busy_worker(tmp_path, caplog):
    """A worker still warming up (at the lowest CPU priority a busy host can leave it there
    for tens of seconds) or drawing: the bot's stop has a bound, so the close ends it."""
    import asyncio
    import gc
    import os
    import time

    from tests.pictures.busy_job import take_the_worker
    from tests.waiting import eventually

    busy = Pictures(workers=1, timeout_s=60, priority=WorkerPriority.NORMAL)
    pid = await asyncio.wrap_future(busy._executor().submit(os.getpid))
    taken = tmp_path / "taken"
    busy._executor().submit(take_the_worker, str(taken), 600)  # long after the stop's bound
    await eventually(taken.exists, "the worker to take the job", timeout=60)
    asked = asyncio.create_task(busy.image(progress_chart(3)))  # queued behind the job
    await eventually(lambda: busy.drawing == 1, "the picture to be queued")
    busy.timeout_s = 0.01  # a second asker gives up at once; its drawing fails at the close
    assert await busy.image(progress_chart(5)) is None and busy.stats.timed_out == 1
    started = time.monotonic()
    async with asyncio.timeout(60):
        await busy.close()
    assert time.monotonic() - started < 10
    assert await asyncio.wait_for(asked, 30) is None  # its asker gets the text version
    assert await busy.image(progress_chart(4)) is None  # closed: no new pool is started
    assert busy._pool is None
    gc.collect()  # a failed future nobody retrieved is reported when it is collected
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    await eventually(lambda: not os.path.exists(f"/proc/{pid}"), "the worker to end", timeout=30)
