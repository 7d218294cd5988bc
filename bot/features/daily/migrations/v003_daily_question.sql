-- v3: the daily question: per-channel schedules, one claim per (channel, local date) so a day is
-- posted at most once even by two processes, answer windows, per-channel streaks
CREATE TABLE daily_schedules(
    channel_key TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    local_time TEXT NOT NULL,
    zone TEXT NOT NULL,
    weekdays TEXT NOT NULL,
    topic TEXT,
    window_hours INTEGER,
    active_from TEXT NOT NULL,
    set_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX daily_schedules_by_platform ON daily_schedules(platform);
CREATE TABLE daily_claims(
    id INTEGER PRIMARY KEY,
    channel_key TEXT NOT NULL,
    local_date TEXT NOT NULL,
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    zone TEXT NOT NULL,
    scheduled_at TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'claimed',
    post_id INTEGER REFERENCES posts(id),
    prev_post_id INTEGER,
    message_ref TEXT,
    error TEXT,
    closes_at TEXT NOT NULL,
    results_status TEXT,
    results_ref TEXT,
    results_error TEXT,
    UNIQUE(channel_key, local_date)
);
CREATE INDEX daily_claims_by_post ON daily_claims(post_id);
CREATE INDEX daily_claims_open ON daily_claims(platform, results_status, closes_at);
CREATE TABLE daily_streaks(
    channel_key TEXT NOT NULL,
    user_key TEXT NOT NULL,
    workspace_key TEXT NOT NULL,
    current INTEGER NOT NULL DEFAULT 0,
    best INTEGER NOT NULL DEFAULT 0,
    last_post_id INTEGER,
    last_date TEXT,
    PRIMARY KEY(channel_key, user_key)
) WITHOUT ROWID;
CREATE INDEX daily_streaks_by_workspace ON daily_streaks(workspace_key, user_key);
ALTER TABLE posts ADD COLUMN closes_at TEXT;
CREATE INDEX posts_by_channel ON posts(channel_key, kind);
