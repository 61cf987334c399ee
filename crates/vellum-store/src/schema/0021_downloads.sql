CREATE TABLE download_policies (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    spec TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE download_requests (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    version BIGINT,
    rendition TEXT,
    purpose TEXT NOT NULL,
    requester_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT REFERENCES users (id),
    reason TEXT
);
CREATE INDEX download_requests_by_workspace ON download_requests (workspace_id, status, created_at);
CREATE TABLE download_grants (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES download_requests (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    version BIGINT,
    user_id TEXT NOT NULL REFERENCES users (id),
    expires_at TEXT NOT NULL,
    max_downloads BIGINT,
    downloads BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX download_grants_by_user ON download_grants (user_id, asset_id);
