CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    objective TEXT,
    channels TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    budget TEXT,
    colour TEXT,
    owner_id TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (workspace_id, code)
);
CREATE TABLE milestones (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    channel TEXT,
    buffer_business_days BIGINT NOT NULL,
    depends_on TEXT NOT NULL,
    assignee_id TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX milestones_by_campaign ON milestones (campaign_id, due_on, id);
CREATE TABLE glossaries (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    terms TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE naming_conventions (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    pattern TEXT NOT NULL,
    mode TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
