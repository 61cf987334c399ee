//! Several processes on one data folder, as the README suggests for scaling out: a `vellum
//! worker`, `vellum import` or `vellum gc` started beside a running `serve` leaves its upload
//! in flight alone; refused uploads leave no file; `vellum gc` reclaims planted orphans and
//! abandoned staged writes, and only those.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, SystemTime},
};

use serde_json::json;
use support::{admin_token, json_request, multipart, request, upload, vellum, Server, BOUNDARY};
use vellum_blob::{BlobKey, BlobStore, LocalBlobStore};

/// Polls `check` until it answers, for at most about twenty seconds.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..800 {
        if let Some(v) = check() {
            return v;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("gave up waiting for {what}");
}

/// The staged writes in a process's own staging folder (`tmp/<pid>-<start>`).
fn staged_by(data: &Path, pid: u32) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(data.join("tmp")) else { return out };
    for dir in dirs.flatten() {
        if !dir.file_name().to_string_lossy().starts_with(&format!("{pid}-")) {
            continue;
        }
        for f in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            if f.file_name() != "max-staging-secs" {
                out.push(f.path());
            }
        }
    }
    out
}

/// Every file under `blobs/`, by name.
fn blob_files(data: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(data.join("blobs")).unwrap().flatten() {
        for f in std::fs::read_dir(dir.path()).unwrap().flatten() {
            out.push(f.file_name().to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

/// Sets a file's modification time `ago` into the past, as if written then.
fn age(path: &Path, ago: Duration) {
    std::fs::File::options().write(true).open(path).unwrap().set_modified(SystemTime::now() - ago).unwrap();
}

/// A `vellum worker` process, killed when the test ends however it ends.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `vellum worker` and waits until it says it is running.
fn worker(data: &Path) -> Worker {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vellum"))
        .args(["worker", "--workers", "1", "--data"])
        .arg(data)
        .env("VELLUM_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("the worker exited before running").unwrap();
    assert!(first.contains("worker running"), "{first}");
    std::thread::spawn(move || for _ in lines {});
    Worker(child)
}

/// Finding 12: opening the blob store deleted `tmp/`, so a worker (or import) started beside
/// a running server broke the server's upload in flight with a 500.
#[test]
fn a_worker_import_and_gc_started_beside_an_upload_in_flight_leave_it_intact() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &["--workers", "0"]);
    let token = admin_token(&server.addr);
    let ws = json_request(&server.addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Side", "slug": "side"}));
    assert_eq!(ws.unwrap().status, 201);

    // An upload whose body arrives in two parts; the server stages it after the first.
    let content: Vec<u8> = (0..3u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let body = multipart(&[("kind", "visual"), ("title", "In flight")], "big.bin", &content);
    let mut conn = TcpStream::connect(&server.addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST /api/v1/workspaces/side/assets HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        server.addr,
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    conn.write_all(first).unwrap();
    let staged = wait_for("the server to stage the upload", || staged_by(&data, server.child.id()).pop());

    // Other processes open the same data folder meanwhile.
    let worker = worker(&data);
    let import_dir = dir.path().join("to-import");
    std::fs::create_dir_all(&import_dir).unwrap();
    std::fs::write(import_dir.join("note.txt"), b"imported beside the upload").unwrap();
    let data_arg = data.to_str().unwrap();
    let (code, out) = vellum(&["import", import_dir.to_str().unwrap(), "--workspace", "side", "--data", data_arg]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = vellum(&["gc", "--data", data_arg, "--grace", "0s"]);
    assert_eq!(code, 0, "{out}");
    assert!(staged.exists(), "the upload's staged bytes survived: {out}");

    conn.write_all(rest).unwrap();
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).unwrap();
    let reply = String::from_utf8_lossy(&raw);
    assert!(reply.starts_with("HTTP/1.1 201"), "{reply}");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let asset: serde_json::Value = serde_json::from_slice(&raw[split + 4..]).unwrap();
    let id = asset["id"].as_str().unwrap();
    let auth = [("Authorization", format!("Bearer {token}"))];
    let file = request(&server.addr, "GET", &format!("/api/v1/assets/{id}/versions/1/file"), &auth, b"").unwrap();
    assert_eq!(file.status, 200);
    assert!(file.body == content, "the stored bytes are the uploaded ones");
    let version =
        json_request(&server.addr, "GET", &format!("/api/v1/assets/{id}/versions/1"), &token, json!(null)).unwrap();
    let key = BlobKey::parse(version.json()["sha256"].as_str().unwrap()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert!(rt.block_on(LocalBlobStore::open(&data).unwrap().verify(&key)).unwrap(), "the blob verifies");
    assert!(staged_by(&data, server.child.id()).is_empty(), "nothing left staged");
    drop(worker);
}

/// Finding 13: refused uploads left their blob file with no row, and nothing reclaimed
/// orphans. Now refusals leave no file, and `vellum gc` (beside the running server) reclaims
/// planted orphans older than the grace period and abandoned staged writes.
#[test]
fn refused_uploads_leave_no_file_and_gc_reclaims_planted_orphans() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &["--workers", "0"]);
    let addr = server.addr.clone();
    let token = admin_token(&addr);
    let ws = json_request(&addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Gc", "slug": "gc"}));
    assert_eq!(ws.unwrap().status, 201);
    let assets = "/api/v1/workspaces/gc/assets";
    let good = upload(&addr, assets, &token, &[("kind", "visual")], "good.png", b"a good upload").unwrap();
    assert_eq!(good.status, 201);
    let id = good.json()["id"].as_str().unwrap().to_string();
    let kept = blob_files(&data);
    assert_eq!(kept.len(), 1);

    // Each file is stored before the form around it is refused (the last one's content is
    // the good upload's: its file must stay).
    let refusals: [(&str, &str, &[u8]); 4] = [
        ("kind", "poster", b"unknown kind"),
        ("metadata", "{oops", b"bad metadata"),
        ("title", "bell\u{7}", b"a title with a control character"),
        ("kind", "poster", b"a good upload"),
    ];
    for (field, value, bytes) in refusals {
        let fields = [("kind", "visual"), (field, value)];
        let fields = if field == "kind" { &fields[1..] } else { &fields[..] };
        let r = upload(&addr, assets, &token, fields, "x.png", bytes).unwrap();
        assert_eq!(r.status, 422, "{:?}", r.json());
    }
    let note = upload(&addr, &format!("/api/v1/assets/{id}/versions"), &token, &[("note", "")], "y.png", b"no note");
    assert_eq!(note.unwrap().status, 422);
    assert_eq!(blob_files(&data), kept, "refusals left no file, and the good upload's file stays");

    // Plant what crashes leave: stored bytes with no row (old and young), an abandoned
    // staged write of a dead process, and a fresh one of a live process.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = LocalBlobStore::open(&data).unwrap();
    let put = |bytes: &'static [u8]| {
        rt.block_on(async {
            let mut w = store.begin().await.unwrap();
            w.write(bytes).await.unwrap();
            w.finish().await.unwrap().key
        })
    };
    let old = put(b"an orphan from three days ago");
    let young = put(b"an orphan from a moment ago");
    drop(store);
    let path_of = |k: &BlobKey| data.join("blobs").join(&k.as_str()[..2]).join(k.as_str());
    age(&path_of(&old), Duration::from_secs(3 * 24 * 3600));
    age(&data.join("blobs").join(&kept[0][..2]).join(&kept[0]), Duration::from_secs(3 * 24 * 3600));
    let dead = data.join("tmp").join("4000000-1000");
    std::fs::create_dir_all(&dead).unwrap();
    std::fs::write(dead.join("max-staging-secs"), "60").unwrap();
    std::fs::write(dead.join("abandoned"), b"half").unwrap();
    age(&dead.join("abandoned"), Duration::from_secs(3600));
    let live = data.join("tmp").join("4000001-1000");
    std::fs::create_dir_all(&live).unwrap();
    std::fs::write(live.join("max-staging-secs"), "60").unwrap();
    std::fs::write(live.join("in-flight"), b"half").unwrap();

    let data_arg = data.to_str().unwrap();
    let (code, out) = vellum(&["gc", "--data", data_arg, "--dry-run"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("would remove blob {}", old.as_str())), "{out}");
    assert!(out.contains("would remove staged write tmp/4000000-1000/abandoned"), "{out}");
    assert!(!out.contains(young.as_str()) && !out.contains(&kept[0]) && !out.contains("in-flight"), "{out}");
    assert!(path_of(&old).exists() && dead.join("abandoned").exists(), "a dry run removes nothing");

    let (code, out) = vellum(&["gc", "--data", data_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("removed blob {}", old.as_str())), "{out}");
    assert!(!path_of(&old).exists() && !dead.join("abandoned").exists());
    assert!(path_of(&young).exists(), "younger than the grace period");
    assert!(live.join("in-flight").exists(), "a live process's staged write stays");

    let (code, out) = vellum(&["gc", "--data", data_arg, "--grace", "0s"]);
    assert_eq!(code, 0, "{out}");
    assert!(!path_of(&young).exists(), "{out}");
    assert_eq!(blob_files(&data), kept, "only the referenced blob is left");
    let file = json_request(&addr, "GET", &format!("/api/v1/assets/{id}/versions/1/file"), &token, json!(null));
    assert_eq!(file.unwrap().body, b"a good upload");
}
