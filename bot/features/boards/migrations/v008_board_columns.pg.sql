-- v8 (PostgreSQL twin: the trigger is a function): every board reads like a points board. Each scores row carries its user's streak,
-- last correct day and mastered count (per-topic rows: the topic's mastered count), kept by
-- the score step, so streak and mastered boards walk a per-scope index; study groups get their
-- own score rows (gr:<group id>, gt:<group id>:<card id>), written by the answer batch and
-- copied/deleted on join/leave, so a group board is an index walk like a server board.
ALTER TABLE scores ADD COLUMN streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scores ADD COLUMN last_correct_day TEXT;
ALTER TABLE scores ADD COLUMN mastered INTEGER NOT NULL DEFAULT 0;
-- a user's rows (the score step refreshes them when the user's streak or mastery moves)
CREATE INDEX scores_by_user ON scores(user_key, period);
UPDATE scores SET (streak, last_correct_day, mastered) = (
        SELECT u.streak, u.last_correct_day, u.mastered FROM users u
        WHERE u.user_key = scores.user_key)
    WHERE user_key IN (SELECT user_key FROM users);
-- card ids are slugs (no ':'): a topic row's card is what follows its last ':'
UPDATE scores SET mastered = COALESCE((
        SELECT t.mastered FROM user_topics t WHERE t.user_key = scores.user_key
        AND substr(scores.scope, length(scores.scope) - length(t.card_id)) = ':' || t.card_id
    ), 0)
    WHERE scope LIKE 'wt:%';
-- a member loses their group rows with the membership: board sizes count down (a function, run
-- once per statement over its transition table, like v5's twin)
CREATE FUNCTION boards_count_gone_players() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE boards b SET players = b.players - g.players, qualified = b.qualified - g.qualified
        FROM (SELECT scope, period, COUNT(*) AS players,
                     COUNT(*) FILTER (WHERE answered >= 5) AS qualified
              FROM old_scores GROUP BY scope, period) g
        WHERE b.scope = g.scope AND b.period = g.period;
    RETURN NULL;
END $$;
CREATE TRIGGER boards_count_gone_players AFTER DELETE ON scores
    REFERENCING OLD TABLE AS old_scores
    FOR EACH STATEMENT EXECUTE FUNCTION boards_count_gone_players();
INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,
                   last_correct_day, mastered)
    SELECT 'gr:' || m.group_id::text, s.period, s.user_key, s.points, s.answered, s.correct,
           s.streak, s.last_correct_day, s.mastered
    FROM group_members m JOIN study_groups g ON g.id = m.group_id
    JOIN scores s ON s.user_key = m.user_key AND s.scope = 'ws:' || g.workspace_key;
INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,
                   last_correct_day, mastered)
    SELECT 'gt:' || m.group_id::text || ':' || substr(s.scope, length(g.workspace_key) + 5),
           s.period, s.user_key, s.points, s.answered, s.correct, s.streak,
           s.last_correct_day, s.mastered
    FROM group_members m JOIN study_groups g ON g.id = m.group_id
    JOIN scores s ON s.user_key = m.user_key
        AND substr(s.scope, 1, length(g.workspace_key) + 4) = 'wt:' || g.workspace_key || ':';
CREATE INDEX scores_by_streak ON scores(scope, period, streak DESC, last_correct_day DESC,
    user_key) WHERE streak > 0;
CREATE INDEX scores_by_mastered ON scores(scope, period, mastered DESC, user_key)
    WHERE mastered > 0;
-- the boards no longer walk users or user_topics in streak/mastered order
DROP INDEX users_by_streak;
DROP INDEX users_by_mastered;
DROP INDEX user_topics_by_mastered;
