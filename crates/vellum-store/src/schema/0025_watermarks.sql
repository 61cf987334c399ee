-- The text a workspace's watermarked previews carry (absent: the workspace's name).
CREATE TABLE workspace_watermarks (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
