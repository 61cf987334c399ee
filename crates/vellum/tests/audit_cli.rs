//! `vellum audit …` against a real server's data: checkpoints, verification with copies of
//! the public key and checkpoint log kept elsewhere, and offline bundles, on SQLite and on
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;

use serde_json::json;
use support::{admin_token, json_request, upload, vellum, Server};

fn run(args: &[&str], db: Option<&str>) -> (i32, String) {
    let mut all: Vec<&str> = args.to_vec();
    if let Some(url) = db {
        all.extend(["--database-url", url]);
    }
    vellum(&all)
}

async fn tamper(url: &str, chain: &str, statements: &[String], recompute: bool) {
    let store = vellum_store::Store::connect(url).await.unwrap();
    let mut tx = store.write().await.unwrap();
    for s in statements {
        vellum_store::testing::execute(&mut tx, s).await.unwrap();
    }
    if recompute {
        vellum_store::testing::recompute_chain(&mut tx, chain).await.unwrap();
    }
    tx.commit().await.unwrap();
    store.close().await;
}

/// A workspace with a few audited changes; returns its id.
fn busy_workspace(addr: &str, token: &str, slug: &str) -> String {
    let w = json_request(addr, "POST", "/api/v1/workspaces", token, json!({"name": slug, "slug": slug})).unwrap();
    assert_eq!(w.status, 201, "{:?}", w.json());
    let a = upload(
        addr,
        &format!("/api/v1/workspaces/{slug}/assets"),
        token,
        &[("title", "One"), ("kind", "visual")],
        "one.txt",
        slug.as_bytes(),
    )
    .unwrap();
    assert_eq!(a.status, 201, "{:?}", a.json());
    let id = a.json()["id"].as_str().unwrap().to_string();
    for title in ["Two", "Three", "Four"] {
        let r = json_request(addr, "PATCH", &format!("/api/v1/assets/{id}"), token, json!({"title": title})).unwrap();
        assert_eq!(r.status, 200);
    }
    w.json()["id"].as_str().unwrap().to_string()
}

async fn story(data: &Path, db: Option<String>) {
    let url = db.clone().unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data.join("vellum.db").display()));
    let db = db.as_deref();
    let d = data.to_str().unwrap();
    let extra: Vec<&str> = db.map(|u| vec!["--database-url", u]).unwrap_or_default();
    let server = Server::start(data, &extra);
    let token = admin_token(&server.addr);
    let cut = busy_workspace(&server.addr, &token, "cut");
    let edited = busy_workspace(&server.addr, &token, "edited");
    let cp = json_request(&server.addr, "POST", "/api/v1/admin/audit/checkpoint", &token, json!({})).unwrap();
    assert_eq!(cp.status, 201, "{:?}", cp.json());
    let cut_seq = cp.json()["chains"][&cut]["seq"].as_i64().unwrap();

    // Verification while uploads run never raises a false alarm: it reads one snapshot.
    let writer = {
        let (addr, token) = (server.addr.clone(), token.clone());
        std::thread::spawn(move || {
            for i in 0..40 {
                let name = format!("busy-{i}.txt");
                let r = upload(
                    &addr,
                    "/api/v1/workspaces/cut/assets",
                    &token,
                    &[("title", &name), ("kind", "visual")],
                    &name,
                    name.as_bytes(),
                );
                assert_eq!(r.map(|r| r.status), Some(201));
            }
        })
    };
    let mut verified = 0;
    while !writer.is_finished() || verified < 3 {
        let (code, out) = run(&["audit", "verify", "--data", d], db);
        assert_eq!(code, 0, "a false alarm while uploads run: {out}");
        verified += 1;
    }
    writer.join().unwrap();
    // A checkpoint signed from the command line covers what the uploads added.
    let (code, out) = run(&["audit", "checkpoint", "--data", d], db);
    assert_eq!(code, 0, "{out}");
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let before_uploads = cut_seq;
    let cut_seq = line["chains"][&cut]["seq"].as_i64().unwrap();
    assert!(cut_seq >= before_uploads + 40, "{line}");
    drop(server);

    // Copies kept where the server cannot reach: the public key and the checkpoint log.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, public) = run(&["audit", "public-key", "--data", d], None);
    assert_eq!(code, 0);
    let pinned_key = elsewhere.path().join("audit.pub");
    std::fs::write(&pinned_key, &public).unwrap();
    let log = data.join("audit").join("checkpoints.log");
    assert!(std::fs::read_to_string(&log).unwrap().contains(&cut), "the checkpoint was logged");
    let pinned_log = elsewhere.path().join("checkpoints.log");
    std::fs::copy(&log, &pinned_log).unwrap();
    let (pk, pl) = (pinned_key.to_str().unwrap(), pinned_log.to_str().unwrap());

    let (code, out) = run(&["audit", "verify", "--data", d, "--public-key", pk], db);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("ok      {cut}: {cut_seq} events, signed up to #{cut_seq}")), "{out}");

    // An untouched bundle verifies offline; one edited line is named.
    let bundle = elsewhere.path().join("audit.jsonl");
    let b = bundle.to_str().unwrap();
    let (code, out) = run(&["audit", "export", "--data", d, "--out", b], db);
    assert_eq!(code, 0, "{out}");
    let (code, out) = vellum(&["audit", "verify-bundle", b, "--public-key", pk]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(&bundle).unwrap();
    let forged = text.replacen("\"action\":\"asset.update\"", "\"action\":\"asset.delete\"", 1);
    std::fs::write(&bundle, forged).unwrap();
    let (code, out) = vellum(&["audit", "verify-bundle", b, "--public-key", pk]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("BROKEN") && out.contains("was altered"), "{out}");

    // Cut the tail of one chain, move its head back, and wipe the checkpoints from the
    // database and from the log beside it: only the copy kept elsewhere still knows.
    tamper(
        &url,
        &cut,
        &[
            format!("DELETE FROM audit_events WHERE chain = '{cut}' AND seq = {cut_seq}"),
            "DELETE FROM audit_checkpoints".into(),
        ],
        true,
    )
    .await;
    std::fs::write(&log, "").unwrap();
    let (code, out) = run(&["audit", "verify", "--data", d], db);
    assert_eq!(code, 0, "events after the last checkpoint the verifier has rely on the chain alone: {out}");
    let (code, out) = run(&["audit", "verify", "--data", d, "--public-key", pk, "--checkpoints", pl], db);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("BROKEN  {cut}: events #{cut_seq} to #{cut_seq} missing")), "{out}");

    // Edit an event of the other chain and recompute it: its tag gives it away.
    tamper(
        &url,
        &edited,
        &[format!("UPDATE audit_events SET action = 'asset.delete' WHERE chain = '{edited}' AND seq = 3")],
        true,
    )
    .await;
    let (code, out) = run(&["audit", "verify", "--data", d], db);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&format!("BROKEN  {edited}: first bad event #3")), "{out}");
    let (code, out) = run(&["audit", "export", "--data", d, "--out", b], db);
    assert_eq!(code, 0, "{out}");
    let (code, out) = vellum(&["audit", "verify-bundle", b, "--public-key", pk]);
    assert_eq!(code, 0, "the bundle of a wiped database has no checkpoint to contradict it: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_cli_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    story(dir.path(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_cli_on_postgres() {
    match vellum_store::testing::TempPostgres::fresh().await {
        Ok(db) => {
            let dir = tempfile::tempdir().unwrap();
            story(dir.path(), Some(db.url().to_string())).await;
        }
        Err(e) if !vellum_store::testing::in_ci() => eprintln!("skipping the PostgreSQL run: {e}"),
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
}
