"""The answers feature's schema: the walking skeleton every feature builds on (answers, posts,
users: v001), typed answers (v007) and the answer outbox (v011).

One ``vNNN_name.sql`` per version (a ``vNNN_name.pg.sql`` twin where PostgreSQL's text
differs); the numbers are one history across every feature (``bot.kernel.migrations``).
Never edit a released file; add the next version."""
