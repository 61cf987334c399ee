CREATE TABLE workspace_calendars (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    spec TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
ALTER TABLE reviews ADD COLUMN calendar TEXT
