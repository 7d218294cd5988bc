-- v12 (PostgreSQL twin): board sizes are counted per batch by the code that writes score rows,
-- as on SQLite, so both backends keep them one way; the statement triggers go. A leave still
-- counts down by trigger (boards_count_gone_player).
DROP TRIGGER boards_count_new_players ON scores;
DROP FUNCTION boards_count_new_players();
DROP TRIGGER boards_count_qualified ON scores;
DROP FUNCTION boards_count_qualified();
