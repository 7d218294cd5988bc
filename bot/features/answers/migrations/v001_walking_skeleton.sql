-- v1: the walking skeleton
CREATE TABLE users(
    user_key TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    streak INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    last_correct_day TEXT
) WITHOUT ROWID;
CREATE TABLE posts(
    id INTEGER PRIMARY KEY,
    question_id TEXT NOT NULL,
    card_id TEXT NOT NULL,
    workspace_key TEXT NOT NULL,
    channel_key TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'ask',
    asked_by TEXT,
    created_at TEXT NOT NULL,
    message_ref TEXT
);
CREATE TABLE answers(
    post_id INTEGER NOT NULL REFERENCES posts(id),
    user_key TEXT NOT NULL,
    question_id TEXT NOT NULL,
    card_id TEXT NOT NULL,
    choice INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    points INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY(post_id, user_key)
) WITHOUT ROWID;
CREATE INDEX answers_by_user ON answers(user_key, question_id);
