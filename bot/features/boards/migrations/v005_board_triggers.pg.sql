-- v5 (PostgreSQL twin: a trigger runs a function, and here once per statement over its
-- transition tables, so a batch's score upsert touches each board row once, not once per
-- player): board sizes kept by triggers inside the score upsert; the counts carry on from v4.
CREATE FUNCTION boards_count_new_players() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO boards(scope, period, players, qualified)
        SELECT scope, period, COUNT(*), COUNT(*) FILTER (WHERE answered >= 5)
        FROM new_scores GROUP BY scope, period
        ON CONFLICT(scope, period) DO UPDATE SET players = boards.players + excluded.players,
            qualified = boards.qualified + excluded.qualified;
    RETURN NULL;
END $$;
CREATE TRIGGER boards_count_new_players AFTER INSERT ON scores
    REFERENCING NEW TABLE AS new_scores
    FOR EACH STATEMENT EXECUTE FUNCTION boards_count_new_players();
CREATE FUNCTION boards_count_qualified() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE boards b SET qualified = b.qualified + q.players
        FROM (SELECT n.scope, n.period, COUNT(*) AS players
              FROM old_scores o JOIN new_scores n USING (scope, period, user_key)
              WHERE o.answered < 5 AND n.answered >= 5 GROUP BY n.scope, n.period) q
        WHERE b.scope = q.scope AND b.period = q.period;
    RETURN NULL;
END $$;
CREATE TRIGGER boards_count_qualified AFTER UPDATE ON scores
    REFERENCING OLD TABLE AS old_scores NEW TABLE AS new_scores
    FOR EACH STATEMENT EXECUTE FUNCTION boards_count_qualified();
