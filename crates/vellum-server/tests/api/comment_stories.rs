//! Comments through the API: a region on an image, a reply, a mention that reaches the
//! mentioned member's inbox, edit history, resolve and reopen, retract, carry-forward to a new
//! version and resolving there; who may write, and who may not even see.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vellum_core::clock::Clock;

use crate::{
    harness::{Auth, TestApp},
    on_both,
    review_stories::team,
};

fn ids(list: &Value) -> Vec<String> {
    list["comments"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

async fn comment_threads_mentions_and_carry_forward(app: &TestApp) {
    let t = team(app, "proof", json!("any")).await;
    let a = app.new_asset("proof", &t.creator, "Hero banner", b"banner v1").await;
    let asset = a["id"].as_str().unwrap().to_string();
    let v1 = format!("/api/v1/assets/{asset}/versions/1/comments");

    let rect = json!({"body": "The logo is too close to the edge, @brandproof@example.com",
        "anchor": {"shape": {"type": "rect", "points": [[0.05, 0.05], [0.25, 0.2]]}}});
    let made = app.post(&v1, Some(&t.creator), rect).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    let c = made.json();
    let first = c["id"].as_str().unwrap().to_string();
    assert_eq!((c["version"].as_u64(), c["origin_version"].as_u64()), (Some(1), Some(1)));
    assert_eq!(c["status"], "open");
    assert_eq!(c["mentions"], json!([t.brand.0]));
    assert!(c["timecode"].is_null() && c["region_changed"].is_null() && c["parent_id"].is_null());
    assert_eq!(c["anchor"]["shape"]["type"], "rect");

    // The mention reaches the brand approver's inbox, linked to the comment.
    app.core.deliver_notifications().await.unwrap();
    let inbox = app.get("/api/v1/notifications", &t.brand.1).await.json();
    let n = &inbox["notifications"][0];
    assert_eq!(n["kind"], "mention");
    assert_eq!(n["link"], format!("/a/{asset}/v/1#comment-{first}"));
    assert!(n["title"].as_str().unwrap().contains("mentioned you on Hero banner v1"), "{n}");

    // Bad anchors, bodies and mentions change nothing.
    for (body, code) in [
        (
            json!({"body": "x", "anchor": {"shape": {"type": "rect", "points": [[0.1, 0.1], [1.5, 0.2]]}}}),
            "invalid_anchor",
        ),
        (
            json!({"body": "x", "anchor": {"shape": {"type": "point", "points": [[0.1, 0.1], [0.2, 0.2]]}}}),
            "invalid_anchor",
        ),
        (json!({"body": "x", "anchor": {"frame": 10}}), "invalid_anchor"),
        (json!({"body": "   "}), "invalid_comment"),
        (json!({"body": "ask @nobody@example.com"}), "unknown_mention"),
        (json!({"body": "ask @viewerproof@example.com"}), "unknown_mention"),
    ] {
        let r = app.post(&v1, Some(&t.creator), body.clone()).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, code.to_string()), "{body}");
    }

    // A reply, an edit with history, resolve and reopen.
    let reply =
        app.post(&v1, Some(&t.brand.1), json!({"body": "Agreed — move it in by 5%.", "parent_id": first})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let reply = reply.json()["id"].as_str().unwrap().to_string();
    let edit = format!("/api/v1/comments/{first}");
    let not_mine = app.send(Method::PATCH, &edit, Auth::Bearer(&t.brand.1), Some(json!({"body": "hijack"}))).await;
    assert_eq!(not_mine.status, StatusCode::FORBIDDEN);
    let edited = app
        .send(
            Method::PATCH,
            &edit,
            Auth::Bearer(&t.creator),
            Some(json!({"body": "The logo is too close to the top edge"})),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.json());
    assert!(edited.json()["edited_at"].is_string());
    let history = app.get(&format!("/api/v1/comments/{first}/history"), &t.legal1.1).await.json();
    assert_eq!(history["edits"][0]["body"], "The logo is too close to the edge, @brandproof@example.com");
    let resolved = app.post(&format!("/api/v1/comments/{first}/resolve"), Some(&t.brand.1), json!({})).await.json();
    assert_eq!((resolved["status"].as_str(), resolved["resolved_on_version"].as_u64()), (Some("resolved"), Some(1)));
    assert_eq!(resolved["resolved_by"], t.brand.0);
    let again = app.post(&format!("/api/v1/comments/{first}/resolve"), Some(&t.brand.1), json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let reopened = app.post(&format!("/api/v1/comments/{first}/reopen"), Some(&t.legal1.1), json!({})).await.json();
    assert_eq!(reopened["status"], "open");
    assert!(reopened["resolved_by"].is_null());

    // Retracting hides the text and keeps the record; only its author may.
    let note = app.post(&v1, Some(&t.legal1.1), json!({"body": "Legal will check the claim."})).await.json();
    let note = note["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.post(&format!("/api/v1/comments/{note}/retract"), Some(&t.creator), json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let gone = app.post(&format!("/api/v1/comments/{note}/retract"), Some(&t.legal1.1), json!({})).await.json();
    assert_eq!((gone["status"].as_str(), gone["body"].as_str()), (Some("retracted"), Some("")));

    // Filters.
    let open = app.get(&format!("{v1}?status=open"), &t.creator).await.json();
    assert_eq!(ids(&open), [first.clone(), reply.clone()]);
    assert_eq!(ids(&app.get(&format!("{v1}?mine=true"), &t.brand.1).await.json()), std::slice::from_ref(&reply));
    assert_eq!(ids(&app.get(&format!("{v1}?mentions=true"), &t.brand.1).await.json()), std::slice::from_ref(&first));

    // Version 2 lists the open thread carried forward, and it is resolved there.
    assert_eq!(app.new_version(&asset, &t.creator, "Logo moved in", b"banner v2").await.status, StatusCode::CREATED);
    let v2 = format!("/api/v1/assets/{asset}/versions/2/comments");
    let carried = app.get(&v2, &t.creator).await.json();
    assert_eq!(ids(&carried), [first.clone(), reply.clone()], "the open thread, not the retracted note");
    assert_eq!(
        (carried["comments"][0]["version"].as_u64(), carried["comments"][0]["origin_version"].as_u64()),
        (Some(1), Some(1))
    );
    let fixed =
        app.post(&format!("/api/v1/comments/{first}/resolve"), Some(&t.brand.1), json!({"version": 2})).await.json();
    assert_eq!(fixed["resolved_on_version"], 2);
    assert_eq!(
        ids(&app.get(&v2, &t.creator).await.json()),
        [first.clone(), reply.clone()],
        "resolved on v2, still listed there"
    );
    assert_eq!(app.new_version(&asset, &t.creator, "Final", b"banner v3").await.status, StatusCode::CREATED);
    let v3 = app.get(&format!("/api/v1/assets/{asset}/versions/3/comments"), &t.creator).await.json();
    assert!(ids(&v3).is_empty(), "a thread resolved on v2 is not carried to v3");
    let v1_again = app.get(&v1, &t.creator).await.json();
    assert_eq!(v1_again["comments"].as_array().unwrap().len(), 3, "v1 keeps its own comments");

    // Viewers read approved work only and never write; strangers see nothing.
    let viewer = app.post(&v1, Some(&t.viewer), json!({"body": "nice"})).await;
    assert_eq!(viewer.status, StatusCode::NOT_FOUND, "a viewer does not see unapproved work");
    let stranger = app.user("Outsider").await;
    app.workspace("elsewhere", &[]).await;
    assert_eq!(app.get(&v1, &stranger.1).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/comments/{first}/history"), &stranger.1).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(&format!("/api/v1/comments/{first}/resolve"), Some(&stranger.1), json!({})).await.status,
        StatusCode::NOT_FOUND
    );

    let trail = app.get("/api/v1/workspaces/proof/audit?object_type=comment&limit=100", &app.admin).await.json();
    let actions: Vec<&str> =
        trail["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["comment.create", "comment.edit", "comment.resolve", "comment.reopen", "comment.retract"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

/// An external member comments once invited to the review as a collaborator, and never
/// decides; a viewer cannot be invited.
async fn collaborators_comment_but_never_decide(app: &TestApp) {
    let t = team(app, "collab", json!("any")).await;
    let (ext_id, ext) = app.user("Agency").await;
    let r =
        app.put(&format!("/api/v1/workspaces/collab/members/{ext_id}"), &app.admin, json!({"role": "external"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    let a = app.new_asset("collab", &t.creator, "Poster", b"poster").await;
    let asset = a["id"].as_str().unwrap().to_string();
    let review = crate::review_stories::start_review(app, &asset, &t.creator, &t.workflow).await;
    let rid = review["id"].as_str().unwrap().to_string();
    assert_eq!(review["collaborators"], json!([]));
    let v1 = format!("/api/v1/assets/{asset}/versions/1/comments");
    assert_eq!(app.post(&v1, Some(&ext), json!({"body": "Can we try blue?"})).await.status, StatusCode::FORBIDDEN);

    let invite = format!("/api/v1/reviews/{rid}/collaborators/{ext_id}");
    assert_eq!(
        app.send(Method::PUT, &invite, Auth::Bearer(&t.brand.1), None).await.status,
        StatusCode::FORBIDDEN,
        "reviewers do not invite"
    );
    let invited = app.send(Method::PUT, &invite, Auth::Bearer(&t.creator), None).await;
    assert_eq!(invited.status, StatusCode::OK, "{:?}", invited.json());
    assert_eq!(invited.json()["collaborators"], json!([ext_id]));
    assert_eq!(app.post(&v1, Some(&ext), json!({"body": "Can we try blue?"})).await.status, StatusCode::CREATED);
    let decided = app.decide(&rid, &ext, 1, "approve", None).await;
    assert_eq!((decided.status, decided.code()), (StatusCode::FORBIDDEN, "not_an_approver".to_string()));
    let viewer_id = app.get("/api/v1/workspaces/collab/members", &app.admin).await.json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "viewer")
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let viewer = app
        .send(Method::PUT, &format!("/api/v1/reviews/{rid}/collaborators/{viewer_id}"), Auth::Bearer(&t.creator), None)
        .await;
    assert_eq!(viewer.code(), "invalid_member");
    // A decision asking for changes cites the open comment it relies on; a stranger's or a
    // made-up comment cannot be cited.
    let note = app.post(&v1, Some(&t.brand.1), json!({"body": "The headline overlaps the logo"})).await.json();
    let note = note["id"].as_str().unwrap().to_string();
    // By stage: the brand stage's approver wrote the note; the collaborator approves no stage.
    let by_brand = app.get(&format!("{v1}?stage=1"), &t.creator).await.json();
    assert_eq!(ids(&by_brand), vec![note.clone()]);
    assert_eq!(ids(&app.get(&format!("{v1}?stage=2"), &t.creator).await.json()), Vec::<String>::new());
    assert_eq!(ids(&app.get(&v1, &t.creator).await.json()).len(), 2);
    let decide = format!("/api/v1/reviews/{rid}/decisions");
    let bogus = json!({"version": 1, "decision": "changes_requested", "reason": "see note", "comment_ids": [rid]});
    assert_eq!(app.post(&decide, Some(&t.brand.1), bogus).await.code(), "invalid_comment");
    let citing = json!({"version": 1, "decision": "changes_requested", "reason": "see my note", "comment_ids": [note]});
    let cited = app.post(&decide, Some(&t.brand.1), citing).await;
    assert_eq!(cited.status, StatusCode::CREATED, "{:?}", cited.json());
    assert_eq!(cited.json()["stages"][0]["approvers"][0]["comment_ids"], json!([note]));
    let removed = app.send(Method::DELETE, &invite, Auth::Bearer(&t.creator), None).await;
    assert_eq!(removed.json()["collaborators"], json!([]));
    assert_eq!(app.post(&v1, Some(&ext), json!({"body": "And green?"})).await.status, StatusCode::FORBIDDEN);
}

/// A guest without an account comments on one review through a personal link that expires
/// and can be revoked; each guest comment is audited with the guest's email.
async fn guests_comment_through_a_personal_link(app: &TestApp) {
    let t = team(app, "guests", json!("any")).await;
    let a = app.new_asset("guests", &t.creator, "Poster", b"poster").await;
    let asset = a["id"].as_str().unwrap().to_string();
    let review = crate::review_stories::start_review(app, &asset, &t.creator, &t.workflow).await;
    let rid = review["id"].as_str().unwrap().to_string();
    let guests = format!("/api/v1/reviews/{rid}/guests");
    let later = app.clock.now().plus_secs(7 * 24 * 3600);
    let ask = json!({"email": "Agency@Example.com", "expires_at": later});
    assert_eq!(app.post(&guests, Some(&t.brand.1), ask.clone()).await.status, StatusCode::FORBIDDEN);
    let past = json!({"email": "agency@example.com", "expires_at": app.clock.now().plus_secs(-60)});
    assert_eq!(app.post(&guests, Some(&t.creator), past).await.code(), "invalid_expiry");
    let bad = json!({"email": "not an address", "expires_at": later});
    assert_eq!(app.post(&guests, Some(&t.creator), bad).await.code(), "invalid_email");
    let made = app.post(&guests, Some(&t.creator), ask).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.json());
    let guest = made.json();
    assert_eq!(guest["email"], "agency@example.com");
    let link = guest["link"].as_str().unwrap().to_string();
    let token = link.strip_prefix("/g/").unwrap().to_string();

    // The guest sees the review's version and comments, and comments, without an account.
    let opened = app.send(Method::GET, &format!("/api/v1/guest/{token}"), Auth::None, None).await;
    assert_eq!(opened.status, StatusCode::OK, "{:?}", opened.json());
    assert_eq!(opened.json()["version"], 1);
    assert_eq!(opened.json()["asset_id"], asset.as_str());
    let body = json!({"body": "Could the **logo** be larger?", "anchor": {"shape": {"type": "point", "points": [[0.5, 0.5]]}}});
    let wrote = app.send(Method::POST, &format!("/api/v1/guest/{token}/comments"), Auth::None, Some(body)).await;
    assert_eq!(wrote.status, StatusCode::CREATED, "{:?}", wrote.json());
    assert_eq!(wrote.json()["author_id"], guest["user_id"]);
    let listed = app.get(&format!("/api/v1/assets/{asset}/versions/1/comments"), &t.creator).await.json();
    assert_eq!(ids(&listed), vec![wrote.json()["id"].as_str().unwrap().to_string()]);
    let page = app.send(Method::GET, &link, Auth::None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let trail = app.get("/api/v1/workspaces/guests/audit?object_type=comment&limit=100", &app.admin).await.json();
    assert_eq!(trail["events"][0]["after"]["guest_email"], "agency@example.com", "{trail}");
    // A guest account cannot sign in.
    let email = format!("guest-{}@guests.invalid", guest["id"].as_str().unwrap());
    let sign_in = app.post("/api/v1/session", None, json!({"email": email, "password": ""})).await;
    assert_eq!(sign_in.status, StatusCode::UNAUTHORIZED);

    let list = app.get(&guests, &t.creator).await.json();
    assert_eq!(list["guests"].as_array().unwrap().len(), 1);
    assert_eq!(list["guests"][0]["link"], Value::Null, "the link is shown once");
    let revoked = app
        .send(Method::DELETE, &format!("{guests}/{}", guest["id"].as_str().unwrap()), Auth::Bearer(&t.creator), None)
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.json());
    assert!(revoked.json()["revoked_at"].is_string());
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/guest/{token}"), None),
        (Method::POST, format!("/api/v1/guest/{token}/comments"), Some(json!({"body": "again"}))),
        (Method::GET, "/api/v1/guest/gst_made_up".to_string(), None),
    ] {
        assert_eq!(app.send(method, &path, Auth::None, body).await.status, StatusCode::NOT_FOUND, "{path}");
    }

    // A second guest's link stops working when it expires.
    let second = app.post(&guests, Some(&t.creator), json!({"email": "b@example.com", "expires_at": later})).await;
    let token2 = second.json()["link"].as_str().unwrap().strip_prefix("/g/").unwrap().to_string();
    assert_eq!(
        app.send(Method::GET, &format!("/api/v1/guest/{token2}"), Auth::None, None).await.status,
        StatusCode::OK
    );
    app.clock.advance_secs(8 * 24 * 3600);
    let expired = app.send(Method::GET, &format!("/api/v1/guest/{token2}"), Auth::None, None).await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);
}

on_both!(
    comment_threads_mentions_and_carry_forward,
    collaborators_comment_but_never_decide,
    guests_comment_through_a_personal_link
);
