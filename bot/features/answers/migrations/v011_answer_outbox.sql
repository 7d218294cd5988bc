-- v11: the answer outbox. A click's transaction stores the answer (with its points), the
-- user's totals and one outbox row; the writer applies what is derived from the answer (the
-- FSRS review, score rows, board sizes, topic and group rows, daily streaks) in a later
-- transaction from these rows, in id order, and deletes them in that same transaction: a
-- restart applies what is left. What the answer row does not hold is kept here: the name,
-- the local day, the scopes it counts in (one per line), the post's kind, and whether the
-- user's streak moved (their score rows then get the new values).
CREATE TABLE answer_outbox(
    id INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL,
    user_key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    day TEXT NOT NULL,
    scopes TEXT NOT NULL,
    kind TEXT NOT NULL,
    moved INTEGER NOT NULL DEFAULT 0
);
