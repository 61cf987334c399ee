//! `vellum import`: one asset per file, titles from file names, folders and version notes from
//! paths inside the imported folder, duplicates by content skipped and named by title, a
//! re-run after an interruption duplicates nothing, a re-run skips files whose size and
//! modification time are what it imported without reading them, and every file it passes over
//! (hidden, system, empty, linked, special, too large, unreadable) counted by reason and listed
//! — on SQLite and on PostgreSQL. Without a data folder it refuses and creates nothing.
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

/// Every asset of the library, page by page.
fn assets(addr: &str, token: &str) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    let mut path = "/api/v1/workspaces/library/assets?limit=500".to_string();
    loop {
        let r = json_request(addr, "GET", &path, token, json!(null)).unwrap();
        let body = r.json();
        all.extend(body["assets"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/workspaces/library/assets?limit=500&cursor={c}"),
            None => return all,
        }
    }
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

    let token = library(&data, &db_args);

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
    assert!(out.contains("skipped .DS_Store: hidden file"), "{out}");

    // Nothing changed: nothing is read again, nothing is imported.
    let (code, again) = import("library");
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("imported 0 files"), "a third run imports nothing: {again}");
    assert!(again.contains("skipped 242 duplicates (242 unchanged"), "{again}");
    assert!(again.contains("skipped 1 others: 1 hidden"), "the hidden file is counted: {again}");

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
    assert!(
        fourth.contains(r#"skipped batch-2/photo 002.jpg: same content as "photo 002" (version 1)"#),
        "duplicates are named by title: {fourth}"
    );
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
    let expected = if brief["title"] == "brief" { json!(null) } else { json!("batch-0") };
    assert_eq!(brief["folder"], expected, "a file at the top has no folder");
    // The folder structure is kept, and notes name the path inside the imported folder.
    let photo = list.iter().find(|a| a["title"] == "photo 007").unwrap();
    assert_eq!(photo["folder"], "batch-1");
    assert_eq!(note_of(&server.addr, &token, photo), "Imported from batch-1/photo 007.jpg");
    let in_folder = |q: &str| {
        let path = format!("/api/v1/workspaces/library/assets?limit=500&folder={q}");
        json_request(&server.addr, "GET", &path, &token, json!(null)).unwrap().json()["assets"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(in_folder("batch-1"), 41, "40 photos and the changed one");
    assert_eq!(in_folder("batch"), 0, "folders match by whole names");
    let audit =
        json_request(&server.addr, "GET", "/api/v1/workspaces/library/audit/verify", &token, json!(null)).unwrap();
    assert_eq!(audit.json()["ok"], true);
    drop(server);
    let unknown = import("nope");
    assert_ne!(unknown.0, 0);
}

/// The note of an asset's first version.
fn note_of(addr: &str, token: &str, asset: &serde_json::Value) -> String {
    let path = format!("/api/v1/assets/{}/versions/1", asset["id"].as_str().unwrap());
    json_request(addr, "GET", &path, token, json!(null)).unwrap().json()["note"].as_str().unwrap().to_string()
}

/// Starts a server on `data` once, to create the data and the workspace `library`; returns
/// an admin token (still valid when the server runs again on the same data).
fn library(data: &Path, db_args: &[&str]) -> String {
    let server = Server::start(data, db_args);
    let token = admin_token(&server.addr);
    let ws =
        json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Library", "slug": "library"}))
            .unwrap();
    assert_eq!(ws.status, 201);
    server.kill_9();
    token
}

/// The unprivileged user's and group's id.
const NOBODY: u32 = 65534;

/// Hands `dir` and everything below it to `NOBODY`, links themselves rather than their targets.
fn give_to_nobody(dir: &Path) {
    std::os::unix::fs::lchown(dir, Some(NOBODY), Some(NOBODY)).unwrap();
    if std::fs::symlink_metadata(dir).unwrap().is_dir() {
        for e in std::fs::read_dir(dir).unwrap() {
            give_to_nobody(&e.unwrap().path());
        }
    }
}

/// Runs `vellum` in `cwd` with no data folder or database named by the environment; returns
/// (exit code, stdout, stderr).
fn vellum_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(args)
        .current_dir(cwd)
        .env("VELLUM_LOG", "warn")
        .env_remove("VELLUM_DATA")
        .env_remove("VELLUM_DATABASE_URL")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// Every kind of file an import passes over, beside files it takes: each is counted by reason
/// in the summary and listed by its path inside the folder, none becomes an asset; the
/// duplicate is named by the title of the asset holding its content; `--quiet` prints only the
/// summary (and what could not be read).
fn bad_inputs_story(database_url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let (data, tree) = (dir.path().join("data"), dir.path().join("tree"));
    std::fs::create_dir_all(tree.join("a/b")).unwrap();
    std::fs::create_dir_all(tree.join(".git")).unwrap();
    write_old(&tree.join("top.jpg"), &photo(1));
    write_old(&tree.join("a/dup.jpg"), &photo(1));
    write_old(&tree.join("a/b/photo.jpg"), &photo(2));
    write_old(&tree.join(".DS_Store"), b"Bud1");
    write_old(&tree.join(".git/HEAD"), b"ref: refs/heads/main");
    write_old(&tree.join("Thumbs.db"), b"thumbs");
    write_old(&tree.join("empty.jpg"), b"");
    std::os::unix::fs::symlink(tree.join("top.jpg"), tree.join("a/link.jpg")).unwrap();
    let fifo = Command::new("mkfifo").arg(tree.join("pipe")).status().unwrap();
    assert!(fifo.success());
    // Sparse: over the 5 GiB upload limit without writing 5 GiB, and never read.
    let huge = std::fs::File::create(tree.join("huge.mov")).unwrap();
    huge.set_len((5 << 30) + 1).unwrap();
    drop(huge);
    let locked = tree.join("locked.jpg");
    write_old(&locked, &photo(3));
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // A privileged user (root in a container) reads it anyway: then the imports run as an
    // unprivileged user, given the tree and the data.
    let privileged = std::fs::File::open(&locked).is_ok();

    let db_args: Vec<&str> = database_url.map(|u| vec!["--database-url", u]).unwrap_or_default();
    let token = library(&data, &db_args);
    // The unprivileged user runs a copy inside the tree it is given: the checkout's own
    // folders may be closed to it (a clone under a 0700 temporary folder).
    let exe = dir.path().join("vellum");
    std::fs::copy(env!("CARGO_BIN_EXE_vellum"), &exe).unwrap();
    if privileged {
        give_to_nobody(dir.path());
    }
    let (data_arg, tree_arg) = (data.to_str().unwrap(), tree.to_str().unwrap());
    let import = |extra: &[&str]| {
        let mut c = Command::new(&exe);
        c.args(["import", tree_arg, "--workspace", "library", "--data", data_arg]).args(&db_args).args(extra);
        if privileged {
            std::os::unix::process::CommandExt::uid(&mut c, NOBODY);
            std::os::unix::process::CommandExt::gid(&mut c, NOBODY);
        }
        let out = c.env("VELLUM_LOG", "warn").output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string())
    };

    let (code, out) = import(&[]);
    assert_eq!(code, 1, "an unreadable file fails the import, and only that: {out}");
    for line in [
        "skipped .DS_Store: hidden file",
        "skipped .git/: hidden folder",
        "skipped Thumbs.db: the operating system's own file",
        "skipped a/link.jpg: symbolic link (not followed)",
        "skipped pipe: not a regular file (a FIFO, socket or device)",
        "skipped empty.jpg: empty (0 bytes)",
        "skipped huge.mov: larger than the upload limit of 5368709120 bytes",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in:\n{out}");
    }
    // Walk order decides which of two equal files is imported; the other names it.
    assert!(
        out.contains(r#"skipped top.jpg: same content as "dup" (version 1)"#)
            || out.contains(r#"skipped a/dup.jpg: same content as "top" (version 1)"#),
        "{out}"
    );
    assert!(out.contains("skipped locked.jpg: unreadable: Permission denied"), "{out}");
    let others = "2 hidden, 1 system, 1 symbolic link, 1 not a regular file, 1 empty, 1 too large, 1 unreadable";
    assert!(out.contains(&format!("skipped 8 others: {others}\n")), "{out}");
    assert!(out.contains("imported 2 files"), "{out}");

    // Quiet: the summary, and only what needs the user's attention.
    let (_, quiet) = import(&["--quiet"]);
    let summary = |l: &&str| l.starts_with("imported ") || l.starts_with("skipped 8 others");
    let noise: Vec<&str> =
        quiet.lines().filter(|l| !summary(l) && !l.starts_with("skipped locked.jpg: unreadable")).collect();
    assert!(noise.is_empty(), "--quiet printed {noise:?}");
    assert!(quiet.contains("imported 0 files"), "{quiet}");

    let server = Server::start(&data, &db_args);
    let list = assets(&server.addr, &token);
    let mut titles: Vec<&str> = list.iter().map(|a| a["title"].as_str().unwrap()).collect();
    titles.sort();
    let mut expected = vec!["photo", if titles.contains(&"dup") { "dup" } else { "top" }];
    expected.sort();
    assert_eq!(titles, expected, "nothing skipped became an asset");
    let photo = list.iter().find(|a| a["title"] == "photo").unwrap();
    assert_eq!(photo["folder"], "a/b");
    assert_eq!(note_of(&server.addr, &token, photo), "Imported from a/b/photo.jpg");
    let path = "/api/v1/workspaces/library/assets?folder=a/b";
    let in_ab = json_request(&server.addr, "GET", path, &token, json!(null)).unwrap().json();
    assert_eq!(in_ab["assets"].as_array().unwrap().len(), 1);
}

#[test]
fn import_lists_and_counts_what_it_skips() {
    bad_inputs_story(None);
}

#[test]
fn import_lists_and_counts_what_it_skips_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = match rt.block_on(TempPostgres::fresh()) {
        Ok(db) => db,
        Err(e) if !in_ci() => {
            eprintln!("skipping the PostgreSQL run: {e}");
            return;
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    };
    bad_inputs_story(Some(db.url()));
    rt.block_on(db.drop_now()).unwrap();
}

/// Without a data folder that holds Vellum data, an import refuses before creating anything,
/// and says to pass --data; with `./vellum-data` made by a server, it needs no --data.
#[test]
fn import_needs_existing_data_and_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let (cwd, tree) = (dir.path().join("cwd"), dir.path().join("tree"));
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(&tree).unwrap();
    write_old(&tree.join("a.jpg"), &photo(1));
    let tree_arg = tree.to_str().unwrap();

    let (code, _, err) = vellum_in(&cwd, &["import", tree_arg, "--workspace", "library"]);
    assert_ne!(code, 0);
    assert!(err.contains("no data folder given") && err.contains("pass --data"), "{err}");
    assert!(err.contains("nothing was created"), "{err}");
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0, "no ./vellum-data appeared");

    let missing = dir.path().join("missing");
    let (code, _, err) =
        vellum_in(&cwd, &["import", tree_arg, "--workspace", "library", "--data", missing.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("holds no Vellum data"), "{err}");
    assert!(!missing.exists(), "the named data folder was not created");

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, err) =
        vellum_in(&cwd, &["import", tree_arg, "--workspace", "library", "--data", empty.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("vellum serve --data"), "{err}");
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0, "nothing was created in an existing folder");

    // A server's data folder at the default place is found without --data.
    library(&cwd.join("vellum-data"), &[]);
    let (code, out, err) = vellum_in(&cwd, &["import", tree_arg, "--workspace", "library"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("imported 1 files"), "{out}");
    let (code, _, err) = vellum_in(&cwd, &["import", tree_arg, "--workspace", "nope"]);
    assert_ne!(code, 0);
    assert!(err.contains("workspace not found in ./vellum-data") && err.contains("check --workspace"), "{err}");
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
