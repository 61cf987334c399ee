CREATE TABLE share_bundles (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    collection_id TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    expires_at TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    access_count BIGINT NOT NULL,
    last_access_at TEXT
);
CREATE INDEX share_bundles_by_collection ON share_bundles (collection_id, created_at);
ALTER TABLE share_links ADD COLUMN bundle_id TEXT REFERENCES share_bundles (id);
ALTER TABLE share_links ADD COLUMN bundle_position BIGINT;
CREATE INDEX share_links_by_bundle ON share_links (bundle_id, bundle_position);
CREATE TABLE bundle_unlocks (
    token_hash TEXT PRIMARY KEY,
    bundle_id TEXT NOT NULL REFERENCES share_bundles (id),
    expires_at TEXT NOT NULL
);
