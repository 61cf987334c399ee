-- A sign-in sent to the identity provider and not yet back: found by its state (hashed), used
-- once, and swept when it expires.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    next_path TEXT,
    expires_at TEXT NOT NULL
);
-- The provider's account behind a Vellum account: an issuer's subject signs in as this user.
CREATE TABLE external_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX external_identities_user ON external_identities (user_id);
-- Sessions begun through single sign-on: signing out also ends the provider's session.
ALTER TABLE sessions ADD COLUMN via_sso BIGINT NOT NULL DEFAULT 0;
-- Memberships granted by claim rules follow the rules (changed or removed when the claims
-- change); memberships granted by hand are never touched by them.
ALTER TABLE memberships ADD COLUMN managed BIGINT NOT NULL DEFAULT 0;
