-- A comment written through an API token (an agent acting for its author).
ALTER TABLE comments ADD COLUMN via_token_id TEXT;
-- Short-lived download links an agent hands out: each use goes through the distribution gate
-- again, as the person the link was made for.
CREATE TABLE governed_links (
    token_hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_id TEXT,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    version BIGINT NOT NULL,
    rendition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX governed_links_by_expiry ON governed_links (expires_at);
