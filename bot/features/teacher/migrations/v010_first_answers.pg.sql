-- v10 (teacher; PostgreSQL twin: the seconds between two ISO times without julianday): each
-- learner's first answer to each question in a workspace (never a review), kept by the answer
-- batch, so item analysis reads one narrow row per learner and question instead of sorting
-- every answer to find the first. Backfilled from the answers already stored.
CREATE TABLE first_answers(
    workspace_key TEXT NOT NULL,
    user_key TEXT NOT NULL,
    question_id TEXT NOT NULL,
    card_id TEXT NOT NULL,
    post_id INTEGER NOT NULL,
    channel_key TEXT NOT NULL,
    choice INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    typed TEXT,
    answered_at TEXT NOT NULL,
    seconds INTEGER NOT NULL,
    PRIMARY KEY(workspace_key, user_key, question_id)
) WITHOUT ROWID;
INSERT INTO first_answers(workspace_key, user_key, question_id, card_id, post_id, channel_key,
        choice, correct, typed, answered_at, seconds)
    SELECT workspace_key, user_key, question_id, card_id, post_id, channel_key, choice, correct,
           typed, answered_at, seconds FROM (
        SELECT p.workspace_key, a.user_key, a.question_id, a.card_id, a.post_id, p.channel_key,
               a.choice, a.correct, a.typed, a.answered_at,
               CAST(ROUND(EXTRACT(EPOCH FROM CAST(a.answered_at AS TIMESTAMPTZ)
                    - CAST(p.created_at AS TIMESTAMPTZ))) AS INTEGER) AS seconds,
               ROW_NUMBER() OVER (PARTITION BY p.workspace_key, a.user_key, a.question_id
                                  ORDER BY a.answered_at, a.post_id) AS nth
        FROM answers a JOIN posts p ON p.id = a.post_id WHERE p.kind <> 'review'
    ) AS numbered WHERE nth = 1;
