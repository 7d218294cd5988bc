-- v14: a board's rank without walking the players above. score_counts holds, per board
-- (scope, period) and sort, how many score rows have each rank key (points; accuracy as
-- floor(correct * 65536 / answered), qualified rows only; the streak per last correct day;
-- mastered), at bucket widths 2^shift (0 and 8; points also 16), so a rank is 1 + a sum of at
-- most 255 buckets per width, whatever the board's size. The code that writes score rows keeps
-- it in the same transaction (boards.store.count_ranks); filled here from the rows there are.
CREATE TABLE score_counts(
    scope TEXT NOT NULL,
    period TEXT NOT NULL,
    sort TEXT NOT NULL,
    day TEXT NOT NULL,  -- streak: the rows' last correct day; '' for the other sorts
    shift INTEGER NOT NULL,
    bucket INTEGER NOT NULL,  -- rank key >> shift
    players INTEGER NOT NULL,
    PRIMARY KEY(scope, period, sort, day, shift, bucket)
) WITHOUT ROWID;
-- buckets a change emptied, deleted after each batch's changes (so reads sum occupied ones)
CREATE INDEX score_counts_empty ON score_counts(players) WHERE players = 0;
INSERT INTO score_counts(scope, period, sort, day, shift, bucket, players)
    SELECT k.scope, k.period, k.sort, k.day, w.shift, k.rank_key >> w.shift, COUNT(*)
    FROM (SELECT scope, period, 'points' AS sort, '' AS day, points AS rank_key FROM scores
          UNION ALL SELECT scope, period, 'accuracy', '',
              CAST(correct AS BIGINT) * 65536 / answered FROM scores WHERE answered >= 5
          UNION ALL SELECT scope, period, 'streak', last_correct_day, streak FROM scores
              WHERE streak > 0 AND last_correct_day IS NOT NULL
          UNION ALL SELECT scope, period, 'mastered', '', mastered FROM scores
              WHERE mastered > 0) k
    JOIN (SELECT 0 AS shift UNION ALL SELECT 8 UNION ALL SELECT 16) w
        ON w.shift < 16 OR k.sort = 'points'
    GROUP BY k.scope, k.period, k.sort, k.day, w.shift, k.rank_key >> w.shift;
