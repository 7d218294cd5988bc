"""The boards feature's schema: scores and topics (v002), the board-size triggers (v005), the board
columns (v008), board sizes counted per batch (v012), the rank buckets (v014).

One ``vNNN_name.sql`` per version (a ``vNNN_name.pg.sql`` twin where PostgreSQL's text
differs); the numbers are one history across every feature (``bot.kernel.migrations``).
Never edit a released file; add the next version."""
