ALTER TABLE reviews ALTER COLUMN asset_id DROP NOT NULL;
ALTER TABLE reviews ADD COLUMN brief_id TEXT REFERENCES briefs (id);
CREATE INDEX reviews_by_brief ON reviews (brief_id, created_at);
