"""The daily question: per-channel schedules, posted exactly once, results with the Why."""

from bot.features.daily.calendar import EVERY_DAY
from bot.features.daily.results import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.daily.scheduler import DailyPoster, DailyPostFailed, DailyRun, DailyScheduler
from bot.features.daily.service import DailyService

__all__ = [
    "EVERY_DAY",
    "DailyPostFailed",
    "DailyPoster",
    "DailyQuestion",
    "DailyResults",
    "DailyRun",
    "DailyScheduler",
    "DailyService",
    "ScheduleInfo",
]
