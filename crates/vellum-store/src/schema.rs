//! The schema, as numbered migrations written in the SQL both databases accept, and the
//! runner that applies them: each file whole (never split on `;`), its checksum recorded and
//! compared on every start, under a lock so that two nodes starting together cannot race.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Executor, Row};

use crate::{Backend, Error, Result};

/// One migration: its number, its name and its SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    /// What only one database says its own way, run after `sql` (empty for most migrations):
    /// SQLite, for instance, rebuilds a table where PostgreSQL alters a column.
    pub sqlite: &'static str,
    pub postgres: &'static str,
    /// A contract step (dropping what older versions still use): once applied, a binary
    /// that does not know it refuses to start. Other migrations only expand the schema, so an
    /// older binary keeps running beside a newer one during a rolling upgrade.
    pub contract: bool,
}

impl Migration {
    /// SHA-256 of the SQL, hex: a file edited after it was applied no longer matches.
    pub fn checksum(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.sql.as_bytes());
        // Only migrations with per-database parts hash them, so the checksums recorded for
        // the others stay what they were.
        if !self.sqlite.is_empty() || !self.postgres.is_empty() {
            h.update(b"\0sqlite\0");
            h.update(self.sqlite.as_bytes());
            h.update(b"\0postgres\0");
            h.update(self.postgres.as_bytes());
        }
        hex::encode(h.finalize())
    }

    fn own_sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("schema/", $name, ".sql")),
            sqlite: "",
            postgres: "",
            contract: false,
        }
    };
    ($version:literal, $name:literal, per_database) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("schema/", $name, ".sql")),
            sqlite: include_str!(concat!("schema/", $name, ".sqlite.sql")),
            postgres: include_str!(concat!("schema/", $name, ".postgres.sql")),
            contract: false,
        }
    };
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_core"),
    migration!(2, "0002_jobs_media"),
    migration!(3, "0003_presets"),
    migration!(4, "0004_hardening"),
    migration!(5, "0005_import_index"),
    migration!(6, "0006_asset_folder"),
    migration!(7, "0007_metadata_schema"),
    migration!(8, "0008_routing"),
    migration!(9, "0009_calendar"),
    migration!(10, "0010_review_events"),
    migration!(11, "0011_delegation"),
    migration!(12, "0012_supervisor"),
    migration!(13, "0013_notifications"),
    migration!(14, "0014_chase_index"),
    migration!(15, "0015_comments"),
    migration!(16, "0016_collaborators"),
    migration!(17, "0017_compare_guests"),
    migration!(18, "0018_campaigns"),
    migration!(19, "0019_briefs", per_database),
    migration!(20, "0020_rights"),
    migration!(21, "0021_downloads"),
    migration!(22, "0022_public_links"),
    migration!(23, "0023_share_links"),
    migration!(24, "0024_retention"),
    migration!(25, "0025_rights_settings"),
    migration!(26, "0026_collections"),
    migration!(27, "0027_search_language"),
    migration!(28, "0028_share_bundles"),
    migration!(29, "0029_scoped_tokens"),
    migration!(30, "0030_proposals"),
    migration!(31, "0031_agents"),
    migration!(32, "0032_service_clients"),
    migration!(33, "0033_second_factor"),
    migration!(34, "0034_second_factor_required"),
    migration!(35, "0035_single_sign_on"),
    migration!(36, "0036_directory"),
];

/// Any fixed number: the key of the PostgreSQL advisory lock the runner holds.
const MIGRATION_LOCK: i64 = 0x7665_6c6c_756d; // "vellum"

/// What a database's recorded migrations say against the ones this binary knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// Every known migration is applied, with the same checksum.
    Current,
    /// These versions are not applied yet.
    Behind(Vec<i64>),
}

/// One row of `schema_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Applied {
    version: i64,
    checksum: Option<String>,
    contract: bool,
}

/// Applies every migration not yet recorded, inside the caller's write transaction; returns
/// the versions it applied. Refuses a database that records a migration this binary does not
/// know (a newer Vellum wrote it) or whose recorded checksum differs from the file's.
pub async fn migrate(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<i64>> {
    migrate_with(conn, backend, MIGRATIONS).await
}

pub(crate) async fn migrate_with(conn: &mut AnyConnection, backend: Backend, known: &[Migration]) -> Result<Vec<i64>> {
    if backend == Backend::Postgres {
        // Held until the transaction ends: a second node waits here, then finds the work done.
        // (SQLite's write transaction is already exclusive across processes.)
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await?;
    }
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL, checksum TEXT)",
    )
    .await?;
    add_column(conn, backend, "checksum", "TEXT").await?;
    add_column(conn, backend, "contract", "BIGINT NOT NULL DEFAULT 0").await?;
    let applied = applied(conn, true).await?;
    let pending = check(&applied, known)?;
    let newer = newer_expansions(&applied, known);
    if !newer.is_empty() {
        tracing::warn!(?newer, "the database has expand migrations of a newer Vellum; running beside it");
    }
    for m in known.iter().filter(|m| pending.contains(&m.version)) {
        // The whole file in one go: a `;` inside a string or a trigger body stays where it is.
        sqlx::raw_sql(m.sql).execute(&mut *conn).await?;
        let own = m.own_sql(backend);
        if !own.is_empty() {
            sqlx::raw_sql(own).execute(&mut *conn).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at, checksum, contract) VALUES ($1, $2, $3, $4)")
            .bind(m.version)
            .bind(vellum_domain::Timestamp::now().to_string())
            .bind(m.checksum())
            .bind(i64::from(m.contract))
            .execute(&mut *conn)
            .await?;
    }
    // Databases migrated before checksums were recorded: the files are the ones applied.
    for m in known.iter().filter(|m| applied.iter().any(|a| a.version == m.version && a.checksum.is_none())) {
        sqlx::query("UPDATE schema_migrations SET checksum = $1 WHERE version = $2")
            .bind(m.checksum())
            .bind(m.version)
            .execute(&mut *conn)
            .await?;
    }
    Ok(pending)
}

/// Reads the schema's state without changing anything: for commands that must not migrate.
pub async fn state(conn: &mut AnyConnection, backend: Backend) -> Result<SchemaState> {
    let exists = match backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        }
    };
    let count: i64 = sqlx::query(exists).fetch_one(&mut *conn).await?.try_get(0)?;
    if count == 0 {
        return Ok(SchemaState::Behind(MIGRATIONS.iter().map(|m| m.version).collect()));
    }
    let with_checksums = has_column(conn, backend, "checksum").await?;
    let applied = if with_checksums {
        let with_contract = has_column(conn, backend, "contract").await?;
        applied(conn, with_contract).await?
    } else {
        let rows = sqlx::query("SELECT version FROM schema_migrations").fetch_all(&mut *conn).await?;
        rows.iter()
            .map(|r| Ok(Applied { version: r.try_get(0)?, checksum: None, contract: false }))
            .collect::<Result<_>>()?
    };
    let pending = check(&applied, MIGRATIONS)?;
    Ok(if pending.is_empty() { SchemaState::Current } else { SchemaState::Behind(pending) })
}

/// The versions still to apply, or why this database must not be touched.
fn check(applied: &[Applied], known: &[Migration]) -> Result<Vec<i64>> {
    for a in applied {
        let Some(m) = known.iter().find(|m| m.version == a.version) else {
            if !a.contract {
                // An expand step of a newer Vellum: this version runs beside it.
                continue;
            }
            return Err(Error::Corrupt(format!(
                "the database schema was contracted by a newer Vellum (migration {}), which this version \
                 does not know: run that version or a newer one",
                a.version
            )));
        };
        if let Some(recorded) = &a.checksum {
            if *recorded != m.checksum() {
                return Err(Error::Corrupt(format!(
                    "migration {} ({}) was changed after it was applied: recorded checksum {recorded}, \
                     this version's {}",
                    m.version,
                    m.name,
                    m.checksum()
                )));
            }
        }
    }
    Ok(known.iter().map(|m| m.version).filter(|v| !applied.iter().any(|a| a.version == *v)).collect())
}

/// Migrations a newer Vellum applied that this version does not know (expand steps only:
/// a contract step refuses before this is asked).
fn newer_expansions(applied: &[Applied], known: &[Migration]) -> Vec<i64> {
    applied.iter().map(|a| a.version).filter(|v| !known.iter().any(|m| m.version == *v)).collect()
}

async fn applied(conn: &mut AnyConnection, with_contract: bool) -> Result<Vec<Applied>> {
    let contract = if with_contract { "contract" } else { "CAST(0 AS BIGINT)" };
    let sql = format!("SELECT version, checksum, {contract} AS contract FROM schema_migrations ORDER BY version");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let contract: i64 = r.try_get(2)?;
            Ok(Applied { version: r.try_get(0)?, checksum: r.try_get(1)?, contract: contract != 0 })
        })
        .collect()
}

async fn has_column(conn: &mut AnyConnection, backend: Backend, column: &str) -> Result<bool> {
    let sql = match backend {
        Backend::Sqlite => "SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = $1",
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = 'schema_migrations' AND column_name = $1"
        }
    };
    let n: i64 = sqlx::query(sql).bind(column).fetch_one(&mut *conn).await?.try_get(0)?;
    Ok(n > 0)
}

/// Databases made before a column of the runner's own table existed lack it.
async fn add_column(conn: &mut AnyConnection, backend: Backend, column: &str, kind: &str) -> Result<()> {
    if !has_column(conn, backend, column).await? {
        conn.execute(format!("ALTER TABLE schema_migrations ADD COLUMN {column} {kind}").as_str()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(version: i64, sql: &'static str) -> Migration {
        Migration { version, name: "t", sql, sqlite: "", postgres: "", contract: false }
    }

    fn applied(version: i64, checksum: Option<String>) -> Applied {
        Applied { version, checksum, contract: false }
    }

    #[test]
    fn pending_are_the_unrecorded_versions_in_order() {
        let known = [m(1, "a"), m(2, "b"), m(3, "c")];
        let done = [applied(1, Some(known[0].checksum())), applied(2, None)];
        assert_eq!(check(&done, &known).unwrap(), vec![3]);
    }

    #[test]
    fn an_edited_migration_is_refused() {
        let known = [m(1, "CREATE TABLE a (x INT)")];
        let done = [applied(1, Some(m(1, "CREATE TABLE a (y INT)").checksum()))];
        let e = check(&done, &known).unwrap_err().to_string();
        assert!(e.contains("migration 1") && e.contains("changed after it was applied"), "{e}");
    }

    #[test]
    fn a_newer_expansion_runs_beside_and_a_newer_contraction_refuses() {
        let known = [m(1, "a")];
        let expanded = [applied(1, None), applied(2, None)];
        assert_eq!(check(&expanded, &known).unwrap(), Vec::<i64>::new());
        assert_eq!(newer_expansions(&expanded, &known), vec![2]);
        let contracted = [applied(1, None), applied(2, None), Applied { version: 3, checksum: None, contract: true }];
        let e = check(&contracted, &known).unwrap_err().to_string();
        assert!(e.contains("migration 3") && e.contains("contracted by a newer Vellum"), "{e}");
    }

    #[tokio::test]
    async fn an_older_binary_starts_on_an_expanded_schema_and_not_on_a_contracted_one() {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect("sqlite::memory:").await.unwrap();
        let old = [m(1, "CREATE TABLE a (x INT);")];
        let expand = m(2, "ALTER TABLE a ADD COLUMN y INT;");
        let contract = Migration { contract: true, ..m(3, "CREATE TABLE b (z INT);") };
        migrate_with(&mut conn, Backend::Sqlite, &[old[0], expand]).await.unwrap();
        assert!(migrate_with(&mut conn, Backend::Sqlite, &old).await.unwrap().is_empty());
        migrate_with(&mut conn, Backend::Sqlite, &[old[0], expand, contract]).await.unwrap();
        let e = migrate_with(&mut conn, Backend::Sqlite, &old).await.unwrap_err().to_string();
        assert!(e.contains("migration 3"), "{e}");
        // The newer binary itself is content.
        assert!(migrate_with(&mut conn, Backend::Sqlite, &[old[0], expand, contract]).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_semicolon_inside_a_statement_stays_in_it() {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect("sqlite::memory:").await.unwrap();
        let known =
            [m(1, "CREATE TABLE notes (body TEXT NOT NULL);\nINSERT INTO notes (body) VALUES ('first; second');\n")];
        assert_eq!(migrate_with(&mut conn, Backend::Sqlite, &known).await.unwrap(), vec![1]);
        let body: String = sqlx::query("SELECT body FROM notes").fetch_one(&mut conn).await.unwrap().get(0);
        assert_eq!(body, "first; second");
        // Applied once: the second run finds nothing to do and the checksum recorded.
        assert!(migrate_with(&mut conn, Backend::Sqlite, &known).await.unwrap().is_empty());
        let recorded: String =
            sqlx::query("SELECT checksum FROM schema_migrations").fetch_one(&mut conn).await.unwrap().get(0);
        assert_eq!(recorded, known[0].checksum());
    }

    /// SQLite rebuilds `reviews` to let a review be of a brief: the decisions, events and
    /// collaborators that point at existing reviews must come through with their parents.
    #[tokio::test]
    async fn reviews_rebuilt_on_sqlite_keep_what_points_at_them() {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("up.db").display());
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
        let before = &MIGRATIONS[..18];
        let mut tx = conn.begin().await.unwrap();
        migrate_with(&mut tx, Backend::Sqlite, before).await.unwrap();
        let t = "2026-12-01T00:00:00.000000Z";
        for sql in [
            format!("INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES ('u', 'u@x', 'U', 'h', 0, '{t}')"),
            format!("INSERT INTO workspaces (id, name, slug, created_at) VALUES ('w', 'W', 'w', '{t}')"),
            format!("INSERT INTO assets (id, workspace_id, title, kind, metadata, status, current_version, created_by, created_at, updated_at) VALUES ('a', 'w', 'A', 'visual', '{{}}', 'in_review', 1, 'u', '{t}', '{t}')"),
            format!("INSERT INTO workflows (id, workspace_id, name, revision, created_at, updated_at) VALUES ('f', 'w', 'F', 1, '{t}', '{t}')"),
            format!("INSERT INTO reviews (id, workspace_id, asset_id, version, workflow_id, workflow_revision, plan, status, started_by, created_at, next_chase_at) VALUES ('r', 'w', 'a', 1, 'f', 1, '[]', 'in_progress', 'u', '{t}', '{t}')"),
            format!("INSERT INTO decisions (id, review_id, stage, user_id, version, verdict, decided_at) VALUES ('d', 'r', 0, 'u', 1, 'approve', '{t}')"),
        ] {
            sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();

        let mut tx = conn.begin().await.unwrap();
        let later: Vec<i64> = (19..=MIGRATIONS.len() as i64).collect();
        assert_eq!(migrate_with(&mut tx, Backend::Sqlite, MIGRATIONS).await.unwrap(), later);
        tx.commit().await.unwrap();
        let orphans = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut conn).await.unwrap();
        assert!(orphans.is_empty(), "{} rows lost their parent", orphans.len());
        let row = sqlx::query("SELECT asset_id, next_chase_at, brief_id FROM reviews WHERE id = 'r'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(row.get::<String, _>(0), "a");
        assert_eq!(row.get::<String, _>(1), t, "the chase schedule came through");
        assert!(row.get::<Option<String>, _>(2).is_none());
        // A review of no asset is now possible; one pointing at a missing asset is not.
        let bad = "INSERT INTO reviews (id, workspace_id, asset_id, version, workflow_id, workflow_revision, plan, status, started_by, created_at) VALUES ('r2', 'w', 'nope', 1, 'f', 1, '[]', 'in_progress', 'u', 'x')";
        assert!(sqlx::query(bad).execute(&mut conn).await.is_err(), "foreign keys hold on the rebuilt table");
    }

    #[test]
    fn the_migration_files_are_numbered_in_order() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
            assert!(m.name.starts_with(&format!("{:04}_", m.version)), "{}", m.name);
        }
    }
}
