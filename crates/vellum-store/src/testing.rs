//! Databases for tests: a fresh PostgreSQL database per test, dropped again when the test
//! ends, or a reason there is none.

use std::time::Duration;

use sqlx::{Connection, Executor};

/// The server tests use (`VELLUM_TEST_POSTGRES`, default the local trust-auth server).
pub fn postgres_admin_url() -> String {
    std::env::var("VELLUM_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// Creates an empty database with a random name and returns its URL. `Err` says why it could
/// not; callers skip outside CI and fail in CI (`CI=true`), where nothing may be skipped.
/// Nothing drops it: prefer [`TempPostgres`], which does.
pub async fn fresh_postgres() -> Result<String, String> {
    fresh_postgres_at(&postgres_admin_url()).await
}

/// Creates an empty database with a random name on the server behind `admin` (a URL whose
/// user may create databases) and returns its URL.
pub async fn fresh_postgres_at(admin: &str) -> Result<String, String> {
    let name = format!("vellum_test_{}", uuid_simple());
    create(admin, &name).await?;
    Ok(database_url(admin, &name))
}

/// A PostgreSQL database made for one test. Dropping the value drops the database (closing
/// any sessions still open on it, such as a pool the test forgot to close), also when the
/// test panics.
///
/// ```no_run
/// # async fn a_test() -> Result<(), String> {
/// use vellum_store::{testing::TempPostgres, Store};
/// let db = TempPostgres::fresh().await?; // Err: no server (skip outside CI, fail in CI)
/// let store = Store::connect(db.url()).await.map_err(|e| e.to_string())?;
/// // … the test …
/// # Ok(())
/// # } // `db` goes out of scope here: DROP DATABASE … WITH (FORCE)
/// ```
#[derive(Debug)]
pub struct TempPostgres {
    admin: String,
    name: String,
    url: String,
}

impl TempPostgres {
    /// A new empty database on the test server ([`postgres_admin_url`]).
    pub async fn fresh() -> Result<TempPostgres, String> {
        TempPostgres::fresh_at(&postgres_admin_url()).await
    }

    /// A new empty database on the server behind `admin`.
    pub async fn fresh_at(admin: &str) -> Result<TempPostgres, String> {
        let name = format!("vellum_test_{}", uuid_simple());
        create(admin, &name).await?;
        Ok(TempPostgres { url: database_url(admin, &name), admin: admin.to_string(), name })
    }

    /// The database's URL, for `Store::connect` or a `--database-url` flag.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database now and says whether that worked (dropping the value does the same,
    /// but can only log a failure).
    pub async fn drop_now(mut self) -> Result<(), String> {
        let name = std::mem::take(&mut self.name);
        drop_database_at(&self.admin, &name).await
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        if self.name.is_empty() {
            return;
        }
        let (admin, name) = (self.admin.clone(), std::mem::take(&mut self.name));
        // Drop may run inside a test's runtime, where blocking on a future is not allowed: a
        // thread of its own with its own small runtime works everywhere.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            rt.block_on(drop_database_at(&admin, &name))
        })
        .join();
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop the test database: {e}"),
            Err(_) => eprintln!("could not drop the test database: the dropping thread panicked"),
        }
    }
}

/// Drops database `name` on the server behind `admin`, ending its open sessions first
/// (`WITH (FORCE)`, PostgreSQL 13 and later). A database that is already gone is fine.
pub async fn drop_database_at(admin: &str, name: &str) -> Result<(), String> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(format!("'{name}' is not a test database name"));
    }
    let work = async {
        let mut conn = connect(admin).await?;
        conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
            .await
            .map_err(|e| format!("DROP DATABASE {name}: {e}"))?;
        let _ = conn.close().await;
        Ok(())
    };
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .map_err(|_| format!("DROP DATABASE {name} did not finish within 30 s"))?
}

async fn connect(admin: &str) -> Result<sqlx::AnyConnection, String> {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(admin).await.map_err(|e| format!("PostgreSQL at {}: {e}", crate::redact(admin)))
}

async fn create(admin: &str, name: &str) -> Result<(), String> {
    let mut conn = connect(admin).await?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.map_err(|e| e.to_string())?;
    let _ = conn.close().await;
    Ok(())
}

/// The URL of database `name` on the server behind `admin`.
fn database_url(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}

fn uuid_simple() -> String {
    vellum_domain::id::new_id().simple().to_string()
}

/// Whether a missing prerequisite must fail the run instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// What someone with write access to the database can do to a chain after editing or deleting
/// its rows: number the remaining events 1…n in their order, recompute every link and hash,
/// and move the head to match. Tags stay as they were: making new ones needs the audit key.
/// For tests that prove such tampering is still caught.
pub async fn recompute_chain(c: &mut sqlx::AnyConnection, chain: &str) -> crate::Result<()> {
    use vellum_domain::audit::{event_hash, GENESIS};
    let events =
        crate::audit::list(&mut *c, chain, &crate::audit::AuditFilter { limit: 100_000, ..Default::default() }).await?;
    sqlx::query("DELETE FROM audit_events WHERE chain = $1").bind(chain).execute(&mut *c).await?;
    let mut prev = GENESIS.to_string();
    let mut rewritten = Vec::with_capacity(events.len());
    for (i, mut e) in events.into_iter().enumerate() {
        e.fields.seq = i as i64 + 1;
        e.hash = event_hash(&prev, &e.fields);
        e.prev_hash = std::mem::replace(&mut prev, e.hash.clone());
        rewritten.push(e);
    }
    crate::audit::insert_events(&mut *c, &rewritten).await?;
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE chain = $1").bind(chain).fetch_one(&mut *c).await?;
    sqlx::query("UPDATE audit_heads SET seq = $1, hash = $2 WHERE chain = $3")
        .bind(n)
        .bind(&prev)
        .bind(chain)
        .execute(c)
        .await?;
    Ok(())
}

/// Runs one raw statement (tests that play an attacker with database access).
pub async fn execute(c: &mut sqlx::AnyConnection, sql: &str) -> crate::Result<u64> {
    Ok(sqlx::query(sql).execute(c).await?.rows_affected())
}

/// Refreshes the planner's statistics (benchmarks measure what a server that has run for a
/// while would do).
pub async fn analyze(c: &mut sqlx::AnyConnection) -> crate::Result<()> {
    sqlx::query("ANALYZE").execute(c).await?;
    Ok(())
}
