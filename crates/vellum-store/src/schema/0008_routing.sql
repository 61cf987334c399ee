CREATE TABLE routing_rule_sets (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    revision BIGINT NOT NULL,
    rules TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (workspace_id, revision)
);
ALTER TABLE reviews ADD COLUMN routing TEXT
