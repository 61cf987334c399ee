//! Where SQLite and PostgreSQL differ, in one place.

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// Row locking for read-modify-write inside a transaction. SQLite needs none: its
    /// writers are serialised by the store before the transaction begins.
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }
}

impl Backend {
    /// Row claiming for job queues: PostgreSQL workers skip rows another worker holds;
    /// SQLite's single writer never meets a held row.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

impl Backend {
    /// The statement that makes a just-begun transaction read one consistent snapshot. SQLite
    /// in WAL mode already does: a read transaction sees the database as of its first read.
    pub fn snapshot_statement(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
        }
    }
}

/// Keys of the transaction locks below (any distinct numbers).
pub const LOCK_BOOTSTRAP: i64 = 0x7665_6c6c_0001;

impl Backend {
    /// A statement taking an exclusive lock on `key` until the transaction ends: an advisory
    /// lock on PostgreSQL, where there is no row to lock; nothing on SQLite, whose writers are
    /// serial.
    pub fn transaction_lock(self, key: i64) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(format!("SELECT pg_advisory_xact_lock({key})")),
        }
    }
}

/// The backend behind a live connection.
pub fn of(conn: &sqlx::AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_their_backend() {
        assert_eq!(Backend::from_url("sqlite://x.db?mode=rwc"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mysql://h"), None);
        assert_eq!(Backend::Sqlite.for_update(), "");
        assert_eq!(Backend::Postgres.for_update(), " FOR UPDATE");
        assert_eq!(Backend::Sqlite.skip_locked(), "");
        assert_eq!(Backend::Postgres.skip_locked(), " FOR UPDATE SKIP LOCKED");
        assert_eq!(Backend::Sqlite.snapshot_statement(), None);
        assert_eq!(Backend::Sqlite.transaction_lock(7), None);
        assert_eq!(Backend::Postgres.transaction_lock(7).as_deref(), Some("SELECT pg_advisory_xact_lock(7)"));
        assert!(Backend::Postgres.snapshot_statement().is_some_and(|s| s.contains("REPEATABLE READ")));
    }
}
