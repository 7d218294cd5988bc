-- v5 (PostgreSQL twin: a trigger runs a function): board sizes kept by triggers inside the
-- score upsert (no Python pass, no extra read per batch); the counts carry on from v4.
CREATE FUNCTION boards_count_new_player() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO boards(scope, period, players, qualified)
        VALUES (NEW.scope, NEW.period, 1, CASE WHEN NEW.answered >= 5 THEN 1 ELSE 0 END)
        ON CONFLICT(scope, period) DO UPDATE SET players = boards.players + 1,
            qualified = boards.qualified + excluded.qualified;
    RETURN NULL;
END $$;
CREATE TRIGGER boards_count_new_player AFTER INSERT ON scores
    FOR EACH ROW EXECUTE FUNCTION boards_count_new_player();
CREATE FUNCTION boards_count_qualified() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE boards SET qualified = qualified + 1
        WHERE scope = NEW.scope AND period = NEW.period;
    RETURN NULL;
END $$;
CREATE TRIGGER boards_count_qualified AFTER UPDATE OF answered ON scores
    FOR EACH ROW WHEN (OLD.answered < 5 AND NEW.answered >= 5)
    EXECUTE FUNCTION boards_count_qualified();
