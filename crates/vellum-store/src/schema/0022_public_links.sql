CREATE TABLE public_links (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    asset_id TEXT NOT NULL REFERENCES assets (id),
    rendition TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX public_links_by_asset ON public_links (asset_id, created_at);
CREATE TABLE public_link_hits (
    link_id TEXT NOT NULL REFERENCES public_links (id),
    day TEXT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (link_id, day)
);
