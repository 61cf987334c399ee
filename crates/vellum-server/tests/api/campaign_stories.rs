//! Campaigns and milestones through the API: who plans and who reads, the checks on a
//! campaign's fields, dependencies inside the campaign without loops, and a dry run that says
//! which buffer a milestone's move would break before anything is saved.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    harness::{password_of, Auth, TestApp},
    on_both,
    ui_stories::{html, location, Browser},
};

async fn campaigns_and_milestones_with_buffers(app: &TestApp) {
    let (manager_id, manager) = app.user("Mona").await;
    let (creator_id, creator) = app.user("Cole").await;
    let (viewer_id, viewer) = app.user("Vera").await;
    app.workspace("plans", &[(&manager_id, "manager"), (&creator_id, "creator"), (&viewer_id, "viewer")]).await;
    let spring = json!({"name": "Spring savings", "code": "SPRING26", "objective": "Grow deposits",
        "channels": ["social", "email"], "starts_on": "2026-12-01", "ends_on": "2027-02-28",
        "budget": {"amount": 5_000_000, "currency": "AUD"}, "colour": "#2456c7"});
    let list = "/api/v1/workspaces/plans/campaigns";
    assert_eq!(app.post(list, Some(&creator), spring.clone()).await.status, StatusCode::FORBIDDEN);
    let made = app.post(list, Some(&manager), spring.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    let campaign = made.json();
    assert_eq!(campaign["budget"]["amount"], 5_000_000);
    let cid = campaign["id"].as_str().unwrap().to_string();
    assert_eq!(app.post(list, Some(&manager), spring.clone()).await.status, StatusCode::CONFLICT);
    let backwards =
        json!({"name": "Oops", "code": "OOPS", "channels": [], "starts_on": "2027-01-10", "ends_on": "2027-01-01"});
    let refused = app.post(list, Some(&manager), backwards).await;
    assert_eq!(refused.code(), "invalid_campaign");
    assert_eq!(refused.json()["error"]["fields"][0]["key"], "ends_on");
    assert_eq!(app.get(list, &viewer).await.json()["campaigns"].as_array().unwrap().len(), 1);

    // Draft (Mon 7 Dec) promises 3 business days before legal review (Fri 11), which promises
    // 2 before publishing (Wed 16).
    let add = format!("/api/v1/campaigns/{cid}/milestones");
    let milestone = |body: Value| async { app.post(&add, Some(&manager), body).await };
    let draft = milestone(json!({"name": "Draft copy", "kind": "drafting", "due_on": "2026-12-07", "buffer_business_days": 3, "assignee_id": creator_id})).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{:?}", draft.json());
    let a = draft.json()["milestone"]["id"].as_str().unwrap().to_string();
    let legal = milestone(json!({"name": "Legal review", "kind": "legal_review", "due_on": "2026-12-11", "buffer_business_days": 2, "depends_on": [a]})).await.json();
    let b = legal["milestone"]["id"].as_str().unwrap().to_string();
    assert_eq!(legal["conflicts"], json!([]));
    let publish = milestone(
        json!({"name": "Publish", "kind": "publish", "due_on": "2026-12-16", "channel": "social", "depends_on": [b]}),
    )
    .await
    .json();
    let c = publish["milestone"]["id"].as_str().unwrap().to_string();
    let stranger = milestone(json!({"name": "X", "kind": "review", "due_on": "2026-12-20", "depends_on": [cid]})).await;
    assert_eq!(stranger.code(), "invalid_milestone");
    let outsider = milestone(json!({"name": "X", "kind": "review", "due_on": "2026-12-20", "assignee_id": cid})).await;
    assert_eq!(outsider.code(), "invalid_milestone");

    // A dry run of moving legal review to Wednesday: only two business days after the draft.
    let patch = |path: String, who: String, body: Value| async move {
        app.send(Method::PATCH, &path, Auth::Bearer(&who), Some(body)).await
    };
    let dry =
        patch(format!("/api/v1/milestones/{b}?dry_run=true"), manager.clone(), json!({"due_on": "2026-12-09"})).await;
    assert_eq!(dry.status, StatusCode::OK, "{:?}", dry.json());
    assert_eq!(dry.json()["saved"], false);
    assert_eq!(dry.json()["conflicts"], json!([{"milestone_id": b, "depends_on": a, "buffer_days_left": -1}]));
    let listed = app.get(&add, &viewer).await.json();
    assert_eq!(listed["milestones"][1]["due_on"], "2026-12-11", "a dry run saves nothing");
    assert_eq!(listed["conflicts"], json!([]));

    // Publishing moved to Monday is saved even though it leaves legal review one day short.
    let moved = patch(format!("/api/v1/milestones/{c}"), manager.clone(), json!({"due_on": "2026-12-14"})).await.json();
    assert_eq!(moved["saved"], true);
    assert_eq!(moved["conflicts"], json!([{"milestone_id": c, "depends_on": b, "buffer_days_left": -1}]));
    let listed = app.get(&add, &manager).await.json();
    assert_eq!(listed["conflicts"].as_array().unwrap().len(), 1);
    assert_eq!(listed["milestones"][2]["due_on"], "2026-12-14");
    let looped = patch(format!("/api/v1/milestones/{a}"), manager.clone(), json!({"depends_on": [c]})).await;
    assert_eq!(looped.code(), "invalid_milestone");
    assert_eq!(
        patch(format!("/api/v1/milestones/{a}"), viewer.clone(), json!({"name": "Mine"})).await.status,
        StatusCode::FORBIDDEN
    );
    let renamed =
        patch(format!("/api/v1/campaigns/{cid}"), manager.clone(), json!({"name": "Spring savings 2027"})).await;
    assert_eq!(renamed.json()["name"], "Spring savings 2027");

    // Another workspace sees none of it.
    let (other_id, other) = app.user("Otto").await;
    app.workspace("elsewhere", &[(&other_id, "owner")]).await;
    assert_eq!(app.get(&format!("/api/v1/campaigns/{cid}"), &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&add, &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        patch(format!("/api/v1/milestones/{a}"), other.clone(), json!({"name": "x"})).await.status,
        StatusCode::NOT_FOUND
    );

    let trail = app.get("/api/v1/workspaces/plans/audit?limit=100", &app.admin).await.json();
    let actions: Vec<&str> =
        trail["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["campaign.create", "campaign.update", "milestone.create", "milestone.update"] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "milestone.update").count(), 1, "the dry run is not recorded");
}

/// The glossary: replaced whole by planners, read by every member, each wrong entry named.
async fn the_glossary_names_each_wrong_entry(app: &TestApp) {
    let (manager_id, manager) = app.user("Mona").await;
    let (viewer_id, viewer) = app.user("Vera").await;
    app.workspace("words", &[(&manager_id, "manager"), (&viewer_id, "viewer")]).await;
    let path = "/api/v1/workspaces/words/glossary";
    assert_eq!(app.get(path, &viewer).await.json(), json!({"terms": []}));
    let doubled = json!({"terms": [{"term": "Final cut", "definition": "The edit that ships"},
        {"term": "final CUT", "definition": "Again"}, {"term": "Proof", "definition": "  "}]});
    let refused = app.put(path, &manager, doubled).await;
    assert_eq!(refused.code(), "invalid_glossary");
    let body = refused.json();
    let keys: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["terms[1].term", "terms[2].definition"]);
    let terms = json!({"terms": [{"term": "Version lineage", "definition": "Every version of an asset, in order"},
        {"term": " approved copy ", "definition": "Text signed off by legal"}]});
    let kept = app.put(path, &manager, terms.clone()).await;
    assert_eq!(kept.status, StatusCode::OK, "{:?}", kept.json());
    assert_eq!(kept.json()["terms"][0]["term"], "approved copy");
    assert_eq!(app.get(path, &viewer).await.json()["terms"].as_array().unwrap().len(), 2);
    assert_eq!(app.put(path, &viewer, terms.clone()).await.status, StatusCode::FORBIDDEN);
    let (other_id, other) = app.user("Otto").await;
    app.workspace("elsewhere", &[(&other_id, "owner")]).await;
    assert_eq!(app.get(path, &other).await.status, StatusCode::NOT_FOUND);
    let trail = app.get("/api/v1/workspaces/words/audit?limit=10", &app.admin).await.json();
    let put = trail["events"].as_array().unwrap().iter().find(|e| e["action"] == "glossary.put").unwrap();
    assert_eq!(put["before"], json!({"terms": []}));
    assert_eq!(put["after"]["terms"][1]["term"], "Version lineage");
}

/// The naming convention: set by planners, read by every member, a bad pattern explained.
async fn the_naming_convention_is_a_checked_setting(app: &TestApp) {
    let (manager_id, manager) = app.user("Mona").await;
    let (viewer_id, viewer) = app.user("Vera").await;
    app.workspace("names", &[(&manager_id, "manager"), (&viewer_id, "viewer")]).await;
    let path = "/api/v1/workspaces/names/naming";
    assert_eq!(app.get(path, &viewer).await.json(), Value::Null);
    let bad = app.put(path, &manager, json!({"pattern": "{campaign}{locale}", "mode": "require"})).await;
    assert_eq!(bad.code(), "invalid_naming");
    assert!(bad.json()["error"]["message"].as_str().unwrap().contains("between two parts"));
    let convention = json!({"pattern": "{campaign}_V{version}_{deliverable}_{locale}", "mode": "require"});
    let set = app.put(path, &manager, convention.clone()).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.json());
    assert_eq!(app.get(path, &viewer).await.json(), convention);
    assert_eq!(app.put(path, &viewer, convention.clone()).await.status, StatusCode::FORBIDDEN);
    let (other_id, other) = app.user("Otto").await;
    app.workspace("elsewhere", &[(&other_id, "owner")]).await;
    assert_eq!(app.get(path, &other).await.status, StatusCode::NOT_FOUND);
    let trail = app.get("/api/v1/workspaces/names/audit?limit=10", &app.admin).await.json();
    assert!(trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "naming.put" && e["after"] == convention));
}

/// The glossary page: members read and filter it; planners edit it one line a term, and a
/// refused edit comes back with what they typed.
async fn the_glossary_page_reads_filters_and_edits(app: &TestApp) {
    let (manager_id, _) = app.user("Gwen").await;
    let (viewer_id, _) = app.user("Vic").await;
    app.workspace("gloss", &[(&manager_id, "manager"), (&viewer_id, "viewer")]).await;
    let gwen = Browser::sign_in(app, "gwen@example.com", &password_of("Gwen")).await;
    let refused = gwen.post(app, "/w/gloss/glossary", &[("terms", "Final cut: the edit that ships\nProof")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains("Final cut: the edit that ships\nProof"), "the draft is kept");
    let lines = "Version lineage: every version of an asset, in order\napproved copy: text <b>signed</b> off";
    let saved = gwen.post(app, "/w/gloss/glossary", &[("terms", lines)]).await;
    assert_eq!((saved.status, location(&saved)), (StatusCode::SEE_OTHER, "/w/gloss/glossary?done=glossary_saved"));
    let vic = Browser::sign_in(app, "vic@example.com", &password_of("Vic")).await;
    let page = html(&vic.get(app, "/w/gloss/glossary?q=LINEAGE").await);
    assert!(page.contains("Version lineage") && !page.contains("approved copy"), "{page}");
    assert!(!page.contains("Save glossary"), "viewers do not edit");
    let all = html(&vic.get(app, "/w/gloss/glossary").await);
    assert!(all.contains("text &lt;b&gt;signed&lt;/b&gt; off"), "definitions are escaped");
}

/// The naming settings page: a bad pattern comes back explained with what was typed; a saved
/// one shows the name a sample file would get.
async fn the_naming_settings_page(app: &TestApp) {
    app.workspace("namepage", &[]).await;
    let admin = Browser::sign_in(app, "admin@example.com", "admin-password-1").await;
    let path = "/w/namepage/settings/naming";
    assert_eq!(admin.get(app, path).await.status, StatusCode::OK);
    let bad = admin.post(app, path, &[("pattern", "{campaign}{locale}"), ("mode", "require")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&bad);
    assert!(page.contains("between two parts") && page.contains("value=\"{campaign}{locale}\""), "{page}");
    let saved = admin
        .post(app, path, &[("pattern", "{campaign}_V{version}_{deliverable}_{locale}"), ("mode", "require")])
        .await;
    assert_eq!(location(&saved), "/w/namepage/settings/naming?done=naming_saved");
    let page = html(&admin.get(app, path).await);
    assert!(page.contains("SPRING26_V1_1080x1080-tile_en-AU"), "{page}");
    assert!(page.contains("value=\"require\" checked"), "{page}");
}

on_both!(
    the_naming_settings_page,
    the_glossary_page_reads_filters_and_edits,
    campaigns_and_milestones_with_buffers,
    the_glossary_names_each_wrong_entry,
    the_naming_convention_is_a_checked_setting
);
