//! `vellum migrate` and the migration runner from outside: several nodes migrating one
//! database at once apply each migration exactly once, an edited migration is refused, and
//! `vellum audit verify` never migrates the database it judges — on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use sqlx::Row;

fn vellum(args: &[&str], data: &Path, db: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vellum"));
    // A fixed key: verification needs one, and a fresh folder has none yet.
    cmd.args(args).arg("--data").arg(data).env("VELLUM_LOG", "warn").env("VELLUM_AUDIT_KEY", "ab".repeat(32));
    if let Some(url) = db {
        cmd.args(["--database-url", url]);
    }
    cmd.output().expect("run vellum")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).to_string(), String::from_utf8_lossy(&o.stderr).to_string())
}

async fn query_count(url: &str, sql: &str) -> i64 {
    let store = vellum_store::Store::open(url).await.unwrap();
    let mut conn = store.conn().await.unwrap();
    let n: i64 = sqlx::query(sql).fetch_one(&mut *conn).await.unwrap().try_get(0).unwrap();
    drop(conn);
    store.close().await;
    n
}

async fn execute(url: &str, sql: &str) {
    let store = vellum_store::Store::open(url).await.unwrap();
    let mut tx = store.write().await.unwrap();
    vellum_store::testing::execute(&mut tx, sql).await.unwrap();
    tx.commit().await.unwrap();
    store.close().await;
}

async fn story(data: &Path, url: &str, db: Option<&str>) {
    let known = vellum_store::schema::MIGRATIONS.len() as i64;
    let tables = match db {
        None => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        Some(_) => "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'",
    };

    // Verification on a database that was never migrated refuses, and leaves it untouched.
    let out = vellum(&["audit", "verify"], data, db);
    let (_, err) = text(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("vellum migrate"), "{err}");
    assert_eq!(query_count(url, tables).await, 0, "audit verify created the schema");

    // Three nodes start together: each migration is applied once, and all three succeed.
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let data = data.to_path_buf();
            let db = db.map(str::to_string);
            std::thread::spawn(move || vellum(&["migrate"], &data, db.as_deref()))
        })
        .collect();
    let outs: Vec<Output> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for o in &outs {
        assert_eq!(o.status.code(), Some(0), "{:?}", text(o));
    }
    let applied = outs.iter().filter(|o| text(o).0.contains(&format!("applied {known} migration(s)"))).count();
    let current = outs.iter().filter(|o| text(o).0.contains(&format!("up to date at version {known}"))).count();
    assert_eq!((applied, current), (1, 2), "{:?}", outs.iter().map(text).collect::<Vec<_>>());
    assert_eq!(query_count(url, "SELECT COUNT(*) FROM schema_migrations WHERE checksum IS NOT NULL").await, known);

    // Now verification reads it.
    let out = vellum(&["audit", "verify"], data, db);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    // A migration file changed after it was applied is refused by name, by every command.
    execute(url, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 3").await;
    for args in [&["migrate"][..], &["audit", "verify"][..]] {
        let out = vellum(args, data, db);
        let (_, err) = text(&out);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(err.contains("migration 3") && err.contains("changed after it was applied"), "{args:?}: {err}");
    }

    // A newer Vellum's expand step: this version runs beside it (a rolling upgrade).
    execute(url, "UPDATE schema_migrations SET checksum = NULL WHERE version = 3").await;
    execute(url, "INSERT INTO schema_migrations (version, applied_at) VALUES (999, '2030-01-01T00:00:00Z')").await;
    let out = vellum(&["migrate"], data, db);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    // Its contract step: this version refuses, naming the migration, and touches nothing.
    execute(url, "UPDATE schema_migrations SET contract = 1 WHERE version = 999").await;
    let out = vellum(&["migrate"], data, db);
    let (_, err) = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("migration 999") && err.contains("contracted by a newer Vellum"), "{err}");
    execute(url, "DELETE FROM schema_migrations WHERE version = 999").await;
    execute(url, "UPDATE schema_migrations SET checksum = NULL WHERE version = 3").await;

    // A database from before checksums were kept gets them, and is otherwise left alone.
    let out = vellum(&["migrate"], data, db);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("up to date"), "{:?}", text(&out));
    assert_eq!(query_count(url, "SELECT COUNT(*) FROM schema_migrations WHERE checksum IS NOT NULL").await, known);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("vellum.db").display());
    story(dir.path(), &url, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_on_postgres() {
    match vellum_store::testing::TempPostgres::fresh().await {
        Ok(db) => {
            let dir = tempfile::tempdir().unwrap();
            story(dir.path(), db.url(), Some(db.url())).await;
        }
        Err(e) if !vellum_store::testing::in_ci() => eprintln!("skipping the PostgreSQL run: {e}"),
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
}

/// With `VELLUM_LOG_FORMAT=json` every log line is one JSON object a collector can read.
#[test]
fn logs_are_json_lines_when_asked() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("VELLUM_LOG", "info")
        .env("VELLUM_LOG_FORMAT", "json")
        .env("VELLUM_ADMIN_EMAIL", "admin@example.com")
        .env("VELLUM_ADMIN_PASSWORD", "admin-password-1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Started once it says where it listens; its start-up has been logged by then.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 && !line.contains("listening on") {
        line.clear();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let lines: Vec<serde_json::Value> =
        err.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(
        lines.iter().any(|l| l["level"] == "INFO" && l["fields"]["message"] == "applied database migrations"),
        "{err}"
    );
}

/// `serve --migrate off` starts only on a schema that is already current.
#[test]
fn serve_without_migrating_waits_for_vellum_migrate() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let serve = || {
        Command::new(env!("CARGO_BIN_EXE_vellum"))
            .args(["serve", "--migrate", "off", "--listen", "127.0.0.1:0", "--data"])
            .arg(dir.path())
            .env("VELLUM_LOG", "warn")
            .env("VELLUM_ADMIN_EMAIL", "admin@example.com")
            .env("VELLUM_ADMIN_PASSWORD", "admin-password-1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let refused = serve().wait_with_output().unwrap();
    let (_, err) = text(&refused);
    assert_ne!(refused.status.code(), Some(0), "{err}");
    assert!(err.contains("run `vellum migrate` first"), "{err}");
    assert_eq!(vellum(&["migrate"], dir.path(), None).status.code(), Some(0));
    let mut started = serve();
    let mut out = BufReader::new(started.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 && !line.contains("listening on") {
        line.clear();
    }
    started.kill().unwrap();
    started.wait().unwrap();
    assert!(line.contains("listening on"), "{line}");
}

/// `--config FILE`: its settings are used, and a key that names no setting refuses to start.
#[test]
fn a_configuration_file_sets_what_flags_leave() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("from-config");
    let file = dir.path().join("vellum.toml");
    std::fs::write(&file, format!("data = {:?}\nmigrate = \"auto\"\n", data.display().to_string())).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["migrate", "--config"])
        .arg(&file)
        .env("VELLUM_LOG", "warn")
        .env_remove("VELLUM_DATA")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(data.join("vellum.db").exists(), "the data folder came from the file");
    std::fs::write(&file, "data = \"x\"\nlisten_adress = \"0.0.0.0:80\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vellum")).args(["migrate", "--config"]).arg(&file).output().unwrap();
    let (_, err) = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("'listen_adress' is not a setting"), "{err}");
}
