CREATE TABLE presets (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, name)
);
ALTER TABLE versions ADD COLUMN focal_x DOUBLE PRECISION;
ALTER TABLE versions ADD COLUMN focal_y DOUBLE PRECISION
