//! The only crate that knows SQL. One schema and one set of portable statements run on
//! SQLite (the embedded default) and PostgreSQL through sqlx's `Any` driver; the few places
//! the dialects differ live in `dialect`.
//!
//! Reads take a pooled connection (`Store::conn`); writes take a transaction (`Store::write`),
//! which on SQLite also takes the single-writer lock, so concurrent requests queue instead of
//! failing with `database is locked`.

pub mod assets;
pub mod audit;
pub mod blobs;
pub mod briefs;
pub mod calendars;
pub mod campaigns;
pub mod collections;
pub mod comments;
pub mod copy;
mod dialect;
pub mod diffs;
pub mod directory;
pub mod downloads;
pub mod emails;
pub mod events;
pub mod glossaries;
pub mod governed_links;
pub mod guests;
pub mod import_index;
pub mod invitations;
pub mod jobs;
pub mod metadata_schemas;
pub mod model;
pub mod naming;
pub mod notifications;
pub mod oauth_clients;
pub mod out_of_office;
mod outbox;
pub mod planning;
pub mod proposals;
pub mod public_links;
pub mod retention;
pub mod reviews;
pub mod rights;
pub mod routing;
mod row;
pub mod schema;
pub mod search;
pub mod second_factors;
pub mod share_links;
pub mod single_sign_on;
pub mod testing;
pub mod throttle;
pub mod users;
mod values;
pub mod watermarks;
pub mod webhooks;
pub mod workflows;
pub mod workspaces;

use std::{sync::Arc, time::Duration};

use sqlx::{any::AnyPoolOptions, pool::PoolConnection, Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};
use vellum_domain::audit::AuditKey;

pub use dialect::Backend;

/// A database connection: a pooled one for reads, or a `Tx` (which derefs to it) for writes.
pub type Conn = AnyConnection;
/// A connection borrowed from the pool.
pub type PooledConn = PoolConnection<Any>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the text names the constraint or column.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is not what the schema promises: {0}")]
    Corrupt(String),
    /// PostgreSQL aborted the transaction to break a deadlock or a serialization conflict;
    /// running it again is safe and usually succeeds.
    #[error("database busy: {0}")]
    Busy(sqlx::Error),
    #[error("database: {0}")]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                Error::Conflict(d.constraint().map(str::to_string).unwrap_or_else(|| d.message().to_string()))
            }
            // deadlock_detected, serialization_failure
            sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40P01" | "40001")) => Error::Busy(e),
            _ => Error::Db(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The database: a pool plus, on SQLite, the single-writer lock.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Where it is (kept for PostgreSQL's LISTEN, which needs a connection of its own).
    url: Arc<str>,
    write_lock: Option<Arc<Mutex<()>>>,
    /// Tags every appended audit event; held outside the database (see `with_audit_key`).
    audit_key: Option<Arc<AuditKey>>,
}

/// A write transaction. Dropping it without `commit` rolls back.
pub struct Tx {
    tx: Transaction<'static, Any>,
    _guard: Option<OwnedMutexGuard<()>>,
    audit_key: Option<Arc<AuditKey>>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// The key that tags audit events appended in this transaction, if the server has one.
    pub fn audit_key(&self) -> Option<Arc<AuditKey>> {
        self.audit_key.clone()
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// A read-only snapshot (see `Store::snapshot`); derefs to a connection.
pub struct Snapshot {
    tx: Transaction<'static, Any>,
}

impl std::ops::Deref for Snapshot {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Snapshot {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Store {
    /// Connects to `sqlite://PATH` or `postgres://…` and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store> {
        let store = Store::open(url).await?;
        let applied = store.migrate().await?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied database migrations");
        }
        Ok(store)
    }

    /// Connects to a database whose schema is already what this version expects, changing
    /// nothing: for commands that only read, such as `vellum audit verify`.
    pub async fn connect_current(url: &str) -> Result<Store> {
        let store = Store::open(url).await?;
        let state = {
            let mut conn = store.conn().await?;
            schema::state(&mut conn, store.backend).await?
        };
        match state {
            schema::SchemaState::Current => Ok(store),
            schema::SchemaState::Behind(pending) => {
                store.close().await;
                Err(Error::Corrupt(format!(
                    "the database schema is older than this version of Vellum (migrations {pending:?} are not \
                     applied): run `vellum migrate` first"
                )))
            }
        }
    }

    /// Applies the migrations this database lacks, under the migration lock; returns their
    /// versions (empty when it was up to date).
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let mut tx = self.write().await?;
        let applied = schema::migrate(&mut tx, self.backend).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Connects without looking at the schema: follow with [`Store::migrate`], or use
    /// [`Store::connect`] / [`Store::connect_current`].
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_with(url, 8).await
    }

    /// A SQLite file only this process uses, on one connection, brought up to date: a backup
    /// being written. With no second connection, `settle` can take it out of WAL mode.
    pub async fn connect_alone(url: &str) -> Result<Store> {
        let store = Store::open_with(url, 1).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Folds the write-ahead log into the file and leaves WAL mode, so the file alone holds
    /// the database (to be copied elsewhere); for a store from `connect_alone`.
    pub async fn settle(&self) -> Result<()> {
        let mut c = self.conn().await?;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode = DELETE").fetch_one(&mut *c).await?;
        if mode != "delete" {
            return Err(Error::Corrupt(format!("the database stays in {mode} mode")));
        }
        Ok(())
    }

    async fn open_with(url: &str, sqlite_connections: u32) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)
            .ok_or_else(|| Error::Corrupt(format!("unsupported database URL '{}'", redact(url))))?;
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match backend {
            Backend::Sqlite => {
                options
                    .max_connections(sqlite_connections)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // FULL: a commit survives power loss, as a 2xx promises.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => options.max_connections(16).connect(url).await?,
        };
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Store { pool, backend, url: Arc::from(url), write_lock, audit_key: None })
    }

    /// Opens a SQLite file only to read it (`?mode=ro&immutable=1`), setting nothing on it,
    /// so not one byte of it changes: a backup's database while it is restored.
    pub async fn open_read_only(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        if Backend::from_url(url) != Some(Backend::Sqlite) {
            return Err(Error::Corrupt(format!("'{}' is not a SQLite file", redact(url))));
        }
        let pool = AnyPoolOptions::new().max_connections(2).connect(url).await?;
        Ok(Store { pool, backend: Backend::Sqlite, url: Arc::from(url), write_lock: None, audit_key: None })
    }

    /// The same store, tagging the audit events its transactions append with `key`.
    pub fn with_audit_key(mut self, key: Arc<AuditKey>) -> Store {
        self.audit_key = Some(key);
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// On PostgreSQL, listens for new jobs queued by any node and wakes `wake`'s waiters on
    /// each, reconnecting when the connection drops; returns once listening. None on
    /// SQLite, where workers of other processes poll.
    pub async fn listen_for_jobs(&self, wake: Arc<tokio::sync::Notify>) -> Result<Option<tokio::task::JoinHandle<()>>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(&self.url).await?;
        listener.listen(jobs::JOBS_CHANNEL).await?;
        Ok(Some(tokio::spawn(async move {
            loop {
                // `recv` reconnects by itself after a dropped connection; a notice that
                // came meanwhile is lost, which the workers' polling covers.
                match listener.recv().await {
                    Ok(_) => wake.notify_waiters(),
                    Err(e) => {
                        tracing::warn!(error = %e, "job notices interrupted; workers poll meanwhile");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        })))
    }

    /// Connections of the pool: (open, idle).
    pub fn pool_connections(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Whether every migration this binary knows has been applied.
    pub async fn schema_current(&self) -> Result<bool> {
        let mut conn = self.conn().await?;
        Ok(matches!(schema::state(&mut conn, self.backend).await?, schema::SchemaState::Current))
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> Result<PooledConn> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a write transaction (after taking the writer lock on SQLite).
    pub async fn write(&self) -> Result<Tx> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = match self.backend {
            // Other processes may write the same file (`vellum worker` or `import` beside
            // `serve`). A deferred transaction that reads first could not upgrade to a write
            // once another process committed meanwhile ("database is locked" at once, the
            // busy timeout never consulted); taking the write lock up front waits instead.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { tx, _guard: guard, audit_key: self.audit_key.clone() })
    }

    /// A read-only transaction over one consistent snapshot: what it reads belongs together
    /// even while others write (an audit chain and its head, say). Dropping it ends it.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let mut tx = self.pool.begin().await?;
        if let Some(statement) = self.backend.snapshot_statement() {
            tx.execute(statement).await?;
        }
        Ok(Snapshot { tx })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Hides a password in a database URL before it is shown anywhere.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{}:***{}", &url[..s], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_show() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("sqlite:///x.db"), "sqlite:///x.db");
    }
}
