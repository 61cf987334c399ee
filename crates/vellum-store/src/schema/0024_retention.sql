-- Retention and legal holds: a version's file can be purged while its row and the audit
-- trail stay; a blob row marked purged has no bytes until an upload of the same content
-- brings them back.
ALTER TABLE versions ADD COLUMN purged_at TEXT;
-- When a file of the asset last left Vellum (retention counts from it); filled from the trail.
ALTER TABLE assets ADD COLUMN last_distributed_at TEXT;
UPDATE assets SET last_distributed_at = (
    SELECT MAX(e.at) FROM audit_events e WHERE e.asset_id = assets.id
    AND e.action IN ('distribution.download', 'distribution.share_link', 'distribution.public_link', 'version.download')
);
ALTER TABLE blobs ADD COLUMN purged_at TEXT;
CREATE TABLE retention_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    policies TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id)
);
CREATE TABLE legal_holds (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    campaign_id TEXT REFERENCES campaigns (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    lifted_at TEXT,
    lifted_by TEXT REFERENCES users (id),
    lift_reason TEXT
);
CREATE INDEX legal_holds_by_workspace ON legal_holds (workspace_id, created_at);
CREATE TABLE legal_hold_assets (
    hold_id TEXT NOT NULL REFERENCES legal_holds (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    PRIMARY KEY (hold_id, asset_id)
);
CREATE INDEX legal_hold_assets_by_asset ON legal_hold_assets (asset_id);
CREATE TABLE purges (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    version BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    purged_at TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX purges_by_asset ON purges (asset_id, version);
