-- v5: board sizes kept by triggers inside the score upsert (no Python pass, no extra read per
-- batch); the counts carry on from v4, which kept them in code.
CREATE TRIGGER boards_count_new_player AFTER INSERT ON scores BEGIN
    INSERT INTO boards(scope, period, players, qualified)
        VALUES (new.scope, new.period, 1, new.answered >= 5)
        ON CONFLICT(scope, period) DO UPDATE SET players = players + 1,
            qualified = qualified + (new.answered >= 5);
END;
CREATE TRIGGER boards_count_qualified AFTER UPDATE OF answered ON scores
    WHEN old.answered < 5 AND new.answered >= 5 BEGIN
    UPDATE boards SET qualified = qualified + 1
        WHERE scope = new.scope AND period = new.period;
END;
