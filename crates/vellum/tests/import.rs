//! `vellum import`: one asset per file, titles from file names, duplicates by content skipped
//! and reported, a re-run after an interruption duplicates nothing, and a re-run skips files
//! whose size and modification time are what it imported without reading them — on SQLite
//! and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    collections::HashSet,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, SystemTime},
};

use serde_json::json;
use support::{admin_token, json_request, wait_until, KillOnDrop, Server, PATIENCE};
use vellum_store::testing::{in_ci, TempPostgres};

fn assets(addr: &str, token: &str) -> Vec<serde_json::Value> {
    let r = json_request(addr, "GET", "/api/v1/workspaces/library/assets?limit=1000", token, json!(null)).unwrap();
    r.json()["assets"].as_array().unwrap().clone()
}

/// The assets committed so far (0 while the database or its tables do not exist yet).
async fn count_assets(url: &str) -> i64 {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let Ok(mut c) = sqlx::AnyConnection::connect(url).await else { return 0 };
    let n = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM assets").fetch_one(&mut c).await.unwrap_or(0);
    let _ = c.close().await;
    n
}

/// Writes `bytes` to `path` with a modification time an hour ago, like a folder that has sat
/// on a share for a while (a file modified moments ago is always read again, because a
/// second change within the clock's granularity would not show in its time).
fn write_old(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    set_mtime(path, SystemTime::now() - Duration::from_secs(3600));
}

fn set_mtime(path: &Path, t: SystemTime) {
    std::fs::File::options().write(true).open(path).unwrap().set_modified(t).unwrap();
}

fn photo(i: u32) -> Vec<u8> {
    (0..60_000u32).map(|b| (b.wrapping_mul(2654435761) ^ i) as u8).collect()
}

/// The story, against the database at `database_url` (the data folder's SQLite file if None).
fn import_story(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let tree = dir.path().join("tree");
    for i in 0..240 {
        let sub = tree.join(format!("batch-{}", i % 6));
        std::fs::create_dir_all(&sub).unwrap();
        write_old(&sub.join(format!("photo {i:03}.jpg")), &photo(i));
    }
    write_old(&tree.join("brief.pdf"), b"%PDF-1.4 brief");
    write_old(&tree.join("batch-0").join("copy of brief.pdf"), b"%PDF-1.4 brief");
    write_old(&tree.join(".DS_Store"), b"hidden");

    let db_args: Vec<&str> = database_url.map(|u| vec!["--database-url", u]).unwrap_or_default();
    let data_arg = data.to_str().unwrap();
    let tree_arg = tree.to_str().unwrap();
    let import = |ws: &str| {
        let mut args = vec!["import", tree_arg, "--workspace", ws, "--data", data_arg];
        args.extend(&db_args);
        support::vellum(&args)
    };

    let server = Server::start(&data, &db_args);
    let token = admin_token(&server.addr);
    let ws =
        json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Library", "slug": "library"}))
            .unwrap();
    assert_eq!(ws.status, 201);
    server.kill_9();

    // Interrupt a first import once its first rows are committed, with later files staged or
    // in flight. Where exactly the kill lands does not matter: every outcome must resume
    // cleanly.
    let db =
        database_url.map(str::to_string).unwrap_or_else(|| format!("sqlite://{}", data.join("vellum.db").display()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_vellum"))
            .args(["import", tree_arg, "--workspace", "library", "--data", data_arg])
            .args(&db_args)
            .env("VELLUM_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until("the first imported rows", PATIENCE, || {
        rt.block_on(count_assets(&db)) > 0 || child.0.try_wait().unwrap().is_some()
    });
    child.kill_9();

    let (code, out) = import("library");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("skipped"), "{out}");
    assert!(out.contains("same content as asset"), "duplicates are named: {out}");

    // Nothing changed: nothing is read again, nothing is imported.
    let (code, again) = import("library");
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("imported 0 files"), "a third run imports nothing: {again}");
    assert!(again.contains("skipped 242 duplicates (242 unchanged"), "{again}");

    // A changed file (same size, new bytes, new time) is read and imported; a touched one
    // (same bytes, new time) is read again and found to be a duplicate by content.
    let changed = tree.join("batch-1").join("photo 001.jpg");
    // One byte changed, so it matches no other photo either.
    let mut edited = photo(1);
    edited[0] ^= 0xff;
    write_old(&changed, &edited);
    let touched = tree.join("batch-2").join("photo 002.jpg");
    set_mtime(&touched, SystemTime::now() - Duration::from_secs(7200));
    let (code, fourth) = import("library");
    assert_eq!(code, 0, "{fourth}");
    assert!(fourth.contains("imported 1 files"), "{fourth}");
    assert!(fourth.contains("skipped 241 duplicates (240 unchanged"), "{fourth}");
    assert!(fourth.contains("photo 002.jpg: same content as asset"), "{fourth}");
    // And both are recorded again: the next run reads nothing.
    let (code, fifth) = import("library");
    assert_eq!(code, 0, "{fifth}");
    assert!(fifth.contains("skipped 242 duplicates (242 unchanged"), "{fifth}");

    let server = Server::start(&data, &db_args);
    let list = assets(&server.addr, &token);
    assert_eq!(list.len(), 242, "240 photos, one changed photo and one brief: the copy and the hidden file are not");
    let titles: HashSet<&str> = list.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.contains("photo 007"));
    assert!(titles.contains("brief") ^ titles.contains("copy of brief"));
    let brief = list.iter().find(|a| a["title"] == "brief" || a["title"] == "copy of brief").unwrap();
    assert_eq!(brief["kind"], "written");
    let audit =
        json_request(&server.addr, "GET", "/api/v1/workspaces/library/audit/verify", &token, json!(null)).unwrap();
    assert_eq!(audit.json()["ok"], true);
    drop(server);
    let unknown = import("nope");
    assert_ne!(unknown.0, 0);
}

#[test]
fn import_skips_duplicates_and_resumes_after_a_kill() {
    import_story(None);
}

#[test]
fn import_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = match rt.block_on(TempPostgres::fresh()) {
        Ok(db) => db,
        Err(e) if !in_ci() => {
            eprintln!("skipping the PostgreSQL run: {e}");
            return;
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    };
    import_story(Some(db.url()));
    rt.block_on(db.drop_now()).unwrap();
}
