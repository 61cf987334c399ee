CREATE TABLE asset_rights (
    asset_id TEXT PRIMARY KEY REFERENCES assets (id),
    rights TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
ALTER TABLE assets ADD COLUMN archived_at TEXT;
