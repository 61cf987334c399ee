//! Webhook deliveries per second to a local receiver: the whole path (claimed from the queue,
//! signed per Standard Webhooks, posted to the checked address, logged), next to signing and
//! posting alone, and to unsigned POSTs from the same client — a fresh connection each, as
//! deliveries make — in the same run.

use std::{sync::Arc, time::Instant};

use axum::{http::StatusCode, routing::post, Router};
use bytes::Bytes;
use vellum_blob::LocalBlobStore;
use vellum_core::{
    notify::{http, AllowList, NotifyConfig},
    Actor, Core, Limits, Store,
};
use vellum_domain::webhook::{secret_key, sign, Target};

fn rate(n: usize, secs: f64) -> String {
    format!("{:>8.0}/s ({secs:.2} s for {n})", n as f64 / secs.max(1e-9))
}

pub async fn run(count: usize) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let app = Router::new().route("/hook", post(|| async { StatusCode::NO_CONTENT }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = format!("http://127.0.0.1:{port}/hook");

    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let store = Store::connect(&db).await.map_err(|e| e.to_string())?;
    let blobs = LocalBlobStore::open(dir.path().join("data")).map_err(|e| e.to_string())?;
    let notify = NotifyConfig { webhook_allow_hosts: AllowList(vec!["127.0.0.1".into()]), ..NotifyConfig::default() };
    let core = Core::new(store.clone(), Arc::new(blobs), Limits::default()).with_notify(notify.clone());
    let e = |e: vellum_core::Error| e.to_string();
    let admin = core.bootstrap_admin("bench@example.com", "bench-password-1").await.map_err(e)?.ok_or("not empty")?;
    let actor = Actor { user: admin, origin: Default::default() };
    core.create_workspace(&actor, "Bench", "bench").await.map_err(e)?;
    let (hook, secret) = core.create_webhook(&actor, "bench", &url, &["review.started".into()]).await.map_err(e)?;
    let payload = r#"{"type":"review.started","timestamp":"2026-12-02T10:00:00.000000Z","data":{"review_id":"0190"}}"#;

    let target = Target::parse(&url)?;
    let addr = http::resolve(&target, &notify.webhook_allow_hosts).await.map_err(|r| r.message().to_string())?;
    let t = Instant::now();
    for _ in 0..count {
        let p = http::post(&target, addr, &notify.tls, &[], Bytes::from_static(payload.as_bytes())).await;
        if !p.succeeded() {
            return Err(format!("unsigned post failed: {:?}", p.error));
        }
    }
    let unsigned = t.elapsed().as_secs_f64();

    let key = secret_key(&secret).ok_or("bad secret")?;
    let t = Instant::now();
    for i in 0..count {
        let id = format!("msg_{i}");
        let ts = vellum_domain::Timestamp::now().unix_seconds();
        let sig = sign(&key, &id, ts, payload.as_bytes());
        let headers = [("webhook-id", id), ("webhook-timestamp", ts.to_string()), ("webhook-signature", sig)];
        let addr = http::resolve(&target, &notify.webhook_allow_hosts).await.map_err(|r| r.message().to_string())?;
        let p = http::post(&target, addr, &notify.tls, &headers, Bytes::from_static(payload.as_bytes())).await;
        if !p.succeeded() {
            return Err(format!("signed post failed: {:?}", p.error));
        }
    }
    let signed = t.elapsed().as_secs_f64();

    let mut tx = store.write().await.map_err(|e| e.to_string())?;
    for _ in 0..count {
        vellum_store::webhooks::enqueue(&mut tx, hook.id, None, "review.started", payload, core.now())
            .await
            .map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    let t = Instant::now();
    let done = core.deliver_notifications().await.map_err(e)?;
    let queued = t.elapsed().as_secs_f64();
    if done.webhooks_delivered != count {
        return Err(format!("delivered {} of {count}", done.webhooks_delivered));
    }

    println!("webhook deliveries to a local receiver, {count} each, a new connection per delivery:");
    println!("  unsigned POSTs, same client                 {}", rate(count, unsigned));
    println!("  signed (resolve, check, sign, post)         {}", rate(count, signed));
    println!(
        "  delivered from the queue (claim, sign, post, log) {}   ({:.2}× the unsigned time)",
        rate(count, queued),
        queued / unsigned
    );
    Ok(())
}
