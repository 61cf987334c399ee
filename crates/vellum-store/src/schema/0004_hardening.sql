ALTER TABLE audit_events ADD COLUMN asset_id TEXT;
ALTER TABLE audit_events ADD COLUMN tag TEXT;
CREATE INDEX audit_by_asset ON audit_events (chain, asset_id, seq);
CREATE TABLE audit_checkpoints (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    line TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_by_time ON audit_checkpoints (at);
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE sign_in_attempts (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start TEXT NOT NULL,
    last_at TEXT NOT NULL,
    blocked_until TEXT,
    unaudited BIGINT NOT NULL,
    email TEXT,
    ip TEXT
)
