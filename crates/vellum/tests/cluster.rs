//! Several nodes on one PostgreSQL and one S3 store (a real Garage node): an embedded
//! installation moved there with `migrate-store`, then three `vellum serve` and a `vellum
//! worker`. A session made on one node works on the others; bytes
//! uploaded through one download from another; each node's search index follows the shared
//! record; a node killed with SIGKILL in the middle of uploads loses none it acknowledged; a
//! node holding another audit key refuses to start; a backup to the bucket verifies and
//! restores into a data folder whose audit record verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    process::Command,
    sync::{Arc, Mutex},
};

use serde_json::json;
use support::{
    admin_token, json_request, request, start_worker, upload, wait_for, KillOnDrop, Server, ADMIN_EMAIL,
    ADMIN_PASSWORD, PATIENCE,
};
use vellum_blob::testing::Garage;
use vellum_store::testing::{in_ci, TempPostgres};

/// What every node shares: the database, the blob store and the audit key.
struct Shared {
    env: Vec<(&'static str, String)>,
    args: Vec<String>,
}

impl Shared {
    fn args(&self) -> Vec<&str> {
        self.args.iter().map(String::as_str).collect()
    }
}

fn node(root: &std::path::Path, name: &str, shared: &Shared) -> Server {
    let mut args = shared.args();
    args.extend(["--workers", "0"]);
    Server::start_with_env(&root.join(name), &args, &shared.env)
}

fn worker(root: &std::path::Path, shared: &Shared) -> KillOnDrop {
    let mut args = vec!["--workers", "2"];
    args.extend(shared.args());
    start_worker(&root.join("worker"), &args, &shared.env)
}

fn sign_in(addr: &str) -> (String, String) {
    let body = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).to_string();
    let r = request(addr, "POST", "/api/v1/session", &[("Content-Type", "application/json".into())], body.as_bytes())
        .unwrap();
    assert_eq!(r.status, 200, "{:?}", r.json());
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    (cookie, r.json()["csrf_token"].as_str().unwrap().to_string())
}

fn file_of(addr: &str, token: &str, id: &str) -> Vec<u8> {
    let r = request(
        addr,
        "GET",
        &format!("/api/v1/assets/{id}/versions/1/file"),
        &[("Authorization", format!("Bearer {token}"))],
        b"",
    )
    .unwrap();
    assert_eq!(r.status, 200, "download of {id} from {addr}");
    r.body
}

/// Runs `vellum` with the shared environment; (exit code, stdout + stderr).
fn vellum(args: &[&str], env: &[(&'static str, String)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("VELLUM_LOG", "warn")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// An embedded installation with one asset, stopped; returns the asset's id and bytes.
fn embedded(seed: &std::path::Path) -> (String, Vec<u8>) {
    let server = Server::start(seed, &[]);
    let token = admin_token(&server.addr);
    let w = json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Cluster", "slug": "cl"}))
        .unwrap();
    assert_eq!(w.status, 201, "{:?}", w.json());
    let bytes = b"made on one box, moved to the cluster".to_vec();
    let r = upload(
        &server.addr,
        "/api/v1/workspaces/cl/assets",
        &token,
        &[("title", "Seed"), ("kind", "written")],
        "seed.txt",
        &bytes,
    )
    .unwrap();
    assert_eq!(r.status, 201, "{:?}", r.json());
    (r.json()["id"].as_str().unwrap().to_string(), bytes)
}

async fn story(pg: &str, garage: &Garage) {
    let root = tempfile::tempdir().unwrap();
    // The team started on one box; one command moves it to PostgreSQL and the bucket.
    let seed = root.path().join("seed");
    let (seed_id, seed_bytes) = embedded(&seed);
    let key = std::fs::read_to_string(seed.join("audit/signing.key")).unwrap().trim().to_string();
    let mut env = garage.env();
    let s = seed.to_str().unwrap();
    let (code, out) = vellum(
        &[
            "migrate-store",
            "--from-data",
            s,
            "--to-database-url",
            pg,
            "--to-blob-url",
            "s3://vellum/cluster",
            "--s3-path-style",
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}");
    env.push(("VELLUM_AUDIT_KEY", key));
    let shared = Shared {
        env,
        args: ["--database-url", pg, "--blob-url", "s3://vellum/cluster", "--s3-path-style"].map(String::from).to_vec(),
    };
    let a = node(root.path(), "a", &shared);
    let b = node(root.path(), "b", &shared);
    let c = node(root.path(), "c", &shared);
    let _worker = worker(root.path(), &shared);
    let token = admin_token(&a.addr);

    // A session made on one node is good on every node, with its CSRF token.
    let (cookie, csrf) = sign_in(&a.addr);
    let headers = [("Cookie", cookie.clone()), ("X-CSRF-Token", csrf), ("Content-Type", "application/json".into())];
    let w = request(&c.addr, "POST", "/api/v1/workspaces", &headers, br#"{"name":"Second","slug":"second"}"#).unwrap();
    assert_eq!(w.status, 201, "{:?}", w.json());
    assert_eq!(file_of(&b.addr, &token, &seed_id), seed_bytes, "the moved asset is served from the bucket");
    let ready = request(&b.addr, "GET", "/readyz", &[], b"").unwrap();
    assert_eq!(ready.status, 200, "{}", String::from_utf8_lossy(&ready.body));
    let me = request(&b.addr, "GET", "/api/v1/me", &[("Cookie", cookie)], b"").unwrap();
    assert_eq!(me.status, 200);

    // Bytes uploaded through one node download from another, and the worker (a node of its
    // own) processes them: renditions are in the shared store.
    let bytes = b"uploaded through node a, read through node b".to_vec();
    let r = upload(
        &a.addr,
        "/api/v1/workspaces/cl/assets",
        &token,
        &[("title", "Shared"), ("kind", "written")],
        "shared.txt",
        &bytes,
    )
    .unwrap();
    assert_eq!(r.status, 201, "{:?}", r.json());
    let shared_id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(file_of(&b.addr, &token, &shared_id), bytes);
    let range = request(
        &c.addr,
        "GET",
        &format!("/api/v1/assets/{shared_id}/versions/1/file"),
        &[("Authorization", format!("Bearer {token}")), ("Range", "bytes=9-15".into())],
        b"",
    )
    .unwrap();
    assert_eq!(range.status, 206);
    assert_eq!(range.body, bytes[9..16].to_vec());
    wait_for("the worker to process the upload", PATIENCE, || {
        let v = json_request(&c.addr, "GET", &format!("/api/v1/assets/{shared_id}/versions/1"), &token, json!(null))?;
        (v.json()["processing"] == "done").then_some(())
    });

    // Each node's index follows the shared record from its own cursor.
    for n in [&a, &b, &c] {
        wait_for("every node's index to find the asset", PATIENCE, || {
            let r = json_request(&n.addr, "GET", "/api/v1/workspaces/cl/search?q=Shared", &token, json!(null))?;
            (r.status == 200 && r.json()["total"] == 1).then_some(())
        });
    }

    // Node a is killed in the middle of a stream of uploads; every one it acknowledged is
    // there, whole, through node b.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let uploads = {
        let (addr, token, acknowledged) = (a.addr.clone(), token.clone(), acknowledged.clone());
        std::thread::spawn(move || {
            for i in 0.. {
                let body = format!("upload number {i} ").repeat(1000).into_bytes();
                let name = format!("u{i}.txt");
                let Some(r) = upload(
                    &addr,
                    "/api/v1/workspaces/cl/assets",
                    &token,
                    &[("title", &name), ("kind", "written")],
                    &name,
                    &body,
                ) else {
                    return;
                };
                if r.status != 201 {
                    return;
                }
                acknowledged.lock().unwrap().push((r.json()["id"].as_str().unwrap().to_string(), body));
            }
        })
    };
    wait_for("some uploads to be acknowledged", PATIENCE, || (acknowledged.lock().unwrap().len() >= 5).then_some(()));
    a.kill_9();
    uploads.join().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 5);
    for (id, body) in &acknowledged {
        assert_eq!(&file_of(&b.addr, &token, id), body, "acknowledged upload {id} lost");
    }

    // A node with another audit key refuses to start, naming the fix.
    let mut wrong = shared.env.clone();
    wrong.retain(|(k, _)| *k != "VELLUM_AUDIT_KEY");
    wrong.push(("VELLUM_AUDIT_KEY", "6b".repeat(32)));
    let out = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(root.path().join("d"))
        .args(shared.args())
        .envs(wrong.iter().map(|(k, v)| (*k, v.as_str())))
        .env("VELLUM_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("give every node the same key"), "{err}");

    // A backup into the bucket, checked, and restored onto one box.
    let b_data = root.path().join("b");
    let cluster = [
        "--data",
        b_data.to_str().unwrap(),
        "--database-url",
        pg,
        "--blob-url",
        "s3://vellum/cluster",
        "--s3-path-style",
    ];
    let mut backup = vec!["backup", "--to", "s3://vellum/backups"];
    backup.extend(cluster);
    let (code, out) = vellum(&backup, &shared.env);
    assert_eq!(code, 0, "{out}");
    let (code, out) = vellum(&["backup", "verify", "s3://vellum/backups", "--s3-path-style"], &shared.env);
    assert_eq!(code, 0, "{out}");
    let restored = root.path().join("restored");
    let r = restored.to_str().unwrap();
    let (code, out) =
        vellum(&["restore", "--from", "s3://vellum/backups", "--s3-path-style", "--data", r], &garage.env());
    assert_eq!(code, 0, "{out}");
    let (code, out) = vellum(&["audit", "verify", "--data", r], &[]);
    assert_eq!(code, 0, "{out}");
    drop(c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_and_a_worker_share_postgres_and_s3() {
    let garage = match Garage::start() {
        Ok(g) => g,
        Err(e) if !in_ci() => return eprintln!("skipping the cluster story: {e}"),
        Err(e) => panic!("Garage is required in CI: {e}"),
    };
    match TempPostgres::fresh().await {
        Ok(db) => story(db.url(), &garage).await,
        Err(e) if !in_ci() => eprintln!("skipping the cluster story: {e}"),
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
}
