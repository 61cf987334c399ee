-- SQLite cannot drop a NOT NULL: the table is rebuilt. The rows that point at reviews stay
-- orphaned only inside this transaction (foreign keys are checked at its commit), and the
-- copy back gives each of them its parent again.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE reviews_copy AS SELECT * FROM reviews;
DROP TABLE reviews;
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    asset_id TEXT REFERENCES assets (id),
    version BIGINT NOT NULL,
    workflow_id TEXT NOT NULL REFERENCES workflows (id),
    workflow_revision BIGINT NOT NULL,
    plan TEXT NOT NULL,
    status TEXT NOT NULL,
    started_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    closed_at TEXT,
    routing TEXT,
    calendar TEXT,
    next_chase_at TEXT,
    brief_id TEXT REFERENCES briefs (id)
);
INSERT INTO reviews (id, workspace_id, asset_id, version, workflow_id, workflow_revision, plan, status,
    started_by, created_at, closed_at, routing, calendar, next_chase_at)
SELECT id, workspace_id, asset_id, version, workflow_id, workflow_revision, plan, status,
    started_by, created_at, closed_at, routing, calendar, next_chase_at FROM reviews_copy;
DROP TABLE reviews_copy;
CREATE INDEX reviews_by_asset ON reviews (asset_id, created_at);
CREATE INDEX reviews_to_chase ON reviews (next_chase_at, id) WHERE status = 'in_progress';
CREATE INDEX reviews_by_brief ON reviews (brief_id, created_at);
