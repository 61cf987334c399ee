-- Tokens made before scopes existed keep working as full-scope tokens.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_tokens ADD COLUMN workspace_id TEXT REFERENCES workspaces (id);
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_ip TEXT;
CREATE INDEX api_tokens_by_created ON api_tokens (created_at);
-- The token a change was made with (its user is the event's actor).
ALTER TABLE audit_events ADD COLUMN token_id TEXT;
