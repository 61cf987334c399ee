-- A person signs in; a service account is an OAuth client's identity (no password, no UI).
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person';
CREATE TABLE oauth_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    -- The service account the client acts as.
    user_id TEXT NOT NULL REFERENCES users (id),
    scope TEXT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
