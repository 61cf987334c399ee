//! Audit stories: someone with write access to the database rewrites the record after a
//! checkpoint and recomputes every hash; verification (API and offline bundle) still names
//! what changed. Verification never raises a false alarm while others write.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vellum_core::audit::bundle;

use crate::{
    harness::{Auth, TestApp},
    review_stories::{start_review, team},
};

/// A workspace with an asset approved through two stages; returns the workspace id.
async fn approved_asset(app: &TestApp, ws: &str) -> String {
    let t = team(app, ws, json!("any")).await;
    let asset = app.new_asset(ws, &t.creator, "Spring poster", b"spring poster").await;
    let id = asset["id"].as_str().unwrap();
    let review = start_review(app, id, &t.creator, &t.workflow).await;
    let rid = review["id"].as_str().unwrap();
    assert_eq!(app.decide(rid, &t.brand.1, 1, "approve", None).await.status, StatusCode::CREATED);
    assert_eq!(app.decide(rid, &t.legal1.1, 1, "approve", None).await.status, StatusCode::CREATED);
    // Something after the decisions, so they sit in the middle of the chain.
    let r = app
        .send(Method::PATCH, &format!("/api/v1/assets/{id}"), Auth::Bearer(&t.creator), Some(json!({"title": "Final"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    asset["workspace_id"].as_str().unwrap().to_string()
}

pub(crate) async fn sql(app: &TestApp, statement: &str) {
    let mut tx = app.core.store.write().await.unwrap();
    vellum_store::testing::execute(&mut tx, statement).await.unwrap();
    tx.commit().await.unwrap();
}

async fn recompute(app: &TestApp, chain: &str) {
    let mut tx = app.core.store.write().await.unwrap();
    vellum_store::testing::recompute_chain(&mut tx, chain).await.unwrap();
    tx.commit().await.unwrap();
}

async fn verify(app: &TestApp, ws: &str) -> Value {
    let r = app.get(&format!("/api/v1/workspaces/{ws}/audit/verify"), &app.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    r.json()
}

async fn checkpoint(app: &TestApp) -> Value {
    let r = app.send(Method::POST, "/api/v1/admin/audit/checkpoint", Auth::Bearer(&app.admin), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    r.json()
}

/// The seq of the first event with this action.
async fn seq_of(app: &TestApp, ws: &str, action: &str) -> i64 {
    let events = app.get(&format!("/api/v1/workspaces/{ws}/audit"), &app.admin).await.json();
    events["events"].as_array().unwrap().iter().find(|e| e["action"] == action).unwrap()["seq"].as_i64().unwrap()
}

/// The offline bundle of everything, checked with only the public key.
async fn bundle_verdict(app: &TestApp, ws: &str) -> Value {
    let keeper = app.core.audit.as_ref().unwrap();
    let log = vellum_core::audit::keeper::read_log(keeper.log.as_ref().unwrap()).unwrap();
    let mut out = Vec::new();
    bundle::export(&app.core.store, &keeper.key.public(), "now", &log, &mut out).await.unwrap();
    let report = bundle::verify(&out[..], Some(keeper.key.public())).unwrap();
    let v = report.chains.iter().find(|c| c.chain == ws).unwrap();
    serde_json::to_value(v).unwrap()
}

async fn five_attacks_on_checkpointed_events_are_caught(app: &TestApp) {
    // 1. Edit a decision, recompute the chain and its head.
    let ws = approved_asset(app, "edit").await;
    // Only a server admin signs checkpoints on demand.
    let (_, member) = app.user("Nonadmin").await;
    let refused = app.send(Method::POST, "/api/v1/admin/audit/checkpoint", Auth::Bearer(&member), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.json());
    let cp = checkpoint(app).await;
    let events = cp["chains"][&ws]["seq"].as_i64().unwrap();
    let v = verify(app, &ws).await;
    assert_eq!((v["ok"].as_bool(), v["checkpoint"]["seq"].as_i64()), (Some(true), Some(events)), "{v}");
    let decided = seq_of(app, &ws, "review.decide").await;
    sql(
        app,
        &format!(
            "UPDATE audit_events SET after_json = REPLACE(after_json, 'approve', 'reject') WHERE chain = '{ws}' AND seq = {decided}"
        ),
    )
    .await;
    recompute(app, &ws).await;
    let v = verify(app, &ws).await;
    assert_eq!((v["ok"].as_bool(), v["chain"].as_str()), (Some(false), Some(ws.as_str())), "{v}");
    assert_eq!(v["first_bad_seq"].as_i64(), Some(decided), "{v}");
    let b = bundle_verdict(app, &ws).await;
    assert_eq!(b["ok"], false, "{b}");
    assert_eq!(b["first_bad_seq"], 1, "without the key the bundle names the range since the last good checkpoint");

    // 2. Delete the last events and move the head back.
    let ws = approved_asset(app, "cut").await;
    let cp = checkpoint(app).await;
    let n = cp["chains"][&ws]["seq"].as_i64().unwrap();
    sql(app, &format!("DELETE FROM audit_events WHERE chain = '{ws}' AND seq > {}", n - 2)).await;
    recompute(app, &ws).await;
    let v = verify(app, &ws).await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["missing"], json!({"from": n - 1, "to": n}), "{v}");
    assert_eq!(bundle_verdict(app, &ws).await["missing"], json!({"from": n - 1, "to": n}));

    // 3. Delete every decision and recompute.
    let ws = approved_asset(app, "nodecide").await;
    checkpoint(app).await;
    let first = seq_of(app, &ws, "review.decide").await;
    sql(app, &format!("DELETE FROM audit_events WHERE chain = '{ws}' AND action = 'review.decide'")).await;
    recompute(app, &ws).await;
    let v = verify(app, &ws).await;
    assert_eq!((v["ok"].as_bool(), v["first_bad_seq"].as_i64()), (Some(false), Some(first)), "{v}");
    assert_eq!(bundle_verdict(app, &ws).await["ok"], false);

    // 4. Drop the whole workspace chain.
    let ws = approved_asset(app, "dropped").await;
    let cp = checkpoint(app).await;
    let n = cp["chains"][&ws]["seq"].as_i64().unwrap();
    sql(app, &format!("DELETE FROM audit_events WHERE chain = '{ws}'")).await;
    sql(app, &format!("DELETE FROM audit_heads WHERE chain = '{ws}'")).await;
    let v = verify(app, &ws).await;
    assert_eq!((v["ok"].as_bool(), &v["missing"]), (Some(false), &json!({"from": 1, "to": n})), "{v}");
    assert_eq!(bundle_verdict(app, &ws).await["missing"], json!({"from": 1, "to": n}));

    // 5. Cut the tail and delete the checkpoints from the database too: the log outside it
    //    still has them.
    let ws = approved_asset(app, "nocp").await;
    let cp = checkpoint(app).await;
    let n = cp["chains"][&ws]["seq"].as_i64().unwrap();
    sql(app, &format!("DELETE FROM audit_events WHERE chain = '{ws}' AND seq = {n}")).await;
    recompute(app, &ws).await;
    sql(app, "DELETE FROM audit_checkpoints").await;
    let v = verify(app, &ws).await;
    assert_eq!((v["ok"].as_bool(), &v["missing"]), (Some(false), &json!({"from": n, "to": n})), "{v}");

    // A forged checkpoint row (not signed by this server's key) is itself reported.
    let clean = approved_asset(app, "clean").await;
    assert_eq!(verify(app, &clean).await["ok"], true);
    sql(app, "INSERT INTO audit_checkpoints (id, at, line) VALUES ('x', 'x', '{\"at\":\"x\",\"chains\":{},\"public_key\":\"00\",\"signature\":\"00\"}')").await;
    let v = verify(app, &clean).await;
    assert_eq!(v["ok"], false, "{v}");
    assert!(v["reason"].as_str().unwrap().contains("signature"), "{v}");
}

/// A few hundred verifications while uploads, edits and checkpoints run: never a false alarm.
async fn verification_never_raises_a_false_alarm_while_others_write(app: &TestApp) {
    let creator = app.user("Busy").await;
    app.workspace("busy", &[(&creator.0, "creator")]).await;
    let asset = app.new_asset("busy", &creator.1, "Moving target", b"moving target").await;
    let id = asset["id"].as_str().unwrap().to_string();
    let done = std::sync::atomic::AtomicBool::new(false);
    let writer = async {
        let mut n = 0u32;
        // Bounded, so the chain (and each walk of it) stays a few hundred events long.
        while !done.load(std::sync::atomic::Ordering::Relaxed) && n < 400 {
            n += 1;
            let r = app
                .send(
                    Method::PATCH,
                    &format!("/api/v1/assets/{id}"),
                    Auth::Bearer(&creator.1),
                    Some(json!({"title": format!("Moving target {n}")})),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
            if n.is_multiple_of(10) {
                app.new_asset("busy", &creator.1, &format!("Extra {n}"), format!("bytes {n}").as_bytes()).await;
                checkpoint(app).await;
            }
        }
        n
    };
    let verifier = async {
        for i in 0..300 {
            let v = verify(app, "busy").await;
            assert_eq!(v["ok"], true, "verification {i} raised a false alarm: {v}");
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    let (writes, ()) = tokio::join!(writer, verifier);
    assert!(writes > 0);
}

macro_rules! on_both_tampering {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$story(&$crate::harness::TestApp::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::harness::TestApp::postgres().await {
                    super::$story(&app).await;
                }
            }
        }
    )*};
}

on_both_tampering!(five_attacks_on_checkpointed_events_are_caught);
crate::on_both!(verification_never_raises_a_false_alarm_while_others_write);
