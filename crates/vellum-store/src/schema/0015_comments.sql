CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    origin_version BIGINT NOT NULL,
    thread_id TEXT NOT NULL,
    parent_id TEXT REFERENCES comments (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    anchor TEXT,
    mentions TEXT NOT NULL,
    status TEXT NOT NULL,
    resolved_by TEXT REFERENCES users (id),
    resolved_at TEXT,
    resolved_on_version BIGINT,
    created_at TEXT NOT NULL,
    edited_at TEXT
);
CREATE INDEX comments_by_asset ON comments (asset_id, origin_version, id);
CREATE INDEX comments_by_thread ON comments (thread_id, id);
CREATE TABLE comment_edits (
    id TEXT PRIMARY KEY,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    body TEXT NOT NULL,
    edited_at TEXT NOT NULL,
    edited_by TEXT NOT NULL REFERENCES users (id)
);
CREATE INDEX comment_edits_by_comment ON comment_edits (comment_id, edited_at)
