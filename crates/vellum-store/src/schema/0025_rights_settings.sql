-- The text a workspace's watermarked previews carry (absent: the workspace's name).
CREATE TABLE workspace_watermarks (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    text TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The group whose members manage rights (told of expiries, decide download requests), and
-- how many days before a rights window or release ends its warnings go out.
ALTER TABLE workspaces ADD COLUMN rights_managers TEXT;
ALTER TABLE workspaces ADD COLUMN rights_warning_days TEXT;
-- Each warning once: per asset, the date it is about and the days before.
CREATE TABLE rights_warnings (
    asset_id TEXT NOT NULL REFERENCES assets (id),
    ends_on TEXT NOT NULL,
    days_before BIGINT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (asset_id, ends_on, days_before)
);
