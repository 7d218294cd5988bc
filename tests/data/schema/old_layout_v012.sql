-- The schema a database has after v001..v012 of the old layout (every migration in
-- bot/kernel/migrations/, before each feature declared its own): sqlite_master's text, in
-- the order SQLite made it. tests/kernel/test_schema.py builds an old database from it.
CREATE TABLE users(
    user_key TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    streak INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    last_correct_day TEXT
, mastered INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
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
, closes_at TEXT);
CREATE TABLE answers(
    post_id INTEGER NOT NULL REFERENCES posts(id),
    user_key TEXT NOT NULL,
    question_id TEXT NOT NULL,
    card_id TEXT NOT NULL,
    choice INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    points INTEGER NOT NULL,
    answered_at TEXT NOT NULL, week TEXT NOT NULL DEFAULT '', typed TEXT,
    PRIMARY KEY(post_id, user_key)
) WITHOUT ROWID;
CREATE INDEX answers_by_user ON answers(user_key, question_id);
CREATE TABLE scores(
    scope TEXT NOT NULL,
    period TEXT NOT NULL,
    user_key TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0, streak INTEGER NOT NULL DEFAULT 0, last_correct_day TEXT, mastered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(scope, period, user_key)
) WITHOUT ROWID;
CREATE INDEX scores_by_points ON scores(scope, period, points DESC, user_key);
CREATE TABLE user_topics(
    user_key TEXT NOT NULL,
    card_id TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0, mastered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(user_key, card_id)
) WITHOUT ROWID;
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
CREATE INDEX posts_by_channel ON posts(channel_key, kind);
CREATE TABLE workspace_settings(
    workspace_key TEXT PRIMARY KEY,
    time_zone TEXT NOT NULL DEFAULT 'UTC'
) WITHOUT ROWID;
CREATE TABLE study_groups(
    id INTEGER PRIMARY KEY,
    workspace_key TEXT NOT NULL,
    name_key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE(workspace_key, name_key)
);
CREATE TABLE group_members(
    group_id INTEGER NOT NULL REFERENCES study_groups(id) ON DELETE CASCADE,
    user_key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    PRIMARY KEY(group_id, user_key)
) WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members(user_key);
CREATE TABLE srs_cards(
    user_key TEXT NOT NULL,
    question_id TEXT NOT NULL,
    card_id TEXT NOT NULL,
    state INTEGER NOT NULL,
    step INTEGER,
    stability REAL,
    difficulty REAL,
    due TEXT NOT NULL,
    last_review TEXT,
    reps INTEGER NOT NULL DEFAULT 0,
    lapses INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(user_key, question_id)
) WITHOUT ROWID;
CREATE INDEX scores_by_accuracy ON scores(scope, period, (correct * 1.0 / answered) DESC,
    answered DESC, user_key, correct) WHERE answered >= 5;
CREATE TABLE boards(
    scope TEXT NOT NULL,
    period TEXT NOT NULL,
    players INTEGER NOT NULL DEFAULT 0,
    qualified INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(scope, period)
) WITHOUT ROWID;
CREATE INDEX answers_wrong_by_user ON answers(user_key, question_id, choice)
    WHERE correct = 0;
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
CREATE INDEX scores_by_user ON scores(user_key, period);
CREATE TRIGGER boards_count_gone_player AFTER DELETE ON scores BEGIN
    UPDATE boards SET players = players - 1, qualified = qualified - (old.answered >= 5)
        WHERE scope = old.scope AND period = old.period;
END;
CREATE INDEX scores_by_streak ON scores(scope, period, streak DESC, last_correct_day DESC,
    user_key) WHERE streak > 0;
CREATE INDEX scores_by_mastered ON scores(scope, period, mastered DESC, user_key)
    WHERE mastered > 0;
CREATE TABLE secrets(
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
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
