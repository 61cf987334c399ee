CREATE TABLE collections (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    owner_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    shared_with_group TEXT REFERENCES user_groups (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX collections_by_workspace ON collections (workspace_id, owner_id);
CREATE TABLE collection_items (
    collection_id TEXT NOT NULL REFERENCES collections (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    position BIGINT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (collection_id, asset_id)
);
CREATE INDEX collection_items_in_order ON collection_items (collection_id, position);
CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    owner_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    shared BIGINT NOT NULL,
    notify BIGINT NOT NULL,
    pinned BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX saved_searches_by_workspace ON saved_searches (workspace_id, owner_id);
CREATE TABLE saved_search_matches (
    saved_search_id TEXT NOT NULL REFERENCES saved_searches (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    at TEXT NOT NULL,
    PRIMARY KEY (saved_search_id, asset_id)
);
