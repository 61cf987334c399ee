//! Review stories: approve, changes requested → new version → approve, supersede, reject.

use axum::http::StatusCode;
use serde_json::{json, Value};
use vellum_domain::Timestamp;

use crate::{harness::TestApp, on_both};

/// A team: a creator, a brand approver, two legal approvers in a group, and a viewer.
pub struct Team {
    pub creator: String,
    pub brand: (String, String),
    pub legal1: (String, String),
    pub legal2: (String, String),
    pub viewer: String,
    pub workflow: String,
}

pub async fn team(app: &TestApp, ws: &str, legal_rule: Value) -> Team {
    let creator = app.user(&format!("Creator{ws}")).await;
    let brand = app.user(&format!("Brand{ws}")).await;
    let legal1 = app.user(&format!("LegalA{ws}")).await;
    let legal2 = app.user(&format!("LegalB{ws}")).await;
    let viewer = app.user(&format!("Viewer{ws}")).await;
    app.workspace(
        ws,
        &[
            (&creator.0, "creator"),
            (&brand.0, "reviewer"),
            (&legal1.0, "reviewer"),
            (&legal2.0, "reviewer"),
            (&viewer.0, "viewer"),
        ],
    )
    .await;
    let g = app
        .post(
            &format!("/api/v1/workspaces/{ws}/groups"),
            Some(&app.admin),
            json!({"name": "Legal", "members": [legal1.0, legal2.0]}),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{:?}", g.json());
    let wf = app
        .post(
            &format!("/api/v1/workspaces/{ws}/workflows"),
            Some(&app.admin),
            json!({"name": "Brand then legal", "stages": [
                {"name": "Brand", "approvers": [{"user": brand.0}], "rule": "all", "due_in_hours": 24},
                {"name": "Legal", "approvers": [{"group": g.json()["id"]}], "rule": legal_rule, "start": "after_previous"}
            ]}),
        )
        .await;
    assert_eq!(wf.status, StatusCode::CREATED, "{:?}", wf.json());
    Team {
        creator: creator.1,
        brand,
        legal1,
        legal2,
        viewer: viewer.1,
        workflow: wf.json()["id"].as_str().unwrap().to_string(),
    }
}

pub async fn start_review(app: &TestApp, asset: &str, token: &str, workflow: &str) -> Value {
    let r = app.post(&format!("/api/v1/assets/{asset}/reviews"), Some(token), json!({"workflow_id": workflow})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    r.json()
}

async fn asset(app: &TestApp, id: &str, token: &str) -> Value {
    let r = app.get(&format!("/api/v1/assets/{id}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    r.json()
}

fn stage_statuses(review: &Value) -> Vec<String> {
    review["stages"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap().to_string()).collect()
}

async fn full_approve_path(app: &TestApp) {
    let t = team(app, "acme", json!("all")).await;
    let a = app.new_asset("acme", &t.creator, "Spring hero", b"version one").await;
    let id = a["id"].as_str().unwrap();
    assert_eq!(a["status"], "draft");
    assert_eq!(a["approved_version"], Value::Null);

    let review = start_review(app, id, &t.creator, &t.workflow).await;
    let rid = review["id"].as_str().unwrap();
    assert_eq!(review["version"], 1);
    assert_eq!(review["status"], "in_progress");
    assert_eq!(stage_statuses(&review), ["active", "pending"]);
    assert!(review["stages"][0]["due_at"].is_string());
    assert_eq!(asset(app, id, &t.creator).await["status"], "in_review");

    // Legal is not active yet.
    let early = app.decide(rid, &t.legal1.1, 1, "approve", None).await;
    assert_eq!(early.status, StatusCode::FORBIDDEN);
    assert_eq!(early.code(), "not_an_approver");

    let r = app.decide(rid, &t.brand.1, 1, "approve", None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    assert_eq!(stage_statuses(&r.json()), ["approved", "active"]);
    let r = app.decide(rid, &t.legal1.1, 1, "approve_with_changes", Some("tiny typo in the footer")).await;
    assert_eq!(stage_statuses(&r.json()), ["approved", "active"]);
    let r = app.decide(rid, &t.legal2.1, 1, "approve", None).await;
    let done = r.json();
    assert_eq!(done["status"], "approved");
    assert_eq!(stage_statuses(&done), ["approved", "approved"]);
    let legal = &done["stages"][1]["approvers"];
    assert_eq!(legal.as_array().unwrap().len(), 2);
    assert!(legal
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["decision"] == "approve_with_changes" && a["reason"] == "tiny typo in the footer"));

    let a = asset(app, id, &t.creator).await;
    assert_eq!(a["status"], "approved");
    assert_eq!(a["approved_version"], 1);
    // The viewer now sees it.
    let list = app.get("/api/v1/workspaces/acme/assets", &t.viewer).await.json();
    assert_eq!(list["assets"].as_array().unwrap().len(), 1);

    // The audit trail tells the story and verifies.
    let events =
        app.get(&format!("/api/v1/workspaces/acme/audit?object_type=review&object_id={rid}"), &app.admin).await.json();
    let actions: Vec<&str> =
        events["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["review.start", "review.decide", "review.decide", "review.decide"]);
    let v = app.get("/api/v1/workspaces/acme/audit/verify", &app.admin).await.json();
    assert_eq!(v["ok"], true);
}

async fn changes_requested_then_new_version_then_approve(app: &TestApp) {
    let t = team(app, "bank", json!("any")).await;
    let a = app.new_asset("bank", &t.creator, "Mortgage leaflet", b"draft 1").await;
    let id = a["id"].as_str().unwrap();
    let review = start_review(app, id, &t.creator, &t.workflow).await;
    let rid = review["id"].as_str().unwrap();

    let no_reason = app.decide(rid, &t.brand.1, 1, "changes_requested", None).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.code(), "reason_required");
    let r = app.decide(rid, &t.brand.1, 1, "changes_requested", Some("APR must be bigger")).await;
    assert_eq!(r.json()["status"], "changes_requested");
    assert_eq!(stage_statuses(&r.json()), ["changes_requested", "skipped"]);
    assert_eq!(asset(app, id, &t.creator).await["status"], "changes_requested");

    // The change note is mandatory.
    let empty = app.new_version(id, &t.creator, "  ", b"draft 2").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.code(), "invalid_note");

    let v2 = app.new_version(id, &t.creator, "Bigger APR", b"draft 2").await;
    assert_eq!(v2.status, StatusCode::CREATED, "{:?}", v2.json());
    assert_eq!(v2.json()["number"], 2);
    assert_eq!(v2.json()["note"], "Bigger APR");

    // A fresh review of v2 started with the same workflow revision; the old one is kept.
    let reviews = app.get(&format!("/api/v1/assets/{id}/reviews"), &t.creator).await.json();
    let reviews = reviews["reviews"].as_array().unwrap().clone();
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[0]["version"], 2);
    assert_eq!(reviews[0]["status"], "in_progress");
    assert_eq!(reviews[0]["workflow_revision"], reviews[1]["workflow_revision"]);
    assert_eq!(reviews[1]["status"], "changes_requested");
    let new_rid = reviews[0]["id"].as_str().unwrap();
    assert!(reviews[0]["stages"][0]["approvers"][0]["decision"].is_null(), "old decisions never count");
    assert_eq!(asset(app, id, &t.creator).await["status"], "in_review");

    let stale = app.decide(new_rid, &t.brand.1, 1, "approve", None).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "version_mismatch");
    let closed = app.decide(rid, &t.brand.1, 1, "approve", None).await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    assert_eq!(closed.code(), "review_closed");

    app.decide(new_rid, &t.brand.1, 2, "approve", None).await;
    let r = app.decide(new_rid, &t.legal2.1, 2, "approve", None).await;
    assert_eq!(r.json()["status"], "approved");
    let a = asset(app, id, &t.creator).await;
    assert_eq!((a["status"].as_str(), a["approved_version"].as_u64()), (Some("approved"), Some(2)));
}

async fn new_version_supersedes_an_open_review(app: &TestApp) {
    let t = team(app, "shop", json!({"quorum": 2})).await;
    let a = app.new_asset("shop", &t.creator, "Banner", b"one").await;
    let id = a["id"].as_str().unwrap();
    let review = start_review(app, id, &t.creator, &t.workflow).await;
    let rid = review["id"].as_str().unwrap();
    app.decide(rid, &t.brand.1, 1, "approve", None).await;
    app.decide(rid, &t.legal1.1, 1, "approve", None).await;

    let v2 = app.new_version(id, &t.creator, "Sharper photo", b"two").await;
    assert_eq!(v2.status, StatusCode::CREATED);
    let old = app.get(&format!("/api/v1/reviews/{rid}"), &t.creator).await.json();
    assert_eq!(old["status"], "superseded");
    assert_eq!(stage_statuses(&old), ["approved", "skipped"]);
    // Decisions stay in history.
    assert_eq!(old["stages"][0]["approvers"][0]["decision"], "approve");

    let after = app.decide(rid, &t.legal2.1, 1, "approve", None).await;
    assert_eq!(after.code(), "review_closed");
    let latest = app.get(&format!("/api/v1/assets/{id}/reviews"), &t.creator).await.json();
    let fresh = &latest["reviews"][0];
    assert_eq!(fresh["version"], 2);
    assert_eq!(stage_statuses(fresh), ["active", "pending"]);
    let a = asset(app, id, &t.creator).await;
    assert_eq!(a["status"], "in_review");
    assert_eq!(a["approved_version"], Value::Null);
}

async fn approved_version_stays_while_a_newer_one_is_reviewed(app: &TestApp) {
    let t = team(app, "ins", json!("any")).await;
    let a = app.new_asset("ins", &t.creator, "Policy flyer", b"approved bytes").await;
    let id = a["id"].as_str().unwrap();
    let rid = start_review(app, id, &t.creator, &t.workflow).await["id"].as_str().unwrap().to_string();
    app.decide(&rid, &t.brand.1, 1, "approve", None).await;
    app.decide(&rid, &t.legal1.1, 1, "approve", None).await;
    assert_eq!(asset(app, id, &t.creator).await["approved_version"], 1);

    // Approved then a new upload: no automatic review, status back to draft, v1 still approved.
    app.new_version(id, &t.creator, "Q3 refresh", b"newer bytes").await;
    let a2 = asset(app, id, &t.creator).await;
    assert_eq!(
        (a2["status"].as_str(), a2["approved_version"].as_u64(), a2["current_version"].as_u64()),
        (Some("draft"), Some(1), Some(2))
    );
    start_review(app, id, &t.creator, &t.workflow).await;
    let a3 = asset(app, id, &t.creator).await;
    assert_eq!((a3["status"].as_str(), a3["approved_version"].as_u64()), (Some("in_review"), Some(1)));

    // The viewer sees only the approved version.
    let seen = asset(app, id, &t.viewer).await;
    assert_eq!((seen["current_version"].as_u64(), seen["status"].as_str()), (Some(1), Some("approved")));
    let versions = app.get(&format!("/api/v1/assets/{id}/versions"), &t.viewer).await.json();
    let numbers: Vec<u64> =
        versions["versions"].as_array().unwrap().iter().map(|v| v["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [1]);
    let file = app.get(&format!("/api/v1/assets/{id}/versions/1/file"), &t.viewer).await;
    assert_eq!(file.body, b"approved bytes");
    assert_eq!(app.get(&format!("/api/v1/assets/{id}/versions/2/file"), &t.viewer).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/assets/{id}/reviews"), &t.viewer).await.json()["reviews"], json!([]));
    assert_eq!(app.get(&format!("/api/v1/reviews/{rid}"), &t.viewer).await.status, StatusCode::NOT_FOUND);
    // Filters for unapproved statuses find nothing for a viewer.
    let drafts = app.get("/api/v1/workspaces/ins/assets?status=in_review", &t.viewer).await.json();
    assert_eq!(drafts["assets"], json!([]));
}

async fn reject_closes_for_good(app: &TestApp) {
    let t = team(app, "med", json!("any")).await;
    let a = app.new_asset("med", &t.creator, "Drug claim", b"claim").await;
    let id = a["id"].as_str().unwrap();
    let rid = start_review(app, id, &t.creator, &t.workflow).await["id"].as_str().unwrap().to_string();
    let no_reason = app.decide(&rid, &t.brand.1, 1, "reject", Some("")).await;
    assert_eq!(no_reason.code(), "reason_required");
    let r = app.decide(&rid, &t.brand.1, 1, "reject", Some("Unsupported efficacy claim")).await;
    assert_eq!(r.json()["status"], "rejected");
    assert_eq!(asset(app, id, &t.creator).await["status"], "rejected");
    let again = app.decide(&rid, &t.brand.1, 1, "approve", None).await;
    assert_eq!((again.status, again.code().as_str()), (StatusCode::CONFLICT, "review_closed"));
    // A new version does not reopen it.
    app.new_version(id, &t.creator, "Softer claim", b"claim 2").await;
    let reviews = app.get(&format!("/api/v1/assets/{id}/reviews"), &t.creator).await.json();
    assert_eq!(reviews["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(asset(app, id, &t.creator).await["status"], "rejected");
}

async fn decision_errors(app: &TestApp) {
    let t = team(app, "err", json!("all")).await;
    let a = app.new_asset("err", &t.creator, "Poster", b"poster").await;
    let id = a["id"].as_str().unwrap();
    let rid = start_review(app, id, &t.creator, &t.workflow).await["id"].as_str().unwrap().to_string();
    let twice = start_review_raw(app, id, &t.creator, &t.workflow).await;
    assert_eq!((twice.0, twice.1.as_str()), (StatusCode::CONFLICT, "review_in_progress"));

    let creator = app.decide(&rid, &t.creator, 1, "approve", None).await;
    assert_eq!((creator.status, creator.code().as_str()), (StatusCode::FORBIDDEN, "not_an_approver"));
    let bad = app.decide(&rid, &t.brand.1, 1, "looks good", None).await;
    assert_eq!((bad.status, bad.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_decision"));
    app.decide(&rid, &t.brand.1, 1, "approve", None).await;
    let again = app.decide(&rid, &t.brand.1, 1, "approve", None).await;
    // Brand's stage is done: a second click is "already decided", not "not an approver".
    assert_eq!((again.status, again.code().as_str()), (StatusCode::CONFLICT, "already_decided"));
    app.decide(&rid, &t.legal1.1, 1, "approve", None).await;
    let dup = app.decide(&rid, &t.legal1.1, 1, "approve", None).await;
    assert_eq!((dup.status, dup.code().as_str()), (StatusCode::CONFLICT, "already_decided"));
    let viewer = app.decide(&rid, &t.viewer, 1, "approve", None).await;
    assert_eq!(viewer.status, StatusCode::NOT_FOUND, "viewers cannot see unapproved work");
    let missing = app.decide("01900000-0000-7000-8000-00000000dead", &t.brand.1, 1, "approve", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn start_review_raw(app: &TestApp, asset: &str, token: &str, workflow: &str) -> (StatusCode, String) {
    let r = app.post(&format!("/api/v1/assets/{asset}/reviews"), Some(token), json!({"workflow_id": workflow})).await;
    (r.status, r.code())
}

async fn workflow_edits_make_revisions_and_reviews_keep_theirs(app: &TestApp) {
    let t = team(app, "rev", json!("all")).await;
    let a = app.new_asset("rev", &t.creator, "Video script", b"script").await;
    let id = a["id"].as_str().unwrap();
    let rid = start_review(app, id, &t.creator, &t.workflow).await["id"].as_str().unwrap().to_string();

    let put = app
        .put(
            &format!("/api/v1/workflows/{}", t.workflow),
            &app.admin,
            json!({"name": "Brand and legal in parallel", "stages": [
                {"name": "Brand", "approvers": [{"user": t.brand.0}], "rule": "all"},
                {"name": "Legal", "approvers": [{"user": t.legal1.0}], "rule": "any", "start": "with_previous"}
            ]}),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
    assert_eq!(put.json()["revision"], 2);
    let wf = app.get(&format!("/api/v1/workflows/{}", t.workflow), &t.creator).await.json();
    assert_eq!(wf["revision"], 2);

    let old = app.get(&format!("/api/v1/reviews/{rid}"), &t.creator).await.json();
    assert_eq!(old["workflow_revision"], 1);
    assert_eq!(stage_statuses(&old), ["active", "pending"]);

    // A new version restarts with the revision the review began with, not the new one.
    app.new_version(id, &t.creator, "Tighter script", b"script 2").await;
    let fresh = &app.get(&format!("/api/v1/assets/{id}/reviews"), &t.creator).await.json()["reviews"][0];
    assert_eq!(fresh["workflow_revision"], 1);
    assert_eq!(stage_statuses(fresh), ["active", "pending"]);

    // A review started from scratch later uses revision 2, with parallel stages.
    let b = app.new_asset("rev", &t.creator, "Other", b"other").await;
    let r2 = start_review(app, b["id"].as_str().unwrap(), &t.creator, &t.workflow).await;
    assert_eq!(r2["workflow_revision"], 2);
    assert_eq!(stage_statuses(&r2), ["active", "active"]);

    // Only owners and admins edit workflows.
    let denied =
        app.put(&format!("/api/v1/workflows/{}", t.workflow), &t.creator, json!({"name": "x", "stages": []})).await;
    assert_eq!(denied.status, StatusCode::UNPROCESSABLE_ENTITY, "validation comes first");
    let denied = app
        .put(
            &format!("/api/v1/workflows/{}", t.workflow),
            &t.creator,
            json!({"name": "x", "stages": [{"name": "s", "approvers": [{"user": t.brand.0}], "rule": "all"}]}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

on_both!(
    full_approve_path,
    changes_requested_then_new_version_then_approve,
    new_version_supersedes_an_open_review,
    approved_version_stays_while_a_newer_one_is_reviewed,
    reject_closes_for_good,
    decision_errors,
    workflow_edits_make_revisions_and_reviews_keep_theirs,
);

/// The id of a member of `ws` with `role`.
async fn member_with_role(app: &TestApp, ws: &str, role: &str) -> String {
    let members = app.get(&format!("/api/v1/workspaces/{ws}/members"), &app.admin).await.json();
    let m = members["members"].as_array().unwrap().iter().find(|m| m["role"] == role).unwrap().clone();
    m["user_id"].as_str().unwrap().to_string()
}

/// An admin hands a pending approval to another member, with a reason; the review lists it.
async fn an_admin_reassigns_a_pending_approver(app: &TestApp) {
    let t = team(app, "reas", json!("any")).await;
    let a = app.new_asset("reas", &t.creator, "Poster", b"poster").await;
    let r = start_review(app, a["id"].as_str().unwrap(), &t.creator, &t.workflow).await;
    let rid = r["id"].as_str().unwrap();
    let path = format!("/api/v1/reviews/{rid}/reassign");
    let body = |stage: &str, from: &str, to: &str, reason: &str| json!({"stage": stage, "from_user": from, "to_user": to, "reason": reason});
    let viewer_id = member_with_role(app, "reas", "viewer").await;

    let refusals = [
        (body("Brand", &t.brand.0, &t.legal2.0, "   "), "a reason"),
        (body("Legal", &t.legal1.0, &t.legal2.0, "Away"), "not active"),
        (body("Brand", &t.legal1.0, &t.legal2.0, "Away"), "not a pending approver"),
        (body("Brand", &t.brand.0, &viewer_id, "Away"), "may approve"),
        (body("Nope", &t.brand.0, &t.legal2.0, "Away"), "no stage"),
    ];
    for (b, words) in refusals {
        let r = app.post(&path, Some(&app.admin), b.clone()).await;
        assert_eq!(r.code(), "invalid_reassignment", "{b}");
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(words), "{b}: {:?}", r.json());
    }
    let creator = app.post(&path, Some(&t.creator), body("Brand", &t.brand.0, &t.legal2.0, "Away")).await;
    assert_eq!(creator.status, StatusCode::FORBIDDEN);
    let outsider = app.user("Reasoutsider").await;
    let hidden = app.post(&path, Some(&outsider.1), body("Brand", &t.brand.0, &t.legal2.0, "Away")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    let done = app.post(&path, Some(&app.admin), body("Brand", &t.brand.0, &t.legal2.0, "On leave until May")).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.json());
    let review = done.json();
    let approvers: Vec<&str> =
        review["stages"][0]["approvers"].as_array().unwrap().iter().map(|a| a["user_id"].as_str().unwrap()).collect();
    assert_eq!(approvers, [t.legal2.0.as_str()]);
    let event = &review["events"][0];
    assert_eq!((event["kind"].as_str(), event["stage"].as_str()), (Some("reassignment"), Some("Brand")));
    assert_eq!(event["from_user"], t.brand.0.as_str());
    assert_eq!(event["reason"], "On leave until May");

    let former = app.decide(rid, &t.brand.1, 1, "approve", None).await;
    assert_eq!((former.status, former.code().as_str()), (StatusCode::FORBIDDEN, "not_an_approver"));
    let new = app.decide(rid, &t.legal2.1, 1, "approve", None).await;
    assert_eq!(new.status, StatusCode::CREATED, "{:?}", new.json());
    let trail = app.get(&format!("/api/v1/workspaces/reas/audit?object_id={rid}"), &app.admin).await.json();
    assert!(trail["events"].as_array().unwrap().iter().any(|e| e["action"] == "review.reassign"));
}

on_both!(an_admin_reassigns_a_pending_approver);

/// A delegate decides while the approver is away, as themselves for the approver, never twice
/// on one stage, and not once the period is over.
async fn a_delegate_decides_during_out_of_office(app: &TestApp) {
    let t = team(app, "away", json!("any")).await;
    let brand_id = t.brand.0.clone();
    let legal_id = t.legal1.0.clone();
    let now = app.clock_now();
    let period = |from: Timestamp, until: Timestamp, delegate: &str| json!({"from": from.to_string(), "until": until.to_string(), "delegate_id": delegate, "workspace": "away"});
    let viewer_id = member_with_role(app, "away", "viewer").await;
    for bad in [
        period(now.plus_hours(2), now.plus_hours(1), &legal_id),
        period(now, now.plus_hours(48), &viewer_id),
        period(now, now.plus_hours(48), &brand_id),
    ] {
        let r = app.put("/api/v1/me/out-of-office", &t.brand.1, bad.clone()).await;
        assert_eq!(r.code(), "invalid_out_of_office", "{bad}");
    }
    let set = app
        .put("/api/v1/me/out-of-office", &t.brand.1, period(now.plus_secs(-60), now.plus_hours(48), &legal_id))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.json());
    assert_eq!(app.get("/api/v1/me/out-of-office", &t.brand.1).await.json()["periods"].as_array().unwrap().len(), 1);

    // Legal approves nothing open on this review yet: their decision stands in for Brand.
    let a = app.new_asset("away", &t.creator, "Poster", b"poster").await;
    let r = start_review(app, a["id"].as_str().unwrap(), &t.creator, &t.workflow).await;
    let rid = r["id"].as_str().unwrap().to_string();
    let decided = app.decide(&rid, &t.legal1.1, 1, "approve", None).await;
    assert_eq!(decided.status, StatusCode::CREATED, "{:?}", decided.json());
    let entry = &decided.json()["stages"][0]["approvers"][0];
    assert_eq!(
        (entry["user_id"].as_str(), entry["on_behalf_of"].as_str()),
        (Some(legal_id.as_str()), Some(brand_id.as_str()))
    );
    assert_eq!(decided.json()["stages"][1]["status"], "active", "Brand's stage is done");

    // On a stage Legal approves too, they decide once: as themselves.
    let pair = app
        .post(
            "/api/v1/workspaces/away/workflows",
            Some(&app.admin),
            json!({"name": "Pair", "stages": [{"name": "Both", "approvers": [{"user": brand_id}, {"user": legal_id}], "rule": "all"}]}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = app.new_asset("away", &t.creator, "Flyer", b"flyer").await;
    let r2 = start_review(app, b["id"].as_str().unwrap(), &t.creator, &pair).await["id"].as_str().unwrap().to_string();
    let body = |on_behalf_of: &str| json!({"version": 1, "decision": "approve", "on_behalf_of": on_behalf_of});
    let twice = app.post(&format!("/api/v1/reviews/{r2}/decisions"), Some(&t.legal1.1), body(&brand_id)).await;
    assert_eq!((twice.status, twice.code().as_str()), (StatusCode::CONFLICT, "already_decided"));
    let own = app.decide(&r2, &t.legal1.1, 1, "approve", None).await;
    assert_eq!(own.status, StatusCode::CREATED);
    assert_eq!(own.json()["stages"][0]["approvers"][1]["on_behalf_of"], serde_json::Value::Null);

    // After the period, standing in is refused; ending it early works too.
    app.clock.advance_secs(3 * 24 * 3600);
    let c = app.new_asset("away", &t.creator, "Banner", b"banner").await;
    let r3 =
        start_review(app, c["id"].as_str().unwrap(), &t.creator, &t.workflow).await["id"].as_str().unwrap().to_string();
    let late = app.post(&format!("/api/v1/reviews/{r3}/decisions"), Some(&t.legal1.1), body(&brand_id)).await;
    assert_eq!((late.status, late.code().as_str()), (StatusCode::FORBIDDEN, "not_an_approver"));
    let ended = app
        .send(
            axum::http::Method::DELETE,
            "/api/v1/me/out-of-office?workspace=away",
            crate::harness::Auth::Bearer(&t.brand.1),
            None,
        )
        .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me/out-of-office", &t.brand.1).await.json()["periods"], json!([]));
}

on_both!(a_delegate_decides_during_out_of_office);

/// Members may have a supervisor (who escalations go to), another member of the workspace.
async fn members_have_supervisors(app: &TestApp) {
    let t = team(app, "sup", json!("any")).await;
    let path = format!("/api/v1/workspaces/sup/members/{}", t.legal1.0);
    let set = app.put(&path, &app.admin, json!({"role": "reviewer", "supervisor_id": t.brand.0})).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.json());
    assert_eq!(set.json()["supervisor_id"], t.brand.0.as_str());
    let listed = app.get("/api/v1/workspaces/sup/members", &app.admin).await.json();
    let me =
        listed["members"].as_array().unwrap().iter().find(|m| m["user_id"] == t.legal1.0.as_str()).unwrap().clone();
    assert_eq!(me["supervisor_id"], t.brand.0.as_str());
    let outsider = app.user("Supoutsider").await;
    for bad in [outsider.0.as_str(), t.legal1.0.as_str()] {
        let r = app.put(&path, &app.admin, json!({"role": "reviewer", "supervisor_id": bad})).await;
        assert_eq!(r.code(), "invalid_supervisor");
    }
    let cleared = app.put(&path, &app.admin, json!({"role": "reviewer"})).await;
    assert_eq!(cleared.json()["supervisor_id"], Value::Null);
}

on_both!(members_have_supervisors);

/// My work: the decisions I owe (overdue flagged), and for managers who holds things up.
async fn my_work_lists_decisions_and_bottlenecks(app: &TestApp) {
    let t = team(app, "work", json!("any")).await;
    for title in ["One", "Two"] {
        let a = app.new_asset("work", &t.creator, title, title.as_bytes()).await;
        start_review(app, a["id"].as_str().unwrap(), &t.creator, &t.workflow).await;
    }
    let mine = app.get("/api/v1/me/work", &t.brand.1).await.json();
    let decisions = mine["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["stages"], json!(["Brand"]));
    assert_eq!(decisions[0]["overdue"], false);
    assert!(decisions[0]["due_at"].is_string(), "the Brand stage is due within 24 h");
    assert_eq!(mine["bottlenecks"]["by_approver"], json!([]), "a reviewer manages nothing");
    assert_eq!(mine["mentions"], json!([]), "nobody mentioned them");

    app.clock.advance_secs(25 * 3600);
    let late = app.get("/api/v1/me/work", &t.brand.1).await.json();
    assert_eq!(late["decisions"][0]["overdue"], true);

    let admin = app.get("/api/v1/me/work", &app.admin).await.json();
    let by_approver = admin["bottlenecks"]["by_approver"].as_array().unwrap();
    assert_eq!(by_approver.len(), 1, "{admin}");
    assert_eq!(
        (by_approver[0]["user_id"].as_str(), by_approver[0]["pending"].as_u64()),
        (Some(t.brand.0.as_str()), Some(2))
    );
    let by_stage = admin["bottlenecks"]["by_stage"].as_array().unwrap();
    assert_eq!((by_stage[0]["name"].as_str(), by_stage[0]["pending"].as_u64()), (Some("Brand"), Some(2)));
    let outsider = app.user("Workoutsider").await;
    let theirs = app.get("/api/v1/me/work", &outsider.1).await.json();
    assert_eq!((theirs["decisions"].clone(), theirs["bottlenecks"]["by_stage"].clone()), (json!([]), json!([])));
}

on_both!(my_work_lists_decisions_and_bottlenecks);
