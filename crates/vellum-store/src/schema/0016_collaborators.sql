CREATE TABLE review_collaborators (
    review_id TEXT NOT NULL REFERENCES reviews (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (review_id, user_id)
);
CREATE INDEX review_collaborators_by_user ON review_collaborators (user_id);
CREATE TABLE decision_comments (
    review_id TEXT NOT NULL REFERENCES reviews (id),
    stage BIGINT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    comment_id TEXT NOT NULL REFERENCES comments (id),
    PRIMARY KEY (review_id, stage, user_id, comment_id)
)
