ALTER TABLE memberships ADD COLUMN supervisor_id TEXT
