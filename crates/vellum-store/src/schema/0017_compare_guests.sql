CREATE TABLE version_diffs (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    a BIGINT NOT NULL,
    b BIGINT NOT NULL,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    state TEXT NOT NULL,
    kind TEXT NOT NULL,
    pages TEXT,
    text_diff TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    computed_at TEXT,
    PRIMARY KEY (asset_id, a, b)
);
CREATE TABLE diff_heatmaps (
    asset_id TEXT NOT NULL,
    a BIGINT NOT NULL,
    b BIGINT NOT NULL,
    page BIGINT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (asset_id, a, b, page),
    FOREIGN KEY (asset_id, a, b) REFERENCES version_diffs (asset_id, a, b)
);
ALTER TABLE workspaces ADD COLUMN frame_offset BIGINT NOT NULL DEFAULT 0;
CREATE TABLE review_guests (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX review_guests_by_review ON review_guests (review_id, id);
