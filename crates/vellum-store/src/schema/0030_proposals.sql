CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL,
    -- What it is about: an asset, or the workspace for a new brief.
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    -- The asset version it was made against (None for a brief).
    version BIGINT,
    change_json TEXT NOT NULL,
    -- The values the changed fields had when it was made.
    before_json TEXT,
    rationale TEXT NOT NULL,
    token_id TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TEXT,
    reason TEXT,
    -- What accepting it made (a review's or a brief's id).
    result_id TEXT
);
CREATE INDEX proposals_by_workspace ON proposals (workspace_id, status, created_at);
