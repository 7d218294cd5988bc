"""The groups feature's schema: v004, study groups with what came with them: workspace time zones,
the boards' sizes and the accuracy, streak and mastered boards, FSRS cards.

One ``vNNN_name.sql`` per version (a ``vNNN_name.pg.sql`` twin where PostgreSQL's text
differs); the numbers are one history across every feature (``bot.kernel.migrations``).
Never edit a released file; add the next version."""
