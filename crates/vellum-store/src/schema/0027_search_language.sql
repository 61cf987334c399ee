ALTER TABLE workspaces ADD COLUMN search_language TEXT NOT NULL DEFAULT 'en';
CREATE TABLE search_told (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    seq BIGINT NOT NULL
);
