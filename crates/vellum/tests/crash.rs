//! Crash safety: kill -9 a real server in the middle of uploads and decisions, restart it,
//! and check that every acknowledged change survived, every version's blob exists with the
//! right hash, and the audit chains verify. Then tamper with the database and watch
//! `vellum audit verify` fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    io::Write,
    net::TcpStream,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use serde_json::json;
use support::{admin_token, json_request, upload, vellum, wait_until, Server, BOUNDARY, PATIENCE};
use vellum_blob::{BlobKey, BlobStore, LocalBlobStore};
use vellum_store::Store;

/// Closes a store, failing loudly instead of hanging if a pooled connection is still held
/// (the pool waits for every connection to come back).
async fn close(store: Store) {
    tokio::time::timeout(Duration::from_secs(30), store.close())
        .await
        .expect("store.close() hung: a pooled connection was never returned");
}

/// Starts an upload that declares 64 MB, sends part of it and then just waits.
fn half_upload(addr: &str, token: &str) -> Option<TcpStream> {
    let mut s = TcpStream::connect(addr).ok()?;
    let head = format!(
        "POST /api/v1/workspaces/crash/assets HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        64 << 20
    );
    s.write_all(head.as_bytes()).ok()?;
    let preamble = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nvideo\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mov\"\r\n\r\n"
    );
    s.write_all(preamble.as_bytes()).ok()?;
    let chunk = vec![0x5au8; 1 << 20];
    for _ in 0..8 {
        s.write_all(&chunk).ok()?;
    }
    Some(s)
}

#[test]
fn kill_9_mid_upload_and_decision_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start(&data, &[]);
    let token = admin_token(&server.addr);
    let addr = server.addr.clone();
    let me = json_request(&addr, "GET", "/api/v1/me", &token, json!(null)).unwrap().json();
    let admin_id = me["user"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        json_request(&addr, "POST", "/api/v1/workspaces", &token, json!({"name": "Crash", "slug": "crash"}))
            .unwrap()
            .status,
        201
    );
    let wf = json_request(
        &addr,
        "POST",
        "/api/v1/workspaces/crash/workflows",
        &token,
        json!({"name": "Sign-off", "stages": [{"name": "Owner", "approvers": [{"user": admin_id}], "rule": "any"}]}),
    )
    .unwrap();
    let wf = wf.json()["id"].as_str().unwrap().to_string();

    // Everything the server acknowledged with a 2xx: it must all be there after the crash.
    let acked_assets = Arc::new(Mutex::new(Vec::<String>::new()));
    let acked_decisions = Arc::new(Mutex::new(Vec::<String>::new()));

    for round in 0..3u64 {
        let addr = server.addr.clone();
        let mut reviews = Vec::new();
        for i in 0..6 {
            let r = upload(
                &addr,
                "/api/v1/workspaces/crash/assets",
                &token,
                &[("kind", "visual"), ("title", "Seed")],
                "seed.png",
                format!("seed {round} {i}").as_bytes(),
            )
            .unwrap();
            assert_eq!(r.status, 201);
            let id = r.json()["id"].as_str().unwrap().to_string();
            acked_assets.lock().unwrap().push(id.clone());
            let rv = json_request(
                &addr,
                "POST",
                &format!("/api/v1/assets/{id}/reviews"),
                &token,
                json!({"workflow_id": wf}),
            )
            .unwrap();
            assert_eq!(rv.status, 201);
            reviews.push(rv.json()["id"].as_str().unwrap().to_string());
        }

        // Progress this round, to decide when to kill: after a few acknowledged uploads and
        // at least one decision, at a count that differs per round, so the kill lands with
        // work in flight without the test depending on where exactly it lands.
        let uploaded = Arc::new(AtomicUsize::new(0));
        let decided = Arc::new(AtomicUsize::new(0));
        let killed = Arc::new(AtomicBool::new(false));
        let uploads = {
            let (addr, token, acked, uploaded) = (addr.clone(), token.clone(), acked_assets.clone(), uploaded.clone());
            std::thread::spawn(move || {
                for i in 0..1000 {
                    let bytes: Vec<u8> = (0..200_000u32).map(|b| (b as u64 * 31 + i + round * 7919) as u8).collect();
                    match upload(
                        &addr,
                        "/api/v1/workspaces/crash/assets",
                        &token,
                        &[("kind", "visual")],
                        "photo.jpg",
                        &bytes,
                    ) {
                        Some(r) if r.status == 201 => {
                            acked.lock().unwrap().push(r.json()["id"].as_str().unwrap().to_string());
                            uploaded.fetch_add(1, Ordering::SeqCst);
                        }
                        _ => return,
                    }
                }
            })
        };
        let decisions = {
            let (addr, token, acked) = (addr.clone(), token.clone(), acked_decisions.clone());
            let (uploaded, decided, killed) = (uploaded.clone(), decided.clone(), killed.clone());
            std::thread::spawn(move || {
                for (n, rid) in reviews.into_iter().enumerate() {
                    // One decision per acknowledged upload, so decisions stay in flight
                    // alongside the uploads until the kill.
                    while uploaded.load(Ordering::SeqCst) <= n {
                        if killed.load(Ordering::SeqCst) {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    let body = json!({"version": 1, "decision": "approve"});
                    match json_request(&addr, "POST", &format!("/api/v1/reviews/{rid}/decisions"), &token, body) {
                        Some(r) if r.status == 201 => {
                            acked.lock().unwrap().push(rid);
                            decided.fetch_add(1, Ordering::SeqCst);
                        }
                        _ => return,
                    }
                }
            })
        };
        let half = half_upload(&addr, &token);
        let kill_after = 2 + (round as usize * 3) % 4;
        wait_until("uploads and decisions to be acknowledged before the kill", PATIENCE, || {
            uploaded.load(Ordering::SeqCst) >= kill_after && decided.load(Ordering::SeqCst) >= 1
        });
        server.kill_9();
        killed.store(true, Ordering::SeqCst);
        drop(half);
        uploads.join().unwrap();
        decisions.join().unwrap();

        server = Server::start(&data, &[]);
        let addr = server.addr.clone();
        for id in acked_assets.lock().unwrap().iter() {
            let r = json_request(&addr, "GET", &format!("/api/v1/assets/{id}"), &token, json!(null)).unwrap();
            assert_eq!(r.status, 200, "acknowledged asset {id} lost in round {round}");
        }
        for rid in acked_decisions.lock().unwrap().iter() {
            let r = json_request(&addr, "GET", &format!("/api/v1/reviews/{rid}"), &token, json!(null)).unwrap();
            assert_eq!(r.json()["status"], "approved", "acknowledged decision on {rid} lost in round {round}");
        }
        let v = json_request(&addr, "GET", "/api/v1/workspaces/crash/audit/verify", &token, json!(null)).unwrap();
        assert_eq!(v.json()["ok"], true, "round {round}: {:?}", v.json());
        // The new server stages into a folder of its own; the interrupted upload's bytes wait
        // in the killed server's folder until older than any upload may take (then `gc` or
        // the next start takes them), so a restart never touches another process's writes.
        let own = format!("{}-", server.child.id());
        for dir in std::fs::read_dir(data.join("tmp")).unwrap() {
            let dir = dir.unwrap();
            if dir.file_name().to_string_lossy().starts_with(&own) {
                let staged = std::fs::read_dir(dir.path()).unwrap().count();
                assert_eq!(staged, 1, "round {round}: only its lease in the new server's staging folder");
            }
        }
    }
    assert!(acked_assets.lock().unwrap().len() >= 18 + 3 * 2, "the uploads ran");
    assert!(!acked_decisions.lock().unwrap().is_empty(), "the decisions ran");
    server.kill_9();

    // Every version row points at a blob with exactly the right bytes.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite://{}?mode=rwc", data.join("vellum.db").display());
    rt.block_on(async {
        let store = Store::connect(&url).await.unwrap();
        let blobs = LocalBlobStore::open(&data).unwrap();
        let rows = {
            let mut c = store.conn().await.unwrap();
            vellum_store::assets::all_version_blobs(&mut c).await.unwrap()
        };
        assert!(rows.len() >= acked_assets.lock().unwrap().len());
        for (asset, n, sha) in rows {
            assert!(blobs.verify(&BlobKey::parse(&sha).unwrap()).await.unwrap(), "asset {asset} v{n} lost its bytes");
        }
        close(store).await;
    });

    // The CLI verifies every chain, then catches an edited row.
    let data_arg = data.to_str().unwrap();
    let (code, out) = vellum(&["audit", "verify", "--data", data_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ok"), "{out}");
    rt.block_on(async {
        let store = Store::connect(&url).await.unwrap();
        {
            let mut c = store.conn().await.unwrap();
            sqlx::Executor::execute(
                &mut *c,
                "UPDATE audit_events SET action = 'review.forged' WHERE seq = 5 AND chain <> 'server'",
            )
            .await
            .unwrap();
        } // The connection goes back to the pool here; close() waits for every one.
        close(store).await;
    });
    let (code, out) = vellum(&["audit", "verify", "--data", data_arg]);
    assert_ne!(code, 0, "tampering must fail the verification: {out}");
    assert!(out.contains("first bad event #5"), "{out}");
}
