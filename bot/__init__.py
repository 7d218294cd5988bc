"""quizbot's platform-neutral core: content, quiz, scoring, schedule, demos, storage.

Nothing in this package imports a chat platform library or ``adapters``.
"""

__version__ = "0.1.0"
