-- A session signed in while the server requires a second factor the account lacks: it may
-- only enrol one (and sign out) until it does.
ALTER TABLE sessions ADD COLUMN must_enrol BIGINT NOT NULL DEFAULT 0;
