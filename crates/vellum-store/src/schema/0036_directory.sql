-- Accounts a directory provisions through SCIM: its userName (lower-cased) and id for them.
CREATE TABLE directory_users (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    user_name TEXT NOT NULL UNIQUE,
    external_id TEXT,
    given_name TEXT,
    family_name TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- The directory's groups, server-wide; claim rules and linked workspace groups follow them.
CREATE TABLE directory_groups (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL UNIQUE,
    external_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE directory_group_members (
    group_id TEXT NOT NULL REFERENCES directory_groups (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX directory_group_members_user ON directory_group_members (user_id);
-- A workspace group whose members follow a directory group.
ALTER TABLE user_groups ADD COLUMN directory_group_id TEXT REFERENCES directory_groups (id);
-- The claims of an identity's last single sign-on, so rules can be applied again when the
-- directory changes between sign-ins.
ALTER TABLE external_identities ADD COLUMN claims TEXT;
