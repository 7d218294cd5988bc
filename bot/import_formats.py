"""The formats ``quizbot content import`` reads, by name: parsing any command line lists them
(``--from``), and the importers themselves load only with that command (``bot.importers``)."""

from __future__ import annotations

FORMAT_LABELS: dict[str, str] = {
    "gift": "Moodle GIFT",
    "red": "Red-DiscordBot trivia list",
    "opentdb": "Open Trivia DB JSON",
    "anki": "Anki plain-text export",
}
