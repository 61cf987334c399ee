CREATE TABLE metadata_schemas (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    schema TEXT NOT NULL,
    revision BIGINT NOT NULL,
    updated_at TEXT NOT NULL
)
