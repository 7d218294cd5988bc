"""The quiz feature as the app wires it: questions, cards, topics, reviews, typed answers,
flashcards."""

from __future__ import annotations

from bot.features.quiz import requests as quiz
from bot.features.quiz import store
from bot.kernel.dispatch import Result
from bot.kernel.features import AnswerStep, App, Feature, Handlers, StepPhase
from bot.kernel.identity import Actor
from bot.kernel.results import Notice


def handlers(app: App) -> Handlers:
    q = app.quiz

    async def answer(actor: Actor, r: quiz.AnswerQuestion) -> Result:
        post = await q.get_post(r.post_id)  # cached: the answer below reads it again for free
        if post is not None and post.kind.answered_by is not None:
            # a post whose feature answers it with its own request (a live round): a click
            # that still makes the quiz's (a button posted before that request existed, a
            # letter typed at it) goes through the dispatcher as that request, never up a call
            return await app.dispatcher.dispatch(actor, post.kind.answered_by(r.post_id, r.choice))
        return await q.answer(actor, r.post_id, r.choice)

    async def ask(actor: Actor, r: quiz.AskQuestion) -> Result:
        return await q.ask_question(actor, r.topic)

    async def card(actor: Actor, r: quiz.ShowCard) -> Result:
        return await q.card_view(r.topic, r.part)

    async def topics(actor: Actor, r: quiz.ListTopics) -> Result:
        return q.topics()

    async def review(actor: Actor, r: quiz.StartReview) -> Result:
        return await q.review_session(actor, r.topic)

    async def answer_box(actor: Actor, r: quiz.OpenAnswerBox) -> Result:
        return await q.answer_box(actor, r.post_id)

    async def answer_typed(actor: Actor, r: quiz.AnswerTyped) -> Result:
        return await q.answer_typed(actor, r.post_id, r.text)

    async def answer_choices(actor: Actor, r: quiz.AnswerChoices) -> Result:
        return await q.answer_choices(actor, r.post_id, r.choices)

    async def reveal(actor: Actor, r: quiz.RevealFlashcard) -> Result:
        return await q.reveal(actor, r.post_id)

    async def record_message(actor: Actor, r: quiz.RecordPostMessage) -> Result:
        await q.set_message_ref(r.post_id, r.message_ref)
        return Notice("Recorded.")

    return (
        (quiz.AskQuestion, ask),
        (quiz.AnswerQuestion, answer),
        (quiz.ShowCard, card),
        (quiz.ListTopics, topics),
        (quiz.StartReview, review),
        (quiz.AnswerTyped, answer_typed),
        (quiz.OpenAnswerBox, answer_box),
        (quiz.RevealFlashcard, reveal),
        (quiz.AnswerChoices, answer_choices),
        (quiz.RecordPostMessage, record_message),
    )


# in the click: a right answer to a question not yet due for review scores nothing
SCORE = AnswerStep(
    "quiz.score_by_due",
    store.score_by_due,
    after=("daily.refuse_closed_windows", "live.record_answers"),
)
# derived: the FSRS review of each answer, and the mastery it moves
REVIEW = AnswerStep("quiz.review_cards", store.review_cards, phase=StepPhase.DERIVED)

FEATURE = Feature("quiz", commands=quiz.COMMANDS, handlers=handlers, answer_steps=(SCORE, REVIEW))
