//! Proposals: an agent's token proposes, a person with the right role accepts or rejects
//! through the API; acceptance applies the change as that person with the agent's token named,
//! and refuses what moved on since.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use vellum_core::{proposals::ProposedChange, Actor, Origin};

use crate::{
    harness::{password_of, TestApp},
    on_both,
    review_stories::{team, Team},
    ui_stories::{html, location, Browser},
};

async fn agent(app: &TestApp, holder: &str, scope: &str) -> (String, Actor) {
    let r = app.post("/api/v1/tokens", Some(holder), json!({"name": "assistant", "scopes": [scope]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    let secret = r.json()["token"].as_str().unwrap().to_string();
    let actor = app.core.token_actor(&secret, Origin::default()).await.unwrap().unwrap();
    (r.json()["id"].as_str().unwrap().to_string(), actor)
}

fn metadata(asset: &str, version: u32, set: Value) -> ProposedChange {
    let metadata: Map<String, Value> = set.as_object().unwrap().clone();
    ProposedChange::Metadata { asset_id: asset.parse().unwrap(), version, metadata }
}

async fn setup(app: &TestApp) -> (Team, String) {
    let t = team(app, "alpha", json!("any")).await;
    let a = app.new_asset("alpha", &t.creator, "Hero banner", b"banner v1").await;
    (t, a["id"].as_str().unwrap().to_string())
}

async fn an_accepted_proposal_is_applied_as_the_person_with_the_agent_named(app: &TestApp) {
    let (t, asset) = setup(app).await;
    let (token_id, bot) = agent(app, &t.creator, "propose").await;
    let p = app
        .core
        .propose(&bot, metadata(&asset, 1, json!({"language": "de"})), "The German launch needs German metadata")
        .await
        .unwrap();
    let id = p.id.to_string();

    let listed = app.get("/api/v1/workspaces/alpha/proposals?status=pending", &t.creator).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.json());
    let item = listed.json()["proposals"][0].clone();
    assert_eq!((item["id"].as_str(), item["kind"].as_str()), (Some(id.as_str()), Some("metadata_change")));
    assert_eq!(item["target"], json!({"type": "asset", "id": asset, "version": 1}));
    assert_eq!(item["change"]["metadata"], json!({"language": "de"}));
    assert_eq!(item["rationale"], "The German launch needs German metadata");
    assert_eq!((item["token_id"].as_str(), item["status"].as_str()), (Some(token_id.as_str()), Some("pending")));
    assert!(item["decided_by"].is_null() && item["decided_at"].is_null());

    // A viewer cannot open the inbox; an outsider does not see the workspace; a reviewer lacks
    // the role the change needs; the agent's own token can neither accept through the API nor
    // through the use case.
    let viewer = app.get("/api/v1/workspaces/alpha/proposals", &t.viewer).await;
    assert_eq!(viewer.code(), "forbidden");
    let (_, outsider) = app.user("Olga").await;
    assert_eq!(app.get("/api/v1/workspaces/alpha/proposals", &outsider).await.code(), "not_found");
    let accept = format!("/api/v1/proposals/{id}/accept");
    assert_eq!(app.post(&accept, Some(&outsider), json!({})).await.code(), "not_found");
    assert_eq!(app.post(&accept, Some(&t.brand.1), json!({})).await.code(), "forbidden");
    let own = app.core.accept_proposal(&bot, p.id).await.unwrap_err();
    assert_eq!(own.code().as_str(), "forbidden");

    let ok = app.post(&accept, Some(&app.admin), json!({})).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.json());
    assert_eq!(ok.json()["status"], "accepted");
    assert!(ok.json()["decided_by"].is_string() && ok.json()["decided_at"].is_string());
    let now = app.get(&format!("/api/v1/assets/{asset}"), &t.creator).await.json();
    assert_eq!(now["metadata"]["language"], "de");

    // The change names the person who accepted it and the agent's token; the acceptance names both.
    let me = app.get("/api/v1/me", &app.admin).await.json();
    let trail = app.get("/api/v1/workspaces/alpha/audit?limit=500", &app.admin).await.json();
    let events = trail["events"].as_array().unwrap();
    let update = events.iter().rfind(|e| e["action"] == "asset.update").unwrap();
    assert_eq!(update["actor_id"], me["user"]["id"]);
    assert_eq!(update["token_id"], json!(token_id));
    let accepted = events.iter().rfind(|e| e["action"] == "proposal.accept").unwrap();
    assert_eq!(accepted["actor_id"], me["user"]["id"]);
    assert_eq!(accepted["after"]["proposed_with_token"], json!(token_id));
    let proposed = events.iter().rfind(|e| e["action"] == "proposal.create").unwrap();
    assert_eq!(proposed["token_id"], json!(token_id));

    let again = app.post(&accept, Some(&app.admin), json!({})).await;
    assert_eq!((again.status, again.code().as_str()), (StatusCode::CONFLICT, "proposal_decided"));
}

async fn a_proposal_never_lands_on_what_moved_on(app: &TestApp) {
    let (t, asset) = setup(app).await;
    let (_, bot) = agent(app, &t.creator, "propose").await;
    let on_v1 = app.core.propose(&bot, metadata(&asset, 1, json!({"language": "fr"})), "French market").await.unwrap();
    let edit = app.core.propose(&bot, metadata(&asset, 1, json!({"channels": ["print"]})), "Print run").await.unwrap();
    let review = ProposedChange::ReviewStart { asset_id: asset.parse().unwrap(), version: 1, workflow_id: None };
    let start = app.core.propose(&bot, review, "Ready for brand review").await.unwrap();

    // Someone edits the channels by hand: the proposal about channels is now stale.
    let r = app
        .send(
            axum::http::Method::PATCH,
            &format!("/api/v1/assets/{asset}"),
            crate::harness::Auth::Bearer(&t.creator),
            Some(json!({"metadata": {"channels": ["web"]}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let stale = app.post(&format!("/api/v1/proposals/{}/accept", edit.id), Some(&app.admin), json!({})).await;
    assert_eq!((stale.status, stale.code().as_str()), (StatusCode::CONFLICT, "proposal_stale"), "{:?}", stale.json());

    // A new version: the v1 proposals cannot be applied to v2, and stay pending until decided.
    assert_eq!(app.new_version(&asset, &t.creator, "v2", b"banner v2").await.status, StatusCode::CREATED);
    for p in [&on_v1, &start] {
        let r = app.post(&format!("/api/v1/proposals/{}/accept", p.id), Some(&app.admin), json!({})).await;
        assert_eq!(r.code(), "proposal_stale", "{:?}", r.json());
    }
    let pending = app.get("/api/v1/workspaces/alpha/proposals?status=pending", &t.creator).await.json();
    assert_eq!(pending["proposals"].as_array().unwrap().len(), 3);
    let now = app.get(&format!("/api/v1/assets/{asset}"), &t.creator).await.json();
    assert_ne!(now["metadata"]["language"], "fr");

    // Rejected with a reason (a reason is required).
    let reject = format!("/api/v1/proposals/{}/reject", on_v1.id);
    assert_eq!(app.post(&reject, Some(&t.creator), json!({"reason": " "})).await.code(), "reason_required");
    let r = app.post(&reject, Some(&t.creator), json!({"reason": "Made against the old cut"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    assert_eq!(
        (r.json()["status"].as_str(), r.json()["reason"].as_str()),
        (Some("rejected"), Some("Made against the old cut"))
    );
    let rejected = app.get("/api/v1/workspaces/alpha/proposals?status=rejected", &t.creator).await.json();
    assert_eq!(rejected["proposals"].as_array().unwrap().len(), 1);
    let bad = app.get("/api/v1/workspaces/alpha/proposals?status=maybe", &t.creator).await;
    assert!(bad.status.is_client_error());

    // A fresh review proposal on v2, naming the workflow, is accepted by the creator and opens
    // the review of v2.
    let workflow = Some(t.workflow.parse().unwrap());
    let review = ProposedChange::ReviewStart { asset_id: asset.parse().unwrap(), version: 2, workflow_id: workflow };
    let v2 = app.core.propose(&bot, review, "v2 is ready").await.unwrap();
    let r = app.post(&format!("/api/v1/proposals/{}/accept", v2.id), Some(&t.creator), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let review = r.json()["result_id"].as_str().unwrap().to_string();
    let opened = app.get(&format!("/api/v1/reviews/{review}"), &t.creator).await.json();
    assert_eq!((opened["version"].as_u64(), opened["status"].as_str()), (Some(2), Some("in_progress")));
}

async fn proposing_needs_the_propose_scope_and_sight_of_the_target(app: &TestApp) {
    let (t, asset) = setup(app).await;
    let (_, reader) = agent(app, &t.creator, "read").await;
    let e = app.core.propose(&reader, metadata(&asset, 1, json!({"language": "de"})), "x").await.unwrap_err();
    assert_eq!(e.code().as_str(), "insufficient_scope");
    let (_, outsider_bot) = {
        let (_, outsider) = app.user("Omar").await;
        agent(app, &outsider, "propose").await
    };
    let e = app.core.propose(&outsider_bot, metadata(&asset, 1, json!({"language": "de"})), "x").await.unwrap_err();
    assert_eq!(e.code().as_str(), "not_found");
    let (_, bot) = agent(app, &t.creator, "propose").await;
    let e = app.core.propose(&bot, metadata(&asset, 1, json!({"language": "de"})), "  ").await.unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_proposal");
    let e = app.core.propose(&bot, metadata(&asset, 7, json!({"language": "de"})), "why").await.unwrap_err();
    assert_eq!(e.code().as_str(), "proposal_stale");
    let e = app.core.propose(&bot, metadata(&asset, 1, json!({"language": 5})), "why").await.unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_metadata");
}

/// The inbox page shows the agent's rationale and the change as a diff; a person rejects one
/// with a reason and accepts another through the forms.
async fn the_inbox_page_shows_the_diff_and_decides(app: &TestApp) {
    let (t, asset) = setup(app).await;
    let (_, bot) = agent(app, &t.creator, "propose").await;
    let set = json!({"language": "de", "custom": {"market": "DE"}});
    let first = app.core.propose(&bot, metadata(&asset, 1, set), "Launch <b>Germany</b>").await.unwrap();
    let second =
        app.core.propose(&bot, metadata(&asset, 1, json!({"channels": ["print"]})), "Print run").await.unwrap();
    let browser = Browser::sign_in(app, "creatoralpha@example.com", &password_of("Creatoralpha")).await;
    let page = browser.get(app, "/w/alpha/proposals").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = html(&page);
    assert!(body.contains("Launch &lt;b&gt;Germany&lt;/b&gt;"), "the rationale is shown, escaped");
    assert!(body.contains("<th scope=\"row\">custom.market</th><td><del>—</del></td><td><ins>DE</ins></td>"), "{body}");
    assert!(body.contains("<ins>de</ins>"));
    assert!(body.contains("Proposed by the agent of Creatoralpha"));

    let r = browser
        .post(app, &format!("/w/alpha/proposals/{}/reject", first.id), &[("reason", "Not for this market")])
        .await;
    assert_eq!(location(&r), "/w/alpha/proposals?done=rejected");
    let r = browser.post(app, &format!("/w/alpha/proposals/{}/accept", second.id), &[]).await;
    assert_eq!(location(&r), "/w/alpha/proposals?done=accepted");
    let asset_now = app.get(&format!("/api/v1/assets/{asset}"), &t.creator).await.json();
    assert_eq!(asset_now["metadata"]["channels"], json!(["print"]));
    let decided = html(&browser.get(app, "/w/alpha/proposals?status=all").await);
    assert!(decided.contains("Not for this market") && !decided.contains(">Accept</button>"), "{decided}");
    // A viewer has no inbox: the page refuses like the API.
    let viewer = browser_of_viewer(app).await;
    assert_eq!(viewer.get(app, "/w/alpha/proposals").await.status, StatusCode::FORBIDDEN);
}

async fn browser_of_viewer(app: &TestApp) -> Browser {
    Browser::sign_in(app, "vieweralpha@example.com", &password_of("Vieweralpha")).await
}

on_both!(
    the_inbox_page_shows_the_diff_and_decides,
    an_accepted_proposal_is_applied_as_the_person_with_the_agent_named,
    a_proposal_never_lands_on_what_moved_on,
    proposing_needs_the_propose_scope_and_sight_of_the_target
);
