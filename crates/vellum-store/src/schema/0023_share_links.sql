CREATE TABLE share_links (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    version BIGINT,
    rendition TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    allow_download BIGINT NOT NULL,
    watermark BIGINT NOT NULL,
    recipient_email TEXT,
    expires_at TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    access_count BIGINT NOT NULL,
    last_access_at TEXT
);
CREATE INDEX share_links_by_asset ON share_links (asset_id, created_at);
CREATE TABLE share_unlocks (
    token_hash TEXT PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES share_links (id),
    expires_at TEXT NOT NULL
);
