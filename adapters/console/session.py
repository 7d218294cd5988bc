"""The console's session: who is typing, the current question, and how a line becomes a
request (a command through the core's grammar, a letter or typed text an answer)."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from adapters.console.render import safe
from adapters.console.terminal import (
    MAX_LINE,
    Vocabulary,
    clean_name,
    decodable,
    shorten,
    too_long_message,
)
from adapters.platform import NoRenderer
from bot.app import QuizApp
from bot.features.live.requests import AnswerLiveRound
from bot.features.quiz import LETTERS, AnswerResult, FlashcardBack, QuestionView, ReviewSession
from bot.features.quiz.requests import (
    AnswerChoices,
    AnswerQuestion,
    AnswerTyped,
    RevealFlashcard,
)
from bot.features.quiz.results import GRADES, KNEW
from bot.kernel.grammar import command_words, parse_choice
from bot.kernel.identity import Actor
from bot.kernel.results import Image, Notice, images_of

log = logging.getLogger(__name__)

ChoiceRequest = type[AnswerQuestion] | type[AnswerLiveRound]  # built as (post id, choice)

HELP_EXTRA = (
    "A, B, C… or 1, 2, 3… — answer the last question (a typed-answer question: type it)",
    "/as <name> [--admin] — speak as another user (simulate a study group); --admin: an admin",
    "/quit — leave",
)


CONSOLE_COMMANDS = ("as", "quit", "exit")  # handled here, not by the core
ADMIN_FLAG = "--admin"  # /as NAME --admin
TOPIC_COMMANDS = ("question", "card", "review", "leaderboard")  # Tab completes topics after them


# a flashcard's grades typed as words: y (knew it) or n
YES_NO = {"y": KNEW, "yes": KNEW, "n": 1 - KNEW, "no": 1 - KNEW}


class ConsoleSession:
    def __init__(
        self, app: QuizApp, console: Console, user: str, pictures: Path | None = None
    ) -> None:
        self.app = app
        self.console = console
        self.pictures = pictures  # where a result's pictures are saved (None: alt text only)
        first = clean_name(user) or "you"
        # the terminal's own user is the admin; `/as NAME --admin` makes another, `/as NAME`
        # speaks as a member (who cannot stop someone's quiz night or the daily question)
        self.admins = {first.lower()}
        self.actor = self._actor(first)
        self.current: QuestionView | None = None
        # what a letter typed at the current question makes: a quiz answer, or a live round's
        self.choice_request: ChoiceRequest = AnswerQuestion
        self.review_queue: list[QuestionView] = []  # the rest of a /quiz review session
        self.reviewing = False
        # how a print reaches the terminal; on a TTY: above a waiting prompt
        self.printer: Callable[[Callable[[], None]], None] = _now

    def _actor(self, name: str) -> Actor:
        admin = name.lower() in self.admins
        return Actor("console", name.lower(), name, "local", "terminal", is_admin=admin)

    async def call_core(
        self,
        line: str = "",
        answer: AnswerQuestion
        | AnswerLiveRound
        | AnswerTyped
        | AnswerChoices
        | RevealFlashcard
        | None = None,
    ) -> object:
        """The console's only calls into the core: a command line, or an ``answer`` request.
        A failure inside the core comes back as a one-line error Notice, so one bad input
        never ends the console."""
        try:
            if answer is not None:
                return await self.app.dispatch(self.actor, answer)
            return await self.app.handle_text(self.actor, line)
        except Exception as exc:
            log.debug("the core failed on %r", shorten(line), exc_info=True)
            return Notice(
                f"That failed inside quizbot ({type(exc).__name__}: {shorten(str(exc), 80)})."
                " The console carries on.",
                error=True,
            )

    def vocabulary(self) -> Vocabulary:
        """Command and topic names for Tab completion, from the core's grammar."""
        grammar = self.app.grammar

        def commands() -> list[str]:
            return [c.name for c in grammar.commands] + ["as", "quit"]

        def takes_topic(name: str) -> bool:
            command = grammar.lookup(name)
            return command is not None and command.name in TOPIC_COMMANDS

        return Vocabulary(commands, lambda: self.app.pack.topics, takes_topic)

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the session should end."""
        line = decodable(line).strip()
        if not line:
            return True
        if len(line) > MAX_LINE:
            self.show(Notice(too_long_message(len(line)), error=True))
            return True
        if not line.startswith("/"):
            await self._answer(line)
            return True
        name, args = command_words(line)
        if name in ("quit", "exit"):
            return False
        if name == "as":
            admin = ADMIN_FLAG in args
            shown = clean_name(" ".join(a for a in args if a != ADMIN_FLAG))
            if not shown:
                self.show(Notice(f"Usage: /as <name> [{ADMIN_FLAG}]", error=True))
            else:
                if admin:
                    self.admins.add(shown.lower())
                self.actor = self._actor(shown)
                role = ", an admin" if shown.lower() in self.admins else ""
                self.show(Notice(f"You are now {self.actor.display_name}{role}."))
            return True
        topic = self.app.pack.topic_index.find(" ".join([name, *args]))
        if self.app.grammar.lookup(name) is None and topic is None:
            self.show(self._unknown(name))
            return True
        reply = await self.call_core(line)
        if isinstance(reply, QuestionView):
            self.current, self.choice_request = reply, AnswerQuestion
            self.review_queue = []
            self.reviewing = False
        if isinstance(reply, Notice) and reply.lines and reply.text.endswith("Commands:"):
            reply = Notice(reply.text, reply.error, reply.lines + HELP_EXTRA)
        self.show(reply)
        if isinstance(reply, ReviewSession) and reply.questions:
            # the terminal is private: ask the session's questions one after another
            self.review_queue = list(reply.questions[1:])
            self.reviewing = True
            self.current, self.choice_request = reply.questions[0], AnswerQuestion
            self.show(self.current)
        return True

    def _unknown(self, name: str) -> Notice:
        """One line instead of the whole help: the closest command names (or topics)."""
        commands = [n for c in self.app.grammar.commands for n in (c.name, *c.aliases)]
        commands += CONSOLE_COMMANDS
        close = difflib.get_close_matches(name, commands, n=3) or list(
            self.app.pack.topic_index.suggestions(name, n=1)
        )
        typed = f"Unknown command {'/' + shorten(name, 30)!r}"
        if not close:
            return Notice(f"{typed}. Type /help for the commands.", error=True)
        options = [f"/{c}" for c in close]
        maybe = options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]
        return Notice(f"{typed} — did you mean {maybe}? (/help for all)", error=True)

    async def _answer(self, text: str) -> None:
        if self.current is None:
            self.show(Notice("No question yet: type /quiz for one, or /help.", error=True))
            return
        if self.current.typed:  # the whole line is the answer
            await self._answered(
                await self.call_core(answer=AnswerTyped(self.current.post_id, text))
            )
            return
        if self.current.flashcard:  # any line turns the card over
            back = await self.call_core(answer=RevealFlashcard(self.current.post_id))
            self.show(back)
            if isinstance(back, FlashcardBack):
                # graded with a letter, or Y / N: the quiz's answer
                self.current, self.choice_request = back.view, AnswerQuestion
            return
        if self.current.multi:
            await self._answer_several(text)
            return
        choice = parse_choice(text, len(self.current.choices))
        if self.current.choices == GRADES and text.strip().lower() in YES_NO:
            choice = next(
                n
                for n, c in enumerate(self.current.shown)
                if c.index == YES_NO[text.strip().lower()]
            )
        if choice is None:
            count = len(self.current.choices)
            self.show(
                Notice(
                    f"{shorten(text, 40)!r} is not a choice: answer A-{LETTERS[count - 1]}"
                    f" or 1-{count} (/help for more).",
                    error=True,
                )
            )
            return
        # the letter is the one shown; the core takes the content's index
        canonical = self.current.shown[choice].index
        await self._answered(
            await self.call_core(answer=self.choice_request(self.current.post_id, canonical))
        )

    async def _answer_several(self, text: str) -> None:
        """Choose all that apply: "A C", "a,c" or "1 3" (the letters shown)."""
        assert self.current is not None
        count = len(self.current.choices)
        words = [w for w in re.split(r"[\s,;]+", text.strip()) if w]
        picked = [parse_choice(w, count) for w in words]
        if not picked or None in picked:
            self.show(
                Notice(
                    f"{shorten(text, 40)!r}: type the letters of every right choice, e.g. A C"
                    f" (A-{LETTERS[count - 1]}).",
                    error=True,
                )
            )
            return
        chosen = frozenset(self.current.shown[p].index for p in picked if p is not None)
        await self._answered(
            await self.call_core(answer=AnswerChoices(self.current.post_id, chosen))
        )

    async def _answered(self, reply: object) -> None:
        self.show(reply)
        if isinstance(reply, AnswerResult) and self.reviewing:
            if self.review_queue:
                self.current, self.choice_request = self.review_queue.pop(0), AnswerQuestion
                self.show(self.current)
            else:
                self.reviewing = False
                self.show(Notice("Review done. /stats shows what you have mastered."))

    def take_question(
        self, view: QuestionView, choice_request: ChoiceRequest = AnswerQuestion
    ) -> None:
        """A posted question (the daily one, a live round) becomes the current one, so a letter
        answers it (with ``choice_request``: a live round's is ``AnswerLiveRound``); an
        interrupted review question comes back after it."""
        if self.reviewing and self.current is not None:
            self.review_queue.insert(0, self.current)
        self.current, self.choice_request = view, choice_request

    def show(self, reply: object) -> None:
        try:
            shown = safe(reply)
        except NoRenderer as exc:  # a bug: logged, and one line instead of a traceback
            log.error("%s", exc)
            shown = safe(Notice(f"quizbot cannot show that here ({exc}).", error=True))
        self.printer(lambda: self.console.print(shown))
        for image in images_of(reply):
            self.show_picture(image)

    def show_picture(self, image: Image) -> None:
        """A terminal shows no picture: it is saved under the data folder, and its path is
        printed with the alt text (what it shows, in words)."""
        line = Notice(f"Picture: {image.alt}")
        if self.pictures is not None:
            try:
                path = save_picture(self.pictures, image)
            except OSError as exc:
                line = Notice(f"{line.text} (not saved: {exc.strerror or exc})")
            else:
                line = Notice(f"Picture saved to {path}: {image.alt}")
        self.printer(lambda: self.console.print(safe(line)))


def save_picture(folder: Path, image: Image) -> Path:
    """``image`` as ``folder/<its name>`` (a name from the core, kept to a plain file name)."""
    name = Path(image.name).name or "picture.png"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(image.png)
    return path


def _now(write: Callable[[], None]) -> None:
    write()
