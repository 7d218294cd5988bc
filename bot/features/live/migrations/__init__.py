"""The live feature's schema: quiz night's sessions, rounds and answers (v006); a
session's podium owed after it ended (v013).

One ``vNNN_name.sql`` per version (a ``vNNN_name.pg.sql`` twin where PostgreSQL's text
differs); the numbers are one history across every feature (``bot.kernel.migrations``).
Never edit a released file; add the next version."""
