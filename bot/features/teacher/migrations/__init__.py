"""The teacher feature's schema: the dashboard's secrets (v009) and each learner's first answers
for item analysis (v010).

One ``vNNN_name.sql`` per version (a ``vNNN_name.pg.sql`` twin where PostgreSQL's text
differs); the numbers are one history across every feature (``bot.kernel.migrations``).
Never edit a released file; add the next version."""
