-- v2: materialized leaderboards per scope (workspace, channel) and period (all, week)
ALTER TABLE answers ADD COLUMN week TEXT NOT NULL DEFAULT '';
UPDATE answers SET week = date(answered_at, 'weekday 0', '-6 days');
CREATE TABLE scores(
    scope TEXT NOT NULL,
    period TEXT NOT NULL,
    user_key TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(scope, period, user_key)
) WITHOUT ROWID;
CREATE INDEX scores_by_points ON scores(scope, period, points DESC, user_key);
CREATE TABLE user_topics(
    user_key TEXT NOT NULL,
    card_id TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(user_key, card_id)
) WITHOUT ROWID;
INSERT INTO scores(scope, period, user_key, points, answered, correct)
    SELECT scope, period, user_key, SUM(points), COUNT(*), SUM(correct) FROM (
        SELECT 'ws:' || p.workspace_key AS scope, 'all' AS period, a.user_key, a.points,
               a.correct FROM answers a JOIN posts p ON p.id = a.post_id
        UNION ALL
        SELECT 'ws:' || p.workspace_key, a.week, a.user_key, a.points, a.correct
               FROM answers a JOIN posts p ON p.id = a.post_id
        UNION ALL
        SELECT 'ch:' || p.channel_key, 'all', a.user_key, a.points, a.correct
               FROM answers a JOIN posts p ON p.id = a.post_id
        UNION ALL
        SELECT 'ch:' || p.channel_key, a.week, a.user_key, a.points, a.correct
               FROM answers a JOIN posts p ON p.id = a.post_id
    ) GROUP BY scope, period, user_key;
INSERT INTO user_topics(user_key, card_id, answered, correct)
    SELECT user_key, card_id, COUNT(*), SUM(correct) FROM answers GROUP BY user_key, card_id;
