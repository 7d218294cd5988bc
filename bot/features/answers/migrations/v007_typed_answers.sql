-- v6: typed answers. A typed-answer question has no choices, so its answer row keeps what the
-- learner typed in `typed` and `choice` = -1 ("no choice picked"); `correct` says right or
-- wrong as for every answer. Choice answers keep `typed` NULL. Code that indexes a question's
-- choices by `choice` (daily counts per choice, a group's most-picked wrong choice) skips -1.
ALTER TABLE answers ADD COLUMN typed TEXT;
