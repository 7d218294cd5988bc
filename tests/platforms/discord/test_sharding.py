"""Discord sharding: which process posts a server's daily question (a pure function of the
guild id and the shard count), two processes with disjoint shards on one database posting
every channel exactly once, and the command line's shard options."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from adapters.discord_settings import ShardSet, shard_of
from bot.app import QuizApp
from bot.cli import main
from bot.features.daily import DailyScheduler
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor
from tests.conftest import CONTENT, ROOT
from tests.features.daily.test_daily_question import RecordingPoster

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


def test_a_guild_lands_on_the_shard_discord_sends_it_to():
    # Discord's formula: (guild_id >> 22) % shard_count
    guild = 175928847299117063  # Discord's docs' snowflake: timestamp part 41944705796
    assert shard_of(guild, 1) == 0
    assert shard_of(guild, 4) == 41944705796 % 4 == 0
    assert shard_of(guild, 7) == 41944705796 % 7 == 0
    assert shard_of(guild + (3 << 22), 7) == 3  # the next milliseconds land elsewhere


def test_disjoint_shard_sets_covering_every_shard_own_each_guild_once():
    rng = random.Random(3)
    guilds = [str(rng.getrandbits(63)) for _ in range(2000)] + ["dm-42"]
    for count in (1, 2, 3, 8):
        shards = list(range(count))
        rng.shuffle(shards)
        cut = rng.randrange(1, count + 1)
        parts = [ShardSet(count, frozenset(p)) for p in (shards[:cut], shards[cut:]) if p]
        for guild in guilds:
            assert sum(part.owns(guild) for part in parts) == 1, (count, guild)


def test_bad_shard_sets_say_why():
    with pytest.raises(ValueError, match="between 0 and 1"):
        ShardSet(2, frozenset({2}))
    with pytest.raises(ValueError, match="comma-separated"):
        ShardSet.parse(2, "0;1")


async def test_two_processes_with_disjoint_shards_post_every_channel_once(db_target):
    clock = FakeClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    one = await QuizApp.open(db_target, CONTENT, clock=clock)
    two = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        guilds = [str((1_000_000 + g) << 22) for g in range(12)]  # shards 0..3 in turn
        for guild in guilds:
            admin = Actor("discord", "admin", "Admin", guild, f"ch{guild}", is_admin=True)
            await one.daily.set_schedule(admin, "09:00", "Europe/Berlin")
        posters = [RecordingPoster(clock), RecordingPoster(clock)]
        schedulers = [
            DailyScheduler(app.daily, "discord", poster, owns=ShardSet(4, ids).owns)
            for app, poster, ids in zip(
                (one, two), posters, (frozenset({0, 2}), frozenset({1, 3})), strict=True
            )
        ]
        clock.set(datetime(2026, 3, 2, 8, 1, tzinfo=UTC))
        await asyncio.gather(*(s.run_due() for s in schedulers))
        await asyncio.gather(*(s.run_due() for s in schedulers))
        posted = [sorted(ch.workspace_id for ch, _, _ in p.questions) for p in posters]
        assert sorted(posted[0] + posted[1]) == sorted(guilds)  # every channel, once
        assert posted[0] == sorted(g for g in guilds if shard_of(int(g), 4) in (0, 2))
        assert posted[1] == sorted(g for g in guilds if shard_of(int(g), 4) in (1, 3))
    finally:
        await one.close()
        await two.close()


@pytest.mark.parametrize(
    "options, says, how",
    [
        (["--shard-ids", "0,1"], "--shard-ids needs --shards N", "python -m bot"),
        (["--shards", "2", "--shard-ids", "2"], "shard ids must be between 0 and 1", "main()"),
        (["--shards", "0"], "--shards must be at least 1", "main()"),
    ],
)
def test_bad_shard_options_are_one_line(options, says, how, tmp_path, monkeypatch, capfd):
    # one case runs the command as a user does (its exit status and stderr: the wiring); the
    # others call bot.cli.main, the same code, in this process
    args = ["discord", "--db", str(tmp_path / "q.db"), *options]
    if how == "python -m bot":
        run = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "DISCORD_TOKEN": ""},
            timeout=60,
        )
        status, stderr = run.returncode, run.stderr
    else:
        monkeypatch.setenv("DISCORD_TOKEN", "")
        status, stderr = main(args), capfd.readouterr().err
    assert status == 2
    assert len(stderr.strip().splitlines()) == 1 and says in stderr, stderr
    assert not (tmp_path / "q.db").exists()  # checked before the database opens


async def test_a_sharded_bot_identifies_with_its_shard_and_posts_only_its_guilds(tmp_path):
    from adapters.discord_bot import ShardedQuizBot
    from tests.fakes.discord_server import FakeDiscord

    app = await QuizApp.open(tmp_path / "q.db", CONTENT)
    try:
        async with FakeDiscord() as fake:
            bot = ShardedQuizBot(
                app,
                shard_set=ShardSet(2, frozenset({1})),
                shard_count=2,
                shard_ids=[1],
                guild_ready_timeout=0,
                chunk_guilds_at_startup=False,
            )
            async with fake.run(bot):
                identify = next(f for f in fake.gateway_received if f["op"] == 2)
                assert identify["d"]["shard"] == [1, 2]
                scheduler = bot.daily_scheduler
                assert scheduler.owns is not None
                assert scheduler.owns(str(1 << 22)) and not scheduler.owns(str(2 << 22))
    finally:
        await app.close()
