"""The host's background work (daily scheduler, live runner) never outlives the stop."""

from __future__ import annotations

from adapters.platform import Background
from adapters.shutdown import GracefulStop
from bot.app import QuizApp
from tests.conftest import CONTENT


class QuietPlatform:
    """Only what Background reads of a platform: it posts nothing in these tests."""

    name = "console"

    def __init__(self) -> None:
        self.stop_signal = GracefulStop()

    def owns(self, workspace_id: str) -> bool:
        return True


async def test_a_late_ready_after_the_wind_down_starts_nothing(tmp_path, clock):
    app = await QuizApp.open(tmp_path / "q.db", CONTENT, clock=clock)
    platform = QuietPlatform()
    background = Background(app, platform)
    try:
        background.ready()
        assert "console" in app.daily.schedulers
        await background.wind_down()
        assert "console" not in app.daily.schedulers
        background.ready()  # READY handled late, after the stop (it raced the close on a busy host)
        assert background.scheduler is None and background.live is None
        assert "console" not in app.daily.schedulers
    finally:
        await background.wind_down()
        await app.close()


async def test_ready_while_stopping_starts_nothing(tmp_path, clock):
    app = await QuizApp.open(tmp_path / "q.db", CONTENT, clock=clock)
    platform = QuietPlatform()
    background = Background(app, platform)
    try:
        platform.stop_signal.request()
        background.ready()
        assert background.scheduler is None and "console" not in app.daily.schedulers
    finally:
        await background.wind_down()
        await app.close()
