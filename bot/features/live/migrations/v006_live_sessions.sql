-- v6 (live): quiz night. One running session per channel (a partial unique index: the claim,
-- also across processes on one database), its rounds (each a post of kind 'live'), and the
-- session's own answers with their speed points. Self-contained: it only adds (written as v6 on
-- its branch; renumbered to the next free number when merged after typed's v6).
CREATE TABLE live_sessions(
    id INTEGER PRIMARY KEY,
    channel_key TEXT NOT NULL,
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    topic TEXT,
    rounds INTEGER NOT NULL,
    seconds INTEGER NOT NULL,
    started_by TEXT NOT NULL,
    started_by_name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running',
    owner TEXT,
    lease_until TEXT,
    stop_requested_by TEXT,
    ended_at TEXT
);
CREATE UNIQUE INDEX live_sessions_one_running ON live_sessions(channel_key)
    WHERE status = 'running';
CREATE INDEX live_sessions_by_platform ON live_sessions(platform, status);
CREATE TABLE live_rounds(
    session_id INTEGER NOT NULL REFERENCES live_sessions(id),
    number INTEGER NOT NULL,
    post_id INTEGER NOT NULL REFERENCES posts(id),
    question_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'posting',
    opened_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    closed_at TEXT,
    message_ref TEXT,
    PRIMARY KEY(session_id, number)
) WITHOUT ROWID;
CREATE UNIQUE INDEX live_rounds_by_post ON live_rounds(post_id);
CREATE TABLE live_answers(
    post_id INTEGER NOT NULL,
    user_key TEXT NOT NULL,
    session_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    choice INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    points INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY(post_id, user_key)
) WITHOUT ROWID;
CREATE INDEX live_answers_by_session ON live_answers(session_id, number, user_key);
