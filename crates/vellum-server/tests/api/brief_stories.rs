//! Briefs through the API: a template with mandatory fields, a brief refused field by field,
//! submitted, routed and approved by the review engine on its revision; an edit during
//! approval that supersedes the review; work refused against an unapproved brief and linked
//! to the approved one, its deliverable ticked; the naming convention at upload and download.

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    harness::{Auth, TestApp},
    on_both,
    review_stories::team,
};

pub fn social_template(workflow: Option<&str>) -> Value {
    json!({
        "name": "Social brief", "kind": "brief",
        "sections": [
            {"title": "Audience", "fields": [
                {"key": "audience", "label": "Audience", "type": "text", "required": true, "help": "Who should act"},
                {"key": "market", "label": "Market", "type": "enum", "values": ["AU", "NZ"], "required": true},
                {"key": "story", "label": "Story", "type": "long_text"}
            ]},
            {"title": "Links", "fields": [
                {"key": "landing", "label": "Landing page", "type": "url"},
                {"key": "refs", "label": "References", "type": "asset_refs"}
            ]}
        ],
        "mandatories": ["Risk warning", "Target market determination"],
        "deliverables": ["Social tile", "Story"],
        "workflow_id": workflow
    })
}

pub async fn post_ok(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let r = app.post(path, Some(token), body).await;
    assert!(r.status.is_success(), "{path}: {:?}", r.json());
    r.json()
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> crate::harness::Reply {
    app.send(Method::PATCH, path, Auth::Bearer(token), Some(body)).await
}

fn decide(version: u64) -> Value {
    json!({"version": version, "decision": "approve"})
}

async fn a_brief_is_checked_submitted_approved_and_receives_work(app: &TestApp) {
    let t = team(app, "brief", json!("any")).await;
    let templates = "/api/v1/workspaces/brief/brief-templates";
    // Only admins write templates; a template's problems are named by key.
    assert_eq!(app.post(templates, Some(&t.creator), social_template(None)).await.status, StatusCode::FORBIDDEN);
    let mut broken = social_template(None);
    broken["sections"][0]["fields"][1]["values"] = json!([]);
    let refused = app.post(templates, Some(&app.admin), broken).await;
    assert_eq!(refused.code(), "invalid_brief_template");
    assert_eq!(refused.json()["error"]["fields"][0]["key"], "market");
    let template = post_ok(app, templates, &app.admin, social_template(Some(&t.workflow))).await;
    let tid = template["id"].as_str().unwrap().to_string();
    assert_eq!(template["revision"], 1);
    assert_eq!(app.get(templates, &t.creator).await.json()["templates"][0]["id"], tid.as_str());
    assert_eq!(app.get(templates, &t.viewer).await.status, StatusCode::FORBIDDEN);

    // A missing mandatory field is refused with that field named; a wrong value too.
    let briefs = "/api/v1/workspaces/brief/briefs";
    let missing = app
        .post(briefs, Some(&t.creator), json!({"template_id": tid, "title": "Spring tile", "fields": {"audience": "Young savers", "landing": "ftp://x"}}))
        .await;
    assert_eq!((missing.status, missing.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_brief"));
    let errors = missing.json();
    let keys: Vec<&str> =
        errors["error"]["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["market", "landing"]);
    let fields = json!({"audience": "Young savers", "market": "AU", "story": "Save for summer"});
    let brief =
        post_ok(app, briefs, &t.creator, json!({"template_id": tid, "title": "Spring tile", "fields": fields})).await;
    let id = brief["id"].as_str().unwrap().to_string();
    assert_eq!((brief["status"].as_str(), brief["revision"].as_u64()), (Some("draft"), Some(1)));
    assert_eq!(brief["template_revision"], 1);
    assert_eq!(
        brief["deliverables"],
        json!([{"name": "Social tile", "asset_ids": [], "approved": false}, {"name": "Story", "asset_ids": [], "approved": false}])
    );
    assert!(brief["timeline"]["submitted_at"].is_null());

    // A template's new revision leaves the brief on the one it was written on.
    let mut revised = social_template(Some(&t.workflow));
    revised["name"] = json!("Social brief v2");
    let put = app.put(&format!("/api/v1/brief-templates/{tid}"), &app.admin, revised).await;
    assert_eq!(put.json()["revision"], 2);
    assert_eq!(app.get(&format!("/api/v1/briefs/{id}"), &t.creator).await.json()["template_revision"], 1);

    // Work against a draft brief is refused.
    let upload = |fields: Vec<(&'static str, String)>, name: &'static str| {
        let token = t.creator.clone();
        async move {
            let mut f: Vec<(&str, &str)> = vec![("kind", "visual")];
            f.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            app.upload("/api/v1/workspaces/brief/assets", &token, &f, Some((name, b"tile bytes"))).await
        }
    };
    let early = upload(vec![("brief_id", id.clone())], "tile.png").await;
    assert_eq!((early.status, early.code().as_str()), (StatusCode::CONFLICT, "brief_not_approved"));

    // Submitted: a review of revision 1, with the brief as its subject.
    let submitted = post_ok(app, &format!("/api/v1/briefs/{id}/submit"), &t.creator, json!({})).await;
    assert_eq!(submitted["status"], "in_approval");
    let review = submitted["review"].clone();
    let rid = review["id"].as_str().unwrap().to_string();
    assert_eq!(review["subject"], json!({"type": "brief", "id": id, "revision": 1}));
    assert_eq!(submitted["review_id"], rid.as_str());
    assert!(submitted["timeline"]["submitted_at"].is_string());
    // The approver finds it among the decisions waiting for them.
    let work = app.get("/api/v1/me/work", &t.brand.1).await.json();
    let waiting = &work["decisions"][0];
    assert_eq!(
        (waiting["brief_id"].as_str(), waiting["asset_title"].as_str()),
        (Some(id.as_str()), Some("Spring tile"))
    );
    assert!(waiting["asset_id"].is_null());
    let again = app.post(&format!("/api/v1/briefs/{id}/submit"), Some(&t.creator), json!({})).await;
    assert_eq!(again.code(), "review_in_progress");

    // An edit during approval is revision 2: the open review is superseded by a fresh one.
    let edited =
        patch(app, &format!("/api/v1/briefs/{id}"), &t.creator, json!({"fields": {"story": "Save for winter"}})).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.json());
    let edited = edited.json();
    assert_eq!((edited["revision"].as_u64(), edited["status"].as_str()), (Some(2), Some("in_approval")));
    let rid2 = edited["review_id"].as_str().unwrap().to_string();
    assert_ne!(rid2, rid);
    let old = app.get(&format!("/api/v1/reviews/{rid}"), &t.brand.1).await.json();
    assert_eq!(old["status"], "superseded");
    let listed = app.get(&format!("/api/v1/briefs/{id}/reviews"), &t.creator).await.json();
    assert_eq!(listed["reviews"].as_array().unwrap().len(), 2);
    assert_eq!(listed["reviews"][0]["subject"]["revision"], 2);

    // A decision names the brief revision; the stale one is refused.
    let stale = app.post(&format!("/api/v1/reviews/{rid2}/decisions"), Some(&t.brand.1), decide(1)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{:?}", stale.json());
    assert_eq!(app.get(&format!("/api/v1/reviews/{rid2}"), &t.viewer).await.status, StatusCode::NOT_FOUND);
    for who in [&t.brand.1, &t.legal1.1] {
        post_ok(app, &format!("/api/v1/reviews/{rid2}/decisions"), who, decide(2)).await;
    }
    let approved = app.get(&format!("/api/v1/briefs/{id}"), &t.creator).await.json();
    assert_eq!(approved["status"], "approved");
    assert!(approved["timeline"]["approved_at"].is_string());
    assert_eq!(app.get(&format!("/api/v1/briefs/{id}"), &t.viewer).await.status, StatusCode::NOT_FOUND);
    let by_status = app.get("/api/v1/workspaces/brief/briefs?status=approved", &t.creator).await.json();
    assert_eq!(by_status["briefs"][0]["id"], id.as_str());
    let none = app.get("/api/v1/workspaces/brief/briefs?status=draft", &t.creator).await.json();
    assert_eq!(none["briefs"], json!([]));

    // Now work links to it; a deliverable it does not ask for is refused.
    let wrong = upload(vec![("brief_id", id.clone()), ("deliverable", "Billboard".into())], "tile.png").await;
    assert_eq!(wrong.code(), "invalid_brief");
    let tile = upload(vec![("brief_id", id.clone()), ("deliverable", "Social tile".into())], "tile.png").await;
    assert_eq!(tile.status, StatusCode::CREATED, "{:?}", tile.json());
    let tile_id = tile.json()["id"].as_str().unwrap().to_string();
    assert_eq!(tile.json()["brief_id"], id.as_str());
    let linked = app.get(&format!("/api/v1/briefs/{id}"), &t.creator).await.json();
    assert_eq!(linked["deliverables"][0]["asset_ids"], json!([tile_id]));
    assert_eq!(linked["deliverables"][0]["approved"], false);
    assert!(linked["timeline"]["first_asset_at"].is_string());

    // The asset's approval ticks its deliverable; the brief is done when both are approved.
    let story = upload(vec![("brief_id", id.clone()), ("deliverable", "Story".into())], "story.png").await.json();
    for asset in [tile_id.as_str(), story["id"].as_str().unwrap()] {
        let r = crate::review_stories::start_review(app, asset, &t.creator, &t.workflow).await;
        let r = r["id"].as_str().unwrap().to_string();
        assert_eq!(app.get(&format!("/api/v1/reviews/{r}"), &t.creator).await.json()["subject"]["type"], "asset");
        for who in [&t.brand.1, &t.legal2.1] {
            post_ok(app, &format!("/api/v1/reviews/{r}/decisions"), who, decide(1)).await;
        }
    }
    let done = app.get(&format!("/api/v1/briefs/{id}"), &t.creator).await.json();
    assert_eq!(done["deliverables"][0]["approved"], true);
    assert_eq!(done["status"], "done");
    assert!(done["timeline"]["done_at"].is_string());

    // Every change is in the audit trail under the brief.
    let audit = app.get(&format!("/api/v1/workspaces/brief/audit?object_type=brief&object_id={id}"), &app.admin).await;
    let actions: Vec<String> =
        audit.json()["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect();
    for a in ["brief.create", "brief.submit", "brief.update"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

async fn routing_rules_see_the_brief(app: &TestApp) {
    let t = team(app, "routed", json!("any")).await;
    let template = post_ok(app, "/api/v1/workspaces/routed/brief-templates", &app.admin, social_template(None)).await;
    let tid = template["id"].as_str().unwrap().to_string();
    let rules = json!({"rules": [{"name": "NZ briefs", "workflow_id": t.workflow, "when": {"all": [
        {"field": "brief.template", "op": "eq", "value": tid},
        {"field": "brief.market", "op": "eq", "value": "NZ"}
    ]}}]});
    let put = app.put("/api/v1/workspaces/routed/routing", &app.admin, rules).await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
    let brief = |market: &str| json!({"template_id": tid, "title": format!("{market} brief"), "fields": {"audience": "All", "market": market}});
    let au = post_ok(app, "/api/v1/workspaces/routed/briefs", &t.creator, brief("AU")).await;
    let unrouted =
        app.post(&format!("/api/v1/briefs/{}/submit", au["id"].as_str().unwrap()), Some(&t.creator), json!({})).await;
    assert_eq!(unrouted.code(), "no_route");
    assert_eq!(
        app.get(&format!("/api/v1/briefs/{}", au["id"].as_str().unwrap()), &t.creator).await.json()["status"],
        "draft"
    );
    let nz = post_ok(app, "/api/v1/workspaces/routed/briefs", &t.creator, brief("NZ")).await;
    let r = app
        .send(
            Method::POST,
            &format!("/api/v1/briefs/{}/submit", nz["id"].as_str().unwrap()),
            Auth::Bearer(&t.creator),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(r.json()["review"]["routing"]["rule"], "NZ briefs");
}

async fn naming_require_refuses_a_wrong_name_with_the_expected_one(app: &TestApp) {
    let (manager_id, manager) = app.user("Nia").await;
    app.workspace("names", &[(&manager_id, "manager")]).await;
    let k = post_ok(app, "/api/v1/workspaces/names/campaigns", &manager, json!({"name": "Spring", "code": "SPRING26", "channels": ["social"], "starts_on": "2026-12-01", "ends_on": "2027-01-31"})).await;
    let kid = k["id"].as_str().unwrap().to_string();
    let put = app
        .put(
            "/api/v1/workspaces/names/naming",
            &manager,
            json!({"pattern": "{campaign}_V{version}_{locale}", "mode": "require"}),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
    let meta = json!({"locale": "en-AU"}).to_string();
    let send = |name: &'static str| {
        let (manager, kid, meta) = (manager.clone(), kid.clone(), meta.clone());
        async move {
            app.upload(
                "/api/v1/workspaces/names/assets",
                &manager,
                &[("kind", "visual"), ("campaign_id", kid.as_str()), ("metadata", meta.as_str())],
                Some((name, b"bytes")),
            )
            .await
        }
    };
    let wrong = send("final-final.png").await;
    assert_eq!((wrong.status, wrong.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "naming_mismatch"));
    assert_eq!(wrong.json()["error"]["expected"], "SPRING26_V1_en-AU.png");
    let right = send("spring26_v1_en-AU.png").await;
    assert_eq!(right.status, StatusCode::CREATED, "{:?}", right.json());
    assert_eq!(right.json()["naming"], json!({"expected": "SPRING26_V1_en-AU.png", "matched": true}));
    assert_eq!(right.json()["campaign_id"], kid.as_str());
    let id = right.json()["id"].as_str().unwrap().to_string();
    let file = app.get(&format!("/api/v1/assets/{id}/versions/1/file"), &manager).await;
    assert_eq!(file.headers[header::CONTENT_DISPOSITION], "attachment; filename=\"SPRING26_V1_en-AU.png\"");

    // In suggest mode a mismatch is accepted and flagged.
    let suggest = json!({"pattern": "{campaign}_V{version}_{locale}", "mode": "suggest"});
    assert_eq!(app.put("/api/v1/workspaces/names/naming", &manager, suggest).await.status, StatusCode::OK);
    let flagged = send("final-final.png").await;
    assert_eq!(flagged.status, StatusCode::CREATED, "{:?}", flagged.json());
    assert_eq!(flagged.json()["naming"], json!({"expected": "SPRING26_V1_en-AU.png", "matched": false}));
}

on_both!(
    a_brief_is_checked_submitted_approved_and_receives_work,
    routing_rules_see_the_brief,
    naming_require_refuses_a_wrong_name_with_the_expected_one,
);
