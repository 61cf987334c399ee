//! `vellum backup`, `backup verify`, `restore` and `migrate-store` against a real server's
//! data: a backup taken while the server runs restores byte-exact with the audit record
//! verifying; a changed file is named; the embedded default moves to PostgreSQL and back with
//! the same ids and audit heads, resuming after an interruption.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::json;
use support::{admin_token, json_request, upload, Server};

/// Runs `vellum` with arguments and extra environment; (exit code, stdout, stderr).
fn vellum(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(args)
        .env("VELLUM_LOG", "warn")
        .env_remove("VELLUM_AUDIT_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("run vellum");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn ok(args: &[&str], env: &[(&str, &str)]) -> String {
    let (code, out, err) = vellum(args, env);
    assert_eq!(code, 0, "vellum {args:?}: {out}{err}");
    out
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A workspace with assets, edits and a reply to a comment (a row pointing at its own table).
fn fill(addr: &str, token: &str, slug: &str) {
    let w = json_request(addr, "POST", "/api/v1/workspaces", token, json!({"name": slug, "slug": slug})).unwrap();
    assert_eq!(w.status, 201, "{:?}", w.json());
    for i in 0..3 {
        let name = format!("{slug}-{i}.txt");
        let a = upload(
            addr,
            &format!("/api/v1/workspaces/{slug}/assets"),
            token,
            &[("title", &name), ("kind", "visual")],
            &name,
            format!("the bytes of {name}").as_bytes(),
        )
        .unwrap();
        assert_eq!(a.status, 201, "{:?}", a.json());
        let id = a.json()["id"].as_str().unwrap().to_string();
        let r =
            json_request(addr, "PATCH", &format!("/api/v1/assets/{id}"), token, json!({"title": "Renamed"})).unwrap();
        assert_eq!(r.status, 200);
        let c = json_request(
            addr,
            "POST",
            &format!("/api/v1/assets/{id}/versions/1/comments"),
            token,
            json!({"body": "first"}),
        )
        .unwrap();
        assert_eq!(c.status, 201, "{:?}", c.json());
        let parent = c.json()["id"].as_str().unwrap().to_string();
        let reply = json!({"body": "a reply", "parent_id": parent});
        let r = json_request(addr, "POST", &format!("/api/v1/assets/{id}/versions/1/comments"), token, reply).unwrap();
        assert_eq!(r.status, 201, "{:?}", r.json());
    }
}

/// Rows per table and the audit heads of a database: what a copy must keep.
async fn picture(url: &str) -> (BTreeMap<String, u64>, Vec<(String, String, i64)>, Vec<(String, Option<String>)>) {
    let store = vellum_store::Store::open(url).await.unwrap();
    let mut c = store.conn().await.unwrap();
    let mut rows = BTreeMap::new();
    for t in vellum_store::copy::tables(&mut c, store.backend()).await.unwrap() {
        rows.insert(t.name.clone(), vellum_store::copy::count(&mut c, &t).await.unwrap());
    }
    let heads = vellum_store::audit::heads(&mut c)
        .await
        .unwrap()
        .into_iter()
        .map(|(chain, h)| (chain, h.head_hash, h.seq))
        .collect();
    use sqlx::Row;
    let comments = sqlx::query("SELECT id, parent_id FROM comments ORDER BY id")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>("id"), r.get::<Option<String>, _>("parent_id")))
        .collect();
    drop(c);
    store.close().await;
    (rows, heads, comments)
}

fn sqlite(data: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data.join("vellum.db").display())
}

/// Every blob file under `<dir>/blobs`, by name, with its bytes.
fn blob_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.join("blobs")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                if !name.starts_with('.') && name != "staging" {
                    stack.push(path);
                }
            } else if name.len() == 64 {
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_byte_exact() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let backup = root.path().join("backup");
    let server = Server::start(&data, &[]);
    let token = admin_token(&server.addr);
    fill(&server.addr, &token, "north");
    fill(&server.addr, &token, "south");

    let inside = data.join("backup");
    let (code, _, err) = vellum(&["backup", "--to", p(&inside), "--data", p(&data)], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("is inside the data folder"), "{err}");
    let out = ok(&["backup", "--to", p(&backup), "--data", p(&data)], &[]);
    assert!(out.contains("backed up"), "{out}");
    assert!(backup.join("manifest.json").is_file() && backup.join("database.sqlite").is_file());
    assert!(backup.join("audit/signing.key").is_file(), "the key is in the backup unless left out");
    let out = ok(&["backup", "verify", p(&backup)], &[]);
    assert!(out.starts_with("ok "), "{out}");

    // A second backup copies only what is new (the server stopped, so the restore below
    // can be compared with the data folder as it stays).
    fill(&server.addr, &token, "east");
    drop(server);
    let out = ok(&["backup", "--to", p(&backup), "--data", p(&data)], &[]);
    assert!(out.contains("(3 new,"), "only east's three files are new: {out}");

    // A changed blob is named, and a restore refuses the backup.
    let blobs = blob_files(&backup);
    let (name, bytes) = blobs.iter().next().unwrap();
    let path = backup.join("blobs").join(&name[..2]).join(name);
    std::fs::write(&path, b"changed").unwrap();
    let (code, out, _) = vellum(&["backup", "verify", p(&backup)], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("MISMATCH blobs/{}/{name}", &name[..2])), "{out}");
    let restored = root.path().join("restored");
    let (code, _, err) = vellum(&["restore", "--from", p(&backup), "--data", p(&restored)], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("nothing was restored"), "{err}");
    std::fs::write(&path, bytes).unwrap();

    let out = ok(&["restore", "--from", p(&backup), "--data", p(&restored)], &[]);
    assert!(out.contains("audit chains"), "{out}");
    let (rows, heads, comments) = picture(&sqlite(&data)).await;
    assert_eq!(picture(&sqlite(&restored)).await, (rows.clone(), heads, comments.clone()));
    assert!(rows["assets"] == 9 && comments.iter().filter(|(_, parent)| parent.is_some()).count() == 9);
    let source_blobs = blob_files(&data);
    assert!(!source_blobs.is_empty());
    assert_eq!(blob_files(&restored), source_blobs, "every blob byte-exact");
    assert_eq!(
        std::fs::read(restored.join("audit/signing.key")).unwrap(),
        std::fs::read(data.join("audit/signing.key")).unwrap()
    );
    let out = ok(&["audit", "verify", "--data", p(&restored)], &[]);
    assert!(!out.contains("BROKEN"), "{out}");

    // The restored folder serves: the same assets under the same ids.
    let server = Server::start(&restored, &[]);
    let token = admin_token(&server.addr);
    let list = json_request(&server.addr, "GET", "/api/v1/workspaces/north/assets", &token, json!(null)).unwrap();
    assert_eq!(list.status, 200);
    drop(server);

    // A restore into data that is not empty is refused.
    let (code, _, err) = vellum(&["restore", "--from", p(&backup), "--data", p(&data)], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("already holds data"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_without_the_key_needs_it_to_restore() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let backup = root.path().join("backup");
    let server = Server::start(&data, &[]);
    let token = admin_token(&server.addr);
    fill(&server.addr, &token, "west");
    drop(server);

    ok(&["backup", "--to", p(&backup), "--data", p(&data), "--without-audit-key"], &[]);
    assert!(!backup.join("audit/signing.key").exists());
    ok(&["backup", "verify", p(&backup)], &[]);
    let restored = root.path().join("restored");
    let (code, _, err) = vellum(&["restore", "--from", p(&backup), "--data", p(&restored)], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("VELLUM_AUDIT_KEY"), "{err}");
    let wrong = "11".repeat(32);
    let (code, _, err) =
        vellum(&["restore", "--from", p(&backup), "--data", p(&restored)], &[("VELLUM_AUDIT_KEY", &wrong)]);
    assert_ne!(code, 0);
    assert!(err.contains("signed by"), "{err}");
    let key = std::fs::read_to_string(data.join("audit/signing.key")).unwrap();
    ok(&["restore", "--from", p(&backup), "--data", p(&restored)], &[("VELLUM_AUDIT_KEY", key.trim())]);
    let out = ok(&["audit", "verify", "--data", p(&restored)], &[]);
    assert!(!out.contains("BROKEN"), "{out}");
}

/// Moves `data` to a fresh PostgreSQL database and back; the interruption is a blob missing
/// from the source, put back before the second run.
async fn to_postgres_and_back(pg: &str, other_pg: &str, restore_pg: &str) {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let server = Server::start(&data, &[]);
    let token = admin_token(&server.addr);
    fill(&server.addr, &token, "north");
    drop(server);
    let before = picture(&sqlite(&data)).await;

    // Interrupted: a blob is missing; the rows are in, the command names how to go on.
    let blobs = blob_files(&data);
    let name = blobs.keys().next().unwrap().clone();
    let path = data.join("blobs").join(&name[..2]).join(&name);
    let moved_away: PathBuf = root.path().join("aside");
    std::fs::rename(&path, &moved_away).unwrap();
    let pgdata = root.path().join("pgdata");
    let to_other = ["migrate-store", "--from-data", p(&data), "--to-database-url", other_pg, "--to-data", p(&pgdata)];
    let (code, _, err) = vellum(&to_other, &[]);
    assert_ne!(code, 0);
    assert!(err.contains("run the same command again to resume"), "{err}");
    std::fs::rename(&moved_away, &path).unwrap();
    let out = ok(&to_other, &[]);
    assert!(out.contains("verify on the target"), "{out}");

    // The plain move: the blobs stay in the data folder, the rows go to PostgreSQL.
    let out = ok(&["migrate-store", "--from-data", p(&data), "--to-database-url", pg], &[]);
    assert!(out.contains("every node of the target needs this server's audit key"), "{out}");
    let (rows, heads, comments) = picture(pg).await;
    assert_eq!(comments, before.2, "the same ids, replies still pointing at their parents");
    let server_chain = |h: &Vec<(String, String, i64)>| h.iter().find(|(c, _, _)| c == "server").cloned().unwrap();
    assert_eq!(server_chain(&heads).2, server_chain(&before.1).2 + 1, "one note of the move in the server chain");
    let workspaces =
        |h: &Vec<(String, String, i64)>| h.iter().filter(|(c, _, _)| c != "server").cloned().collect::<Vec<_>>();
    assert_eq!(workspaces(&heads), workspaces(&before.1), "workspace chains unchanged, to the hash");
    assert_eq!(rows["assets"], before.0["assets"]);
    let out = ok(&["audit", "verify", "--data", p(&data), "--database-url", pg], &[]);
    assert!(!out.contains("BROKEN"), "{out}");
    {
        let store = vellum_store::Store::open(pg).await.unwrap();
        let mut c = store.conn().await.unwrap();
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'store.migrate' AND chain = 'server'")
                .fetch_one(&mut *c)
                .await
                .unwrap();
        assert_eq!(n, 1, "the note is in the server chain");
        drop(c);
        store.close().await;
    }

    // A second run into the finished target is refused.
    let (code, _, err) = vellum(&["migrate-store", "--from-data", p(&data), "--to-database-url", pg], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("already holds data"), "{err}");

    // And back, to a new data folder.
    let back = root.path().join("back");
    ok(&["migrate-store", "--from-data", p(&data), "--from-database-url", pg, "--to-data", p(&back)], &[]);
    assert_eq!(picture(&sqlite(&back)).await.2, before.2);
    assert_eq!(blob_files(&back), blobs);
    let out = ok(&["audit", "verify", "--data", p(&back)], &[]);
    assert!(!out.contains("BROKEN"), "{out}");

    // A backup of a node on PostgreSQL, restored into another PostgreSQL database.
    let backup = root.path().join("backup");
    ok(&["backup", "--to", p(&backup), "--data", p(&data), "--database-url", pg], &[]);
    ok(&["backup", "verify", p(&backup)], &[]);
    let restored = root.path().join("restored");
    ok(&["restore", "--from", p(&backup), "--data", p(&restored), "--database-url", restore_pg], &[]);
    assert_eq!(picture(restore_pg).await, picture(pg).await);
    assert_eq!(blob_files(&restored), blobs);
    let out = ok(&["audit", "verify", "--data", p(&restored), "--database-url", restore_pg], &[]);
    assert!(!out.contains("BROKEN"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_default_moves_to_postgres_and_back() {
    use vellum_store::testing::{in_ci, TempPostgres};
    match (TempPostgres::fresh().await, TempPostgres::fresh().await, TempPostgres::fresh().await) {
        (Ok(a), Ok(b), Ok(c)) => to_postgres_and_back(a.url(), b.url(), c.url()).await,
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) if !in_ci() => eprintln!("skipping the PostgreSQL run: {e}"),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => panic!("PostgreSQL is required in CI: {e}"),
    }
}
