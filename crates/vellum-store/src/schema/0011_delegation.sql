CREATE TABLE out_of_office (
    user_id TEXT NOT NULL REFERENCES users (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    from_at TEXT NOT NULL,
    until_at TEXT NOT NULL,
    delegate_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (user_id, workspace_id)
);
CREATE INDEX out_of_office_by_delegate ON out_of_office (delegate_id, workspace_id);
ALTER TABLE decisions ADD COLUMN decided_by TEXT
