//! Databases for tests: a fresh PostgreSQL database per test, or a reason there is none.

use sqlx::{Connection, Executor};

/// The server tests use (`VELLUM_TEST_POSTGRES`, default the local trust-auth server).
pub fn postgres_admin_url() -> String {
    std::env::var("VELLUM_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// Creates an empty database with a random name and returns its URL. `Err` says why it could
/// not; callers skip outside CI and fail in CI (`CI=true`), where nothing may be skipped.
pub async fn fresh_postgres() -> Result<String, String> {
    fresh_postgres_at(&postgres_admin_url()).await
}

/// Creates an empty database with a random name on the server behind `admin` (a URL whose
/// user may create databases) and returns its URL.
pub async fn fresh_postgres_at(admin: &str) -> Result<String, String> {
    sqlx::any::install_default_drivers();
    let admin = admin.to_string();
    let mut conn = sqlx::AnyConnection::connect(&admin).await.map_err(|e| format!("PostgreSQL at {admin}: {e}"))?;
    let name = format!("vellum_test_{}", uuid_simple());
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.map_err(|e| e.to_string())?;
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
    Ok(format!("{base}/{name}"))
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
    for (i, e) in events.into_iter().enumerate() {
        let mut f = e.fields;
        f.seq = i as i64 + 1;
        let hash = event_hash(&prev, &f);
        sqlx::query(
            "INSERT INTO audit_events (chain, seq, id, at, actor_id, action, object_type, object_id, version, \
             before_json, after_json, ip, request_id, asset_id, prev_hash, hash, tag) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(chain)
        .bind(f.seq)
        .bind(&f.id)
        .bind(&f.at)
        .bind(f.actor_id.clone())
        .bind(&f.action)
        .bind(&f.object_type)
        .bind(f.object_id.clone())
        .bind(f.version)
        .bind(f.before.clone())
        .bind(f.after.clone())
        .bind(f.ip.clone())
        .bind(f.request_id.clone())
        .bind(f.asset_id.clone())
        .bind(&prev)
        .bind(&hash)
        .bind(e.tag)
        .execute(&mut *c)
        .await?;
        prev = hash;
    }
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
