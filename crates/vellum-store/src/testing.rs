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
