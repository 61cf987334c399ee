//! The board and the calendar through the API: cards move when their state does, a drag is
//! the real transition or refused with the reason; the calendar lists milestones and due
//! dates; an iCalendar feed parses with the `icalendar` package, keeps its UIDs, follows a
//! moved milestone, empties when its owner leaves the workspace and is gone once revoked.

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    brief_stories::{post_ok, social_template},
    harness::{Auth, TestApp},
    on_both, peers,
    review_stories::team,
};

fn column_of(board: &Value, id: &str) -> String {
    for col in board["columns"].as_array().unwrap() {
        if col["cards"].as_array().unwrap().iter().any(|c| c["id"] == id) {
            return col["key"].as_str().unwrap().to_string();
        }
    }
    "none".into()
}

async fn board(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/workspaces/plan/board{query}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json());
    r.json()
}

async fn the_board_follows_state_and_moves_only_by_real_transitions(app: &TestApp) {
    let t = team(app, "plan", json!("any")).await;
    let k = post_ok(app, "/api/v1/workspaces/plan/campaigns", &app.admin, json!({"name": "Spring", "code": "SPRING26", "channels": ["social"], "starts_on": "2026-12-01", "ends_on": "2027-01-31"})).await;
    let kid = k["id"].as_str().unwrap().to_string();
    let template =
        post_ok(app, "/api/v1/workspaces/plan/brief-templates", &app.admin, social_template(Some(&t.workflow))).await;
    let brief = post_ok(app, "/api/v1/workspaces/plan/briefs", &t.creator, json!({"template_id": template["id"], "title": "Tile", "campaign_id": kid, "fields": {"audience": "All", "market": "AU"}})).await;
    let bid = brief["id"].as_str().unwrap().to_string();
    let b = board(app, &t.creator, "").await;
    let columns: Vec<String> =
        b["columns"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        columns,
        [
            "brief_draft",
            "brief_in_approval",
            "in_production",
            "in_review",
            "changes_requested",
            "approved",
            "published",
            "archived"
        ]
    );
    assert_eq!(column_of(&b, &bid), "brief_draft");

    // Dragging where no transition leads is refused with the reason, and nothing moves.
    let drag = |card: &str, id: &str, to: &str| json!({"type": card, "id": id, "to": to});
    let refused = app.post("/api/v1/board/move", Some(&t.creator), drag("brief", &bid, "approved")).await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::CONFLICT, "invalid_transition"));
    assert!(refused.json()["error"]["message"].as_str().unwrap().contains("submitting"));
    assert_eq!(column_of(&board(app, &t.creator, "").await, &bid), "brief_draft");
    // A brief the viewer may not see cannot be moved by them either.
    let hidden = app.post("/api/v1/board/move", Some(&t.viewer), drag("brief", &bid, "brief_in_approval")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // Dragging the draft to approval submits it.
    let moved = post_ok(app, "/api/v1/board/move", &t.creator, drag("brief", &bid, "brief_in_approval")).await;
    assert_eq!((moved["from"].as_str(), moved["to"].as_str()), (Some("brief_draft"), Some("brief_in_approval")));
    let b = board(app, &t.creator, &format!("?campaign={kid}")).await;
    assert_eq!(column_of(&b, &bid), "brief_in_approval");
    let card = b["columns"][1]["cards"][0].clone();
    assert_eq!(card["assignee_id"], t.brand.0.as_str(), "the brand approver acts next");
    assert!(card["due_at"].is_string(), "the stage has a deadline: {card}");
    let mine = board(app, &t.creator, &format!("?assignee={}", t.brand.0)).await;
    assert_eq!(column_of(&mine, &bid), "brief_in_approval");
    assert_eq!(column_of(&board(app, &t.creator, "?due=overdue").await, &bid), "none");
    assert_eq!(column_of(&board(app, &t.creator, "?due=this_week").await, &bid), "brief_in_approval");
    {
        use vellum_core::clock::Clock;
        app.clock.set(app.clock.now().plus_hours(10 * 24));
    }
    assert_eq!(column_of(&board(app, &t.creator, "?due=overdue").await, &bid), "brief_in_approval");

    // Decisions move the card by themselves.
    let rid = moved["review_id"].as_str().unwrap().to_string();
    for who in [&t.brand.1, &t.legal1.1] {
        post_ok(app, &format!("/api/v1/reviews/{rid}/decisions"), who, json!({"version": 1, "decision": "approve"}))
            .await;
    }
    assert_eq!(column_of(&board(app, &t.creator, "").await, &bid), "in_production");
    let facts = app.get(&format!("/api/v1/campaigns/{kid}"), &t.creator).await.json();
    assert_eq!(facts["code"], "SPRING26");
    assert_eq!(facts["time_to_market"][0]["brief_id"], bid.as_str());
    assert!(facts["time_to_market"][0]["approved_at"].is_string());
    assert_eq!(app.get(&format!("/api/v1/campaigns/{kid}"), &t.viewer).await.json()["time_to_market"], json!([]));

    // An asset against the brief is in production; dragged to review, the rules route it.
    let up = app
        .upload(
            "/api/v1/workspaces/plan/assets",
            &t.creator,
            &[
                ("kind", "visual"),
                ("brief_id", &bid),
                ("deliverable", "Social tile"),
                ("metadata", r#"{"channels": ["social"]}"#),
            ],
            Some(("tile.png", b"x")),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{:?}", up.json());
    let aid = up.json()["id"].as_str().unwrap().to_string();
    assert_eq!(up.json()["campaign_id"], kid.as_str(), "the campaign follows from the brief");
    assert_eq!(column_of(&board(app, &t.creator, "?channel=social").await, &aid), "in_production");
    assert_eq!(column_of(&board(app, &t.creator, "?channel=print").await, &aid), "none");
    let rules = json!({"rules": [{"name": "Everything", "workflow_id": t.workflow, "when": {"field": "title", "op": "exists"}}]});
    assert_eq!(app.put("/api/v1/workspaces/plan/routing", &app.admin, rules).await.status, StatusCode::OK);
    post_ok(app, "/api/v1/board/move", &t.creator, drag("asset", &aid, "in_review")).await;
    assert_eq!(column_of(&board(app, &t.creator, "").await, &aid), "in_review");
    let back = app.post("/api/v1/board/move", Some(&t.creator), drag("asset", &aid, "in_review")).await;
    assert_eq!(back.code(), "invalid_transition");
    // Viewers see only approved work on the board.
    let seen = board(app, &t.viewer, "").await;
    assert_eq!((column_of(&seen, &aid), column_of(&seen, &bid)), ("none".into(), "none".into()));
}

async fn the_calendar_and_its_feed_follow_the_plan(app: &TestApp) {
    let (planner_id, planner) = app.user("Pia").await;
    let (member_id, member) = app.user("Max").await;
    app.workspace("cal", &[(&planner_id, "manager"), (&member_id, "creator")]).await;
    let k = post_ok(app, "/api/v1/workspaces/cal/campaigns", &planner, json!({"name": "Winter", "code": "WINTER", "channels": ["email"], "starts_on": "2026-12-01", "ends_on": "2026-12-31", "colour": "#112233"})).await;
    let kid = k["id"].as_str().unwrap().to_string();
    let add = format!("/api/v1/campaigns/{kid}/milestones");
    let m1 = post_ok(app, &add, &planner, json!({"name": "Draft", "kind": "drafting", "due_on": "2026-12-07", "buffer_business_days": 2, "assignee_id": member_id})).await;
    let m1 = m1["milestone"]["id"].as_str().unwrap().to_string();
    post_ok(
        app,
        &add,
        &planner,
        json!({"name": "Legal", "kind": "legal_review", "due_on": "2026-12-10", "depends_on": [m1]}),
    )
    .await;
    post_ok(
        app,
        &add,
        &planner,
        json!({"name": "Send", "kind": "publish", "due_on": "2027-01-05", "channel": "email"}),
    )
    .await;

    let events = app.get("/api/v1/workspaces/cal/calendar-events?from=2026-12-01&to=2026-12-31", &member).await;
    assert_eq!(events.status, StatusCode::OK, "{:?}", events.json());
    let events = events.json();
    let list = events["events"].as_array().unwrap();
    let uids: Vec<&str> = list.iter().map(|e| e["uid"].as_str().unwrap()).collect();
    assert!(uids.contains(&format!("milestone-{m1}@vellum").as_str()), "{uids:?}");
    assert!(uids.contains(&format!("campaign-{kid}@vellum").as_str()));
    assert_eq!(list.iter().filter(|e| e["kind"] == "milestone").count(), 2, "January's is outside the range");
    let draft = list.iter().find(|e| e["uid"] == format!("milestone-{m1}@vellum")).unwrap();
    assert_eq!((draft["start"].as_str(), draft["all_day"].as_bool()), (Some("2026-12-07"), Some(true)));
    assert_eq!(draft["colour"], "#112233");
    assert_eq!(events["workload"][0]["user_id"], member_id.as_str());
    let bad = app.get("/api/v1/workspaces/cal/calendar-events?from=2026-12-31&to=2026-12-01", &member).await;
    assert_eq!(bad.code(), "invalid_date");
    let outsider = app.user("Ola").await;
    assert_eq!(
        app.get("/api/v1/workspaces/cal/calendar-events?from=2026-12-01&to=2026-12-31", &outsider.1).await.status,
        StatusCode::NOT_FOUND
    );

    // A campaign feed: no session, text/calendar, read by the icalendar package.
    let feed = app.post("/api/v1/me/ical-feeds", Some(&member), json!({"scope": "campaign", "campaign_id": kid})).await;
    assert_eq!(feed.status, StatusCode::CREATED, "{:?}", feed.json());
    let url = feed.json()["url"].as_str().unwrap().to_string();
    let path = &url[url.find("/ical/").unwrap()..];
    assert_eq!(app.get("/api/v1/me/ical-feeds", &member).await.json()["feeds"][0]["scope"], "campaign");
    let fetch = || async {
        let r = app.send(Method::GET, path, Auth::None, None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/calendar"));
        String::from_utf8(r.body).unwrap()
    };
    let first = fetch().await;
    let Some(read) = peers::read_ical(&first) else { return };
    let again = peers::read_ical(&fetch().await).unwrap();
    let uids_of = |v: &Value| v["events"].as_array().unwrap().iter().map(|e| e["uid"].clone()).collect::<Vec<_>>();
    assert_eq!(uids_of(&read), uids_of(&again), "UIDs are stable across fetches");
    let start_of = |v: &Value, uid: &str| {
        v["events"].as_array().unwrap().iter().find(|e| e["uid"] == uid).map(|e| e["start"].clone()).unwrap()
    };
    let uid = format!("milestone-{m1}@vellum");
    assert_eq!(start_of(&read, &uid), "2026-12-07");
    assert_eq!(read["events"].as_array().unwrap().len(), 4, "the campaign and its three milestones");

    // A moved milestone shows at its new date under the same UID.
    let moved = app
        .send(
            Method::PATCH,
            &format!("/api/v1/milestones/{m1}"),
            Auth::Bearer(&planner),
            Some(json!({"due_on": "2026-12-08"})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK);
    let after = peers::read_ical(&fetch().await).unwrap();
    assert_eq!(start_of(&after, &uid), "2026-12-08");
    assert_eq!(uids_of(&after), uids_of(&read));

    // The owner's own feed shows what is assigned to them.
    let mine = post_ok(app, "/api/v1/me/ical-feeds", &member, json!({"scope": "me"})).await;
    let mine_url = mine["url"].as_str().unwrap().to_string();
    let mine_path = &mine_url[mine_url.find("/ical/").unwrap()..];
    let text = String::from_utf8(app.send(Method::GET, mine_path, Auth::None, None).await.body).unwrap();
    let own = peers::read_ical(&text).unwrap();
    assert_eq!(uids_of(&own), vec![json!(uid)]);

    // Removed from the workspace, the owner's feeds show nothing of it.
    let removed = app
        .send(Method::DELETE, &format!("/api/v1/workspaces/cal/members/{member_id}"), Auth::Bearer(&app.admin), None)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(peers::read_ical(&fetch().await).unwrap()["events"], json!([]));

    // Revoked: 404, and someone else cannot revoke it.
    let fid = feed.json()["id"].as_str().unwrap().to_string();
    let theirs = app.send(Method::DELETE, &format!("/api/v1/ical-feeds/{fid}"), Auth::Bearer(&planner), None).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let revoked = app.send(Method::DELETE, &format!("/api/v1/ical-feeds/{fid}"), Auth::Bearer(&member), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(Method::GET, path, Auth::None, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.send(Method::GET, "/ical/vcal_guess.ics", Auth::None, None).await.status, StatusCode::NOT_FOUND);
}

on_both!(the_board_follows_state_and_moves_only_by_real_transitions, the_calendar_and_its_feed_follow_the_plan);
