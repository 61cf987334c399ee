ALTER TABLE assets ADD COLUMN folder TEXT;
CREATE INDEX assets_by_folder ON assets (workspace_id, folder)
