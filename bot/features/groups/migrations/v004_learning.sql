-- v4 (learn): study groups, workspace time zones, per-topic and accuracy/streak/mastered
-- leaderboards, FSRS cards. Self-contained: it only adds (v3 on its branch; renumbered to v4 when
-- merged after the daily question's v3, which databases in the wild may already have).
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
ALTER TABLE users ADD COLUMN mastered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_topics ADD COLUMN mastered INTEGER NOT NULL DEFAULT 0;
CREATE INDEX users_by_streak ON users(streak DESC, last_correct_day DESC, user_key);
CREATE INDEX users_by_mastered ON users(mastered DESC, user_key);
CREATE INDEX user_topics_by_mastered ON user_topics(card_id, mastered DESC, user_key);
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
INSERT INTO scores(scope, period, user_key, points, answered, correct)
    SELECT scope, period, user_key, SUM(points), COUNT(*), SUM(correct) FROM (
        SELECT 'wt:' || p.workspace_key || ':' || a.card_id AS scope, 'all' AS period,
               a.user_key, a.points, a.correct FROM answers a JOIN posts p ON p.id = a.post_id
        UNION ALL
        SELECT 'wt:' || p.workspace_key || ':' || a.card_id, a.week, a.user_key, a.points,
               a.correct FROM answers a JOIN posts p ON p.id = a.post_id
    ) GROUP BY scope, period, user_key;
INSERT INTO boards(scope, period, players, qualified)
    SELECT scope, period, COUNT(*), SUM(answered >= 5) FROM scores GROUP BY scope, period;
