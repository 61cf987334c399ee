-- A TOTP authenticator per local-password account. The secret must be read to compute codes,
-- so it is stored as is (base32); a used step is remembered so no code works twice.
CREATE TABLE second_factors (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    last_step BIGINT
);
-- One-time recovery codes, stored hashed.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);
