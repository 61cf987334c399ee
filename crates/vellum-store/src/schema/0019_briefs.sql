CREATE TABLE brief_templates (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    revision BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX brief_templates_by_workspace ON brief_templates (workspace_id, created_at, id);
CREATE TABLE brief_template_revisions (
    template_id TEXT NOT NULL REFERENCES brief_templates (id),
    revision BIGINT NOT NULL,
    spec TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (template_id, revision)
);
CREATE TABLE briefs (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    template_id TEXT NOT NULL REFERENCES brief_templates (id),
    template_revision BIGINT NOT NULL,
    campaign_id TEXT REFERENCES campaigns (id),
    revision BIGINT NOT NULL,
    title TEXT NOT NULL,
    fields TEXT NOT NULL,
    reference_asset_ids TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    approved_at TEXT,
    first_asset_at TEXT,
    done_at TEXT
);
CREATE INDEX briefs_by_workspace ON briefs (workspace_id, status, created_at, id);
CREATE INDEX briefs_by_campaign ON briefs (campaign_id, created_at, id);
CREATE TABLE brief_revisions (
    brief_id TEXT NOT NULL REFERENCES briefs (id),
    revision BIGINT NOT NULL,
    title TEXT NOT NULL,
    fields TEXT NOT NULL,
    reference_asset_ids TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (brief_id, revision)
);
ALTER TABLE assets ADD COLUMN brief_id TEXT REFERENCES briefs (id);
ALTER TABLE assets ADD COLUMN deliverable TEXT;
ALTER TABLE assets ADD COLUMN campaign_id TEXT REFERENCES campaigns (id);
CREATE INDEX assets_by_brief ON assets (brief_id, deliverable);
CREATE INDEX assets_by_campaign ON assets (campaign_id);
CREATE TABLE ical_feeds (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    scope TEXT NOT NULL,
    campaign_id TEXT REFERENCES campaigns (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX ical_feeds_by_user ON ical_feeds (user_id, created_at);
