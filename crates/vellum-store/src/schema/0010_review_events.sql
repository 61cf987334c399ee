CREATE TABLE review_events (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES reviews (id),
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    user_id TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL,
    unique_key TEXT UNIQUE
);
CREATE INDEX review_events_by_review ON review_events (review_id, at)
