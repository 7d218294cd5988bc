"""The quiz: questions (ask, answer, review), concept cards, topics, and the posts behind them."""

from bot.features.quiz.results import (
    AnswerBox,
    AnswerResult,
    QuestionView,
    ReviewSession,
    TopicInfo,
)
from bot.features.quiz.service import QuizService
from bot.features.quiz.store import PostRow

__all__ = [
    "AnswerBox",
    "AnswerResult",
    "PostRow",
    "QuestionView",
    "QuizService",
    "ReviewSession",
    "TopicInfo",
]
