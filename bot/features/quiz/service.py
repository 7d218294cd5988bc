"""The quiz: ask a question, answer it, show a card, list topics, review due questions."""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.answer_matching import matches
from bot.content import Card, Pack, PackHolder, Question
from bot.features.answers import NO_CHOICE, AnswerWrite, AnswerWriter, PostKind
from bot.features.quiz import store
from bot.features.quiz.results import (
    GRADE_ORDER,
    GRADES,
    KNEW,
    AnswerBox,
    AnswerResult,
    CardPart,
    CardView,
    FlashcardBack,
    QuestionView,
    ReviewSession,
    TopicInfo,
    choice_order,
)
from bot.features.quiz.store import NewPost, PostRow
from bot.features.quiz.table_picture import table_picture
from bot.kernel.clock import UTC_ZONE, Clock, local_day, week_start
from bot.kernel.db import Database
from bot.kernel.errors import UserError
from bot.kernel.identity import Actor, channel_scope, topic_scope, workspace_scope
from bot.kernel.text import strip_controls
from bot.scoring import current_streak, points_for
from bot.srs import SrsCard

REVIEW_SESSION_SIZE = 5
TYPED_ANSWER_LIMIT = 200  # characters; Discord's and Slack's answer boxes allow as many
RETIRED_TEXT = "This question was retired from the course; ask for a new one with /quiz"

# How a post's closed answer window is explained ("This daily question closed at …"); the
# daily question, which owns answer windows, provides it.
ClosedWindowText = Callable[[PostRow], Awaitable[str]]
# The zone a workspace counts its days and weeks in (the boards feature keeps the settings).
ZoneOf = Callable[[str], ZoneInfo]


class QuizService:
    def __init__(
        self,
        content: PackHolder,
        db: Database,
        answers: AnswerWriter,
        clock: Clock,
        rng: random.Random | None = None,
        *,
        zone_of: ZoneOf | None = None,
        closed_window_text: ClosedWindowText | None = None,
    ) -> None:
        self.content = content
        self.db = db
        self.answers = answers
        self.clock = clock
        self._rng = rng or random.Random()
        # posts never change once made (but a daily window closing early: forget_posts), so a
        # small cache saves a read per click
        self._posts: OrderedDict[int, asyncio.Future[PostRow | None]] = OrderedDict()
        self.zone_of: ZoneOf = zone_of or (lambda _workspace_key: UTC_ZONE)
        self.closed_window_text: ClosedWindowText = closed_window_text or _closed_at_utc

    # -- content ----------------------------------------------------------------------------

    @property
    def pack(self) -> Pack:
        """The content served now. A reload swaps the holder's pack in one assignment; a
        request that needs the pack twice takes it once, so it sees one pack throughout."""
        return self.content.pack

    def topics(self) -> list[TopicInfo]:
        return [
            TopicInfo(c.id, c.title, c.track, len(self.pack.questions_for(c.id)), c.demos)
            for c in self.pack.cards
        ]

    def resolve_topic(self, topic: str) -> str:
        """The card id or track a user means: by id, title, a unique prefix or words (the
        pack's ``topic_index``); UserError says which it could be, or the close ones."""
        return self.pack.topic_index.resolve(topic)

    async def card_view(self, topic: str, part: CardPart = CardPart.SHORT) -> CardView:
        """The card, or one part of it; a part that shows the table carries it as a picture
        too (drawn once per card in a worker thread, then cached)."""
        card = self.card(topic)
        view = CardView(card, part)
        if not view.shows_table or card.table is None:
            return view
        picture = await asyncio.to_thread(table_picture, card)
        return CardView(card, part, images=(picture,) if picture is not None else ())

    def card(self, topic: str) -> Card:
        topic = self.resolve_topic(topic)
        card = self.pack.card(topic)
        if card is not None:
            return card
        cards = [c for c in self.pack.cards if c.track == topic]
        if len(cards) == 1:
            return cards[0]
        raise UserError(
            f"{topic!r} is a track with {len(cards)} cards; pick one: "
            + ", ".join(c.id for c in cards)
        )

    # -- questions --------------------------------------------------------------------------

    async def pick_question(self, actor: Actor, topic: str | None) -> tuple[Question, str]:
        """The question ``actor`` most needs, and why: among questions due for review
        (FSRS), the one with the lowest retrievability ("due for review"); when nothing is
        due, the first never-answered question in lesson order ("new"); when everything has
        been answered and nothing is due, the one closest to being forgotten ("practice
        ahead")."""
        pool = self.pack.questions_for(self.resolve_topic(topic) if topic else None)
        if not pool:
            raise UserError(f"No questions for {topic!r} yet.")
        now = self.clock.now()
        cards = await self.srs_cards(actor.user_key)
        due = self._most_due(pool, cards, now)
        if due:
            return due[0], "due for review"
        for question in pool:  # the pack keeps questions in lesson order
            if question.id not in cards:
                return question, "new"
        ahead = min(pool, key=lambda q: _urgency(cards[q.id], now))
        return ahead, "practice ahead"

    async def srs_cards(self, user_key: str) -> dict[str, SrsCard]:
        """question id -> the user's FSRS card, with every answer they gave reviewed (the
        review trails the click by one step of the answer writer: this waits for it)."""
        await self.answers.settled(user_key)
        return {c.question_id: c for c in await self.db.read(store.srs_cards, user_key)}

    @staticmethod
    def _most_due(
        pool: tuple[Question, ...], cards: dict[str, SrsCard], now: datetime
    ) -> list[Question]:
        """Questions of ``pool`` due at ``now``, most due first."""
        due = [q for q in pool if q.id in cards and cards[q.id].due <= now]
        return sorted(due, key=lambda q: _urgency(cards[q.id], now))

    async def review_session(
        self, actor: Actor, topic: str | None = None, size: int = REVIEW_SESSION_SIZE
    ) -> ReviewSession:
        """Up to ``size`` of the actor's due questions, most due first, each posted as a
        private ``review`` post only the actor can answer."""
        pool = self.pack.questions_for(self.resolve_topic(topic) if topic else None)
        now = self.clock.now()
        cards = await self.srs_cards(actor.user_key)
        due = self._most_due(pool, cards, now)
        zone = self.zone_of(actor.workspace_key)
        if not due:
            later = [cards[q.id].due for q in pool if q.id in cards]
            return ReviewSession((), 0, min(later).astimezone(zone) if later else None)
        chosen = due[:size]
        post_ids = await self.db.write(
            store.create_posts,
            [
                NewPost(
                    q.id,
                    q.topic_id,
                    actor.workspace_key,
                    actor.channel_key,
                    now.isoformat(),
                    PostKind.REVIEW,
                    actor.user_key,
                )
                for q in chosen
            ],
        )
        views = tuple(
            self.view(post_id, q, "due for review")
            for post_id, q in zip(post_ids, chosen, strict=True)
        )
        return ReviewSession(views, len(due))

    async def ask_question(
        self, actor: Actor, topic: str | None = None, kind: PostKind = PostKind.ASK
    ) -> QuestionView:
        question, reason = await self.pick_question(actor, topic)
        return await self.post_question(actor, question, kind=kind, reason=reason)

    async def post_question(
        self, actor: Actor, question: Question, kind: PostKind = PostKind.ASK, reason: str = ""
    ) -> QuestionView:
        new = NewPost(
            question.id,
            question.topic_id,
            actor.workspace_key,
            actor.channel_key,
            self.clock.now().isoformat(),
            kind,
            actor.user_key,
        )
        (post_id,) = await self.db.write(store.create_posts, [new])
        # the burst of clicks a new question draws finds it here: none waits for a first read
        # (at 1,000 clicks in flight that one read took ~4 s, its reply a loop turn away)
        self._remember(store.new_post_row(post_id, new))
        return self.view(post_id, question, reason)

    def view(self, post_id: int, question: Question, reason: str = "") -> QuestionView:
        card = self.pack.card(question.topic_id)
        return QuestionView(
            post_id=post_id,
            question_id=question.id,
            topic_id=question.topic_id,
            card_title=card.title if card else question.topic_id,
            prompt=question.prompt,
            choices=question.choices,
            reason=reason,
            order=choice_order(post_id, question.id, len(question.choices), question.keep_order),
            typed=question.typed,
            flashcard=question.flashcard,
            multi=question.multi,
        )

    async def reveal(self, actor: Actor, post_id: int) -> FlashcardBack:
        """A flashcard's back for ``actor``, with the two grades to answer it by."""
        post, question = await self.answerable(actor, post_id)
        if not question.flashcard:
            raise UserError("That question is not a flashcard: answer it with its buttons.")
        card = self.pack.card(question.topic_id)
        view = QuestionView(
            post_id=post.id,
            question_id=question.id,
            topic_id=question.topic_id,
            card_title=card.title if card else question.topic_id,
            prompt=question.prompt,
            choices=GRADES,
            reason="flashcard",
            order=GRADE_ORDER,
        )
        return FlashcardBack(view, question.back)

    async def get_post(self, post_id: int) -> PostRow | None:
        """A post by id. Posts never change once made, so they are cached; concurrent misses
        share one read (a burst of clicks on a fresh message is one query, not thousands)."""
        cached = self._posts.get(post_id)
        if cached is not None and cached.done() and not cached.cancelled():
            # the common case, every click after a post's first: no shield, no new future
            if cached.exception() is None and (post := cached.result()) is not None:
                return post
        if cached is None:
            cached = asyncio.ensure_future(self.db.read(store.get_post, post_id))
            self._keep(post_id, cached)
        try:
            # shield: one caller giving up (cancelled) must not cancel the shared read
            post = await asyncio.shield(cached)
        except BaseException:
            if cached.done() and (cached.cancelled() or cached.exception() is not None):
                self._posts.pop(post_id, None)
            raise
        if post is None:  # not cached: the post may be created later by another process
            self._posts.pop(post_id, None)
        return post

    def _remember(self, post: PostRow) -> None:
        """Cache ``post`` as stored (one this process just wrote)."""
        known = asyncio.get_running_loop().create_future()
        known.set_result(post)
        self._keep(post.id, known)

    def _keep(self, post_id: int, cached: asyncio.Future[PostRow | None]) -> None:
        self._posts[post_id] = cached
        if len(self._posts) > 4096:
            self._posts.popitem(last=False)

    def forget_posts(self, channel_key: str) -> None:
        """Drop the cached posts of a channel whose rows just changed (a daily question closed
        early because the next one was posted), so the next click reads the new window."""
        for post_id, cached in list(self._posts.items()):
            if cached.done() and not cached.cancelled() and cached.exception() is None:
                post = cached.result()
                if post is not None and post.channel_key == channel_key:
                    self._posts.pop(post_id, None)

    async def answerable(self, actor: Actor, post_id: int) -> tuple[PostRow, Question]:
        """The post ``actor`` may answer and its question, as the content has it now (taken
        once: a reload meanwhile does not change the question under this answer)."""
        post = await self.get_post(post_id)
        if post is None or post.workspace_key != actor.workspace_key:
            raise UserError("That question is not available any more; ask for a new one.")
        if post.kind.quiz_refusal is not None:  # its own feature takes its answers
            raise UserError(post.kind.quiz_refusal)
        if post.kind == PostKind.REVIEW and post.asked_by != actor.user_key:
            raise UserError("That is someone else's review question; try /quiz review.")
        question = self.pack.question(post.question_id)
        if question is None:
            raise UserError(RETIRED_TEXT)
        return post, question

    async def answer_box(self, actor: Actor, post_id: int) -> AnswerBox:
        """The text box for a typed answer to ``post_id``, once the actor may answer it (an
        old button of a retired question says so instead of opening a box)."""
        post, question = await self.answerable(actor, post_id)
        if not question.typed:
            raise UserError("That question has choices: click one of its buttons.")
        card = self.pack.card(question.topic_id)
        title = card.title if card else question.topic_id
        return AnswerBox(post.id, question.prompt, title, TYPED_ANSWER_LIMIT)

    async def answer(self, actor: Actor, post_id: int, choice: int) -> AnswerResult:
        """Record ``actor``'s answer to a posted question. Only the first answer counts; a
        second one returns the first result with ``already_answered`` set."""
        post, question = await self.answerable(actor, post_id)
        if question.typed:
            raise UserError("That question takes a typed answer: type it instead of a choice.")
        if question.flashcard:
            if choice not in (0, KNEW):
                raise UserError("A flashcard is graded with “Knew it” or “Didn't know it”.")
        elif not 0 <= choice < len(question.choices):
            raise UserError(f"Pick a choice from 1 to {len(question.choices)}.")
        elif question.multi:  # one choice picked where all that apply are asked for
            return await self._record(actor, post, question, 1 << choice, None)
        return await self._record(actor, post, question, choice, None)

    async def answer_choices(
        self, actor: Actor, post_id: int, choices: frozenset[int]
    ) -> AnswerResult:
        """Choose all that apply: record the chosen set (stored as bits: choice i is bit i);
        right only when it is exactly the right set."""
        post, question = await self.answerable(actor, post_id)
        if not question.multi:
            raise UserError("That question has one right choice: pick it with its button.")
        if not choices or not all(0 <= c < len(question.choices) for c in choices):
            raise UserError(f"Pick one or more choices from 1 to {len(question.choices)}.")
        return await self._record(actor, post, question, sum(1 << c for c in choices), None)

    async def answer_typed(self, actor: Actor, post_id: int, text: str) -> AnswerResult:
        """Record ``actor``'s typed answer to a typed-answer question; right when it matches
        one of the question's accepted answers (``bot.answer_matching``). Only the first
        answer counts, as for choices."""
        # stored as typed, so no control or invisible characters (a NUL would also fail the
        # whole batch on PostgreSQL, whose text type cannot hold one)
        typed = " ".join(strip_controls(text).split())
        if not typed:
            raise UserError("Type an answer: the box was empty.")
        if len(typed) > TYPED_ANSWER_LIMIT:
            raise UserError(
                f"That answer is too long ({len(typed):,} characters; at most"
                f" {TYPED_ANSWER_LIMIT})."
            )
        post, question = await self.answerable(actor, post_id)
        if not question.typed:
            raise UserError(
                f"That question has choices: pick one from 1 to {len(question.choices)}."
            )
        return await self._record(actor, post, question, NO_CHOICE, typed)

    def answer_write(
        self,
        actor: Actor,
        post: PostRow,
        question: Question,
        choice: int,
        correct: bool,
        now: datetime,
        typed: str | None = None,
    ) -> AnswerWrite:
        """The answer as the batch stores it: its day and week in the workspace's zone, and
        the boards it counts on (workspace, channel, the workspace's topic board)."""
        today = local_day(now, self.zone_of(post.workspace_key))
        return AnswerWrite(
            post_id=post.id,
            user_key=actor.user_key,
            display_name=actor.display_name,
            question_id=question.id,
            topic_id=question.topic_id,
            choice=choice,
            correct=correct,
            points=points_for(correct),
            answered_at=now.isoformat(),
            day=today.isoformat(),
            week=week_start(today).isoformat(),
            scopes=(
                workspace_scope(post.workspace_key),
                channel_scope(post.channel_key),
                topic_scope(post.workspace_key, question.topic_id),
            ),
            kind=post.kind,
            typed=typed,
        )

    async def _record(
        self,
        actor: Actor,
        post: PostRow,
        question: Question,
        choice: int,
        typed: str | None,
    ) -> AnswerResult:
        now = self.clock.now()
        if post.closes_at is not None and now >= datetime.fromisoformat(post.closes_at):
            raise UserError(await self.closed_window_text(post))
        zone_of_post = self.zone_of(post.workspace_key)
        if typed is not None:
            correct = matches(typed, question.accept)
        elif question.flashcard:
            correct = choice == KNEW  # self-graded, as Anki's Good (knew it) or Again
        elif question.multi:
            correct = _bits(choice) == question.right_indexes
        else:
            correct = choice == question.correct_index
        outcome = await self.answers.submit(
            self.answer_write(actor, post, question, choice, correct, now, typed=typed)
        )
        if outcome.closed:  # closed meanwhile (the check above saw a cached close time)
            self._posts.pop(post.id, None)
            fresh = await self.get_post(post.id)
            raise UserError(await self.closed_window_text(fresh or post))
        # the stored first answer decides how it reads: a question edited from choices to
        # typed (or back) under the same id still shows the answer that was given
        typed = outcome.typed
        if typed is None and question.typed:
            typed = ""
        if question.flashcard:
            correct_index = KNEW
        elif question.multi:
            correct_index = NO_CHOICE
        else:
            correct_index = NO_CHOICE if question.typed else question.correct_index
        if typed is not None:
            chosen_text = typed
        elif question.flashcard:
            chosen_text = GRADES[outcome.choice] if outcome.choice in (0, KNEW) else ""
        elif question.multi:
            chosen_text = "; ".join(question.choices[i] for i in sorted(_bits(outcome.choice)))
        elif 0 <= outcome.choice < len(question.choices):
            chosen_text = question.choices[outcome.choice]
        else:
            chosen_text = ""
        return AnswerResult(
            post_id=post.id,
            question_id=question.id,
            prompt=question.prompt,
            correct=outcome.correct,
            chosen_index=outcome.choice,
            chosen_text=chosen_text,
            correct_index=correct_index,
            correct_text=question.answer,
            why=question.why,
            points_gained=outcome.points if outcome.stored else 0,
            total_points=outcome.total_points,
            streak=current_streak(
                outcome.streak, outcome.last_correct_day, local_day(now, zone_of_post)
            ),
            already_answered=not outcome.stored,
            order=GRADE_ORDER
            if question.flashcard
            else choice_order(post.id, question.id, len(question.choices), question.keep_order),
            chosen_feedback="" if question.multi else question.feedback_for(outcome.choice),
            typed=typed,
            accepted=question.accept,
            flashcard=question.flashcard,
            chosen_set=tuple(sorted(_bits(outcome.choice))) if question.multi else (),
            right_set=tuple(sorted(question.right_indexes)) if question.multi else (),
            choices=question.choices,
            feedback=question.feedback,
        )

    async def set_message_ref(self, post_id: int, message_ref: str) -> None:
        """Remember where the platform put a posted question (its message reference)."""
        await self.db.write(store.set_message_ref, post_id, message_ref)
        cached = self._posts.get(post_id)
        if cached is not None and cached.done() and not cached.cancelled():
            if cached.exception() is None and (post := cached.result()) is not None:
                self._remember(replace(post, message_ref=message_ref))  # the row as stored


def _bits(stored: int) -> frozenset[int]:
    """The chosen set of a choose-all-that-apply answer, stored as bits."""
    return (
        frozenset(i for i in range(stored.bit_length()) if stored >> i & 1)
        if stored > 0
        else frozenset()
    )


async def _closed_at_utc(post: PostRow) -> str:
    closes = datetime.fromisoformat(post.closes_at or "")
    return f"This question closed at {closes:%Y-%m-%d %H:%M} UTC; answers no longer count."


def _urgency(card: SrsCard, now: datetime) -> tuple[float, datetime]:
    # lowest retrievability first; learning-step cards (same-day) tie at 1.0: earliest due
    return (card.retrievability(now), card.due)
