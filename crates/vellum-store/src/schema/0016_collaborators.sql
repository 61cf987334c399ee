CREATE TABLE review_collaborators (
    review_id TEXT NOT NULL REFERENCES reviews (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (review_id, user_id)
);
CREATE INDEX review_collaborators_by_user ON review_collaborators (user_id)
