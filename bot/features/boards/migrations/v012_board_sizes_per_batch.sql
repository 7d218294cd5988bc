-- v12: board sizes are counted per batch by the code that writes score rows (the trailing
-- answer step, a group join), one upsert per board, instead of by row triggers on the score
-- upsert: SQLite ran both triggers once per score row, each with its own statement journal,
-- about half of the score rows' cost. The counts carry on as the triggers left them; a leave
-- (rare, off the answer path) still counts down by trigger.
DROP TRIGGER boards_count_new_player;
DROP TRIGGER boards_count_qualified;
