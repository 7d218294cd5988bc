-- v9 (teacher): secrets the bot generates and keeps (the dashboard's link-signing key, when
-- QUIZBOT_WEB_SECRET is not set), so every process of one deployment signs alike.
CREATE TABLE secrets(
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
