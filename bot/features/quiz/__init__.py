"""The quiz: questions (ask, answer, review), concept cards, topics, and the posts behind them."""

from bot.features.quiz.results import (
    LETTERS,
    AnswerBox,
    AnswerResult,
    CardPart,
    CardView,
    FlashcardBack,
    QuestionView,
    ReviewSession,
    ShownChoice,
    TopicInfo,
)
from bot.features.quiz.service import QuizService
from bot.features.quiz.store import PostRow

__all__ = [
    "LETTERS",
    "AnswerResult",
    "CardPart",
    "CardView",
    "FlashcardBack",
    "AnswerBox",
    "PostRow",
    "QuestionView",
    "QuizService",
    "ReviewSession",
    "ShownChoice",
    "TopicInfo",
]
