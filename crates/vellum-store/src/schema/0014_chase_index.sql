ALTER TABLE reviews ADD COLUMN next_chase_at TEXT;
UPDATE reviews SET next_chase_at = created_at WHERE status = 'in_progress';
CREATE INDEX reviews_to_chase ON reviews (next_chase_at, id) WHERE status = 'in_progress'
