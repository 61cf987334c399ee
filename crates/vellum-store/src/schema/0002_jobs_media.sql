CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    unique_key TEXT NOT NULL UNIQUE,
    workspace_id TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_at TEXT NOT NULL,
    claimed_by TEXT,
    heartbeat_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX jobs_ready ON jobs (queue, state, run_at);
CREATE INDEX jobs_by_workspace ON jobs (workspace_id, state, created_at);
ALTER TABLE workspaces ADD COLUMN keep_gps BIGINT NOT NULL DEFAULT 0;
ALTER TABLE versions ADD COLUMN processing TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE versions ADD COLUMN processing_reason TEXT;
ALTER TABLE versions ADD COLUMN media TEXT;
CREATE TABLE renditions (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (asset_id, version, name)
)
