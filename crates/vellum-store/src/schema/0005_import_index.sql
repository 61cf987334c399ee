CREATE TABLE imported_files (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    root TEXT NOT NULL,
    path TEXT NOT NULL,
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, root, path)
)
