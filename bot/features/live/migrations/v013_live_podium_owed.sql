-- v13 (live): a session ends before its podium is posted. The runner marks it ended (the
-- channel is free at once: a new quiz night started right after the podium is never refused)
-- with its podium owed and why it ended; the owner keeps its lease until the podium is posted,
-- and a runner that adopts a session whose podium is still owed (its owner stopped or died)
-- posts it.
ALTER TABLE live_sessions ADD COLUMN podium_owed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE live_sessions ADD COLUMN end_detail TEXT NOT NULL DEFAULT '';
CREATE INDEX live_sessions_podium_owed ON live_sessions(platform) WHERE podium_owed = 1;
