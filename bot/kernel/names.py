"""Finding a thing by what a user typed: a topic (``/quiz locks``, ``/card Locks &
Synchronization``), a demo (``/demo gil``). One lookup for the grammar and every service, so
every command that takes a topic accepts the same words and answers a near miss the same way.

Pure: no I/O, no feature knowledge. What is looked up (card ids and titles, tracks, demo names)
is handed in as ``Named`` entries.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.kernel.errors import UserError

_WORD = re.compile(r"[^\W_]+")  # letters and digits: "Locks & Synchronization" -> 2 words


def _text(typed: str) -> str:
    return " ".join(typed.split()).casefold()


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


@dataclass(frozen=True)
class Named:
    """One thing a user can name: ``key`` is what a lookup returns (a card id, a track, a demo
    name), ``names`` what else it answers to (a card's title)."""

    key: str
    names: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.key, *self.names)


def _options(keys: Iterable[str]) -> str:
    keys = list(keys)
    return keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " or " + keys[-1]


@dataclass(frozen=True)
class NameIndex:
    """Things found by their key or a name in any case and spacing; else by a unique prefix of
    one (``locks``, ``proc``); else by words, each the start of one of its words
    (``synchronization``, ``threads``). A near miss gets "did you mean"."""

    entries: tuple[Named, ...] = ()
    kind: str = "topic"  # the word in messages: "Unknown topic 'x'"
    _exact: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        exact: dict[str, str] = {}
        for entry in self.entries:
            for spelling in entry.spellings:
                exact.setdefault(_text(spelling), entry.key)
                exact.setdefault(" ".join(_words(spelling)), entry.key)
        object.__setattr__(self, "_exact", exact)

    @classmethod
    def of(cls, entries: Iterable[Named], kind: str = "topic") -> NameIndex:
        return cls(tuple(entries), kind)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(entry.key for entry in self.entries)

    def __contains__(self, typed: object) -> bool:
        return isinstance(typed, str) and self.find(typed) is not None

    def matches(self, typed: str) -> tuple[str, ...]:
        """Every key ``typed`` could mean, at the first level that finds any: exactly, by a
        prefix, by words."""
        text = _text(typed)
        words = _words(typed)
        if not words:
            return ()
        key = self.exact(typed)
        if key is not None:
            return (key,)
        by_prefix = self._keys_where(lambda e: any(_text(s).startswith(text) for s in e.spellings))
        if by_prefix:
            return by_prefix
        return self._keys_where(
            lambda e: all(
                any(w.startswith(typed_word) for s in e.spellings for w in _words(s))
                for typed_word in words
            )
        )

    def _keys_where(self, test: Callable[[Named], bool]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.key for e in self.entries if test(e)))

    def exact(self, typed: str) -> str | None:
        """The key ``typed`` spells out in full (any case, spacing or punctuation), or None:
        for parsers that must not take a stray word for a name."""
        return self._exact.get(_text(typed)) or self._exact.get(" ".join(_words(typed)))

    def find(self, typed: str) -> str | None:
        """The one key ``typed`` means, or None (nothing, or more than one)."""
        found = self.matches(typed)
        return found[0] if len(found) == 1 else None

    def suggestions(self, typed: str, n: int = 3) -> tuple[str, ...]:
        """Keys whose spellings (or their words) are close to ``typed``: for "did you mean"."""
        by_spelling: dict[str, str] = {}
        for entry in self.entries:
            for spelling in entry.spellings:
                by_spelling.setdefault(_text(spelling), entry.key)
                for word in _words(spelling):
                    if len(word) > 2:  # "vs", "of": too short to suggest anything by
                        by_spelling.setdefault(word, entry.key)
        close = difflib.get_close_matches(_text(typed), list(by_spelling), n=n * 3, cutoff=0.6)
        return tuple(dict.fromkeys(by_spelling[c] for c in close))[:n]

    def resolve(self, typed: str) -> str:
        """The key ``typed`` means; otherwise UserError, one line: which ones it could be, or
        the closest ones and every key."""
        found = self.matches(typed)
        if len(found) == 1:
            return found[0]
        shown = " ".join(typed.split())
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        if found:
            raise UserError(f"{shown!r} could be the {self.kind} {_options(found)}: which one?")
        close = self.suggestions(typed)
        hint = f" Did you mean {_options(close)}?" if close else ""
        every = f" {self.kind.capitalize()}s: {', '.join(self.keys)}" if self.keys else ""
        raise UserError(f"Unknown {self.kind} {shown!r}.{hint}{every}")
