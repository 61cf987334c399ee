//! Business calendars: deadlines in working hours skip nights, weekends and holidays on the
//! workspace's calendar, minutes are wall-clock time, and a running review keeps the calendar
//! it started under.

use axum::http::StatusCode;
use serde_json::json;
use vellum_domain::Timestamp;

use crate::{harness::TestApp, on_both, review_stories::team};

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

async fn deadlines_count_on_the_workspace_calendar(app: &TestApp) {
    let t = team(app, "cal", json!("any")).await;
    let path = "/api/v1/workspaces/cal/calendar";
    let default = app.get(path, &t.creator).await.json();
    assert_eq!(default["time_zone"], "UTC");
    assert_eq!(default["working_days"], json!(["mon", "tue", "wed", "thu", "fri"]));

    let sydney = json!({"time_zone": "Australia/Sydney", "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "working_hours": {"start": "09:00", "end": "17:30"}, "holidays": ["2026-12-25", "2026-12-25"]});
    let mut bad = sydney.clone();
    bad["time_zone"] = json!("Mars/Olympus");
    let refused = app.put(path, &app.admin, bad).await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_calendar"));
    assert_eq!(refused.json()["error"]["fields"][0]["key"], "time_zone");
    let mut backwards = sydney.clone();
    backwards["working_hours"] = json!({"start": "17:00", "end": "09:00"});
    assert_eq!(app.put(path, &app.admin, backwards).await.json()["error"]["fields"][0]["key"], "working_hours");
    assert_eq!(app.get(path, &t.creator).await.json()["time_zone"], "UTC", "nothing changed");
    assert_eq!(app.put(path, &t.creator, sydney.clone()).await.status, StatusCode::FORBIDDEN);
    let saved = app.put(path, &app.admin, sydney).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.json());
    assert_eq!(saved.json()["holidays"], json!(["2026-12-25"]));

    let brand = t.brand.0.clone();
    let legal = t.legal1.0.clone();
    let wf = app
        .post(
            "/api/v1/workspaces/cal/workflows",
            Some(&app.admin),
            json!({"name": "Timed", "stages": [
                {"name": "Brand", "approvers": [{"user": brand}], "rule": "all", "due_in_business_hours": 4},
                {"name": "Legal", "approvers": [{"user": legal}], "rule": "all", "due_in_minutes": 30}
            ]}),
        )
        .await;
    assert_eq!(wf.status, StatusCode::CREATED, "{:?}", wf.json());
    let wf = wf.json()["id"].as_str().unwrap().to_string();
    let both = app
        .post(
            "/api/v1/workspaces/cal/workflows",
            Some(&app.admin),
            json!({"name": "Two deadlines", "stages": [
                {"name": "Brand", "approvers": [{"user": brand}], "rule": "all", "due_in_hours": 4, "due_in_business_days": 1}
            ]}),
        )
        .await;
    assert_eq!(both.code(), "invalid_workflow");

    // Thursday 24 December 2026, 16:00 in Sydney: 1.5 working hours that day, Christmas, a
    // weekend, then 2.5 more on Monday 28th.
    app.clock.set(at("2026-12-24T16:00:00+11:00"));
    let a = app.new_asset("cal", &t.creator, "Poster", b"poster").await;
    let id = a["id"].as_str().unwrap();
    let review = app.post(&format!("/api/v1/assets/{id}/reviews"), Some(&t.creator), json!({"workflow_id": wf})).await;
    assert_eq!(review.status, StatusCode::CREATED, "{:?}", review.json());
    let review = review.json();
    let rid = review["id"].as_str().unwrap().to_string();
    assert_eq!(review["stages"][0]["due_at"], at("2026-12-28T11:30:00+11:00").to_string());

    // A new calendar does not move a running review's deadline.
    let open_all_week = json!({"time_zone": "UTC", "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "working_hours": {"start": "00:00", "end": "23:59"}});
    assert_eq!(app.put(path, &app.admin, open_all_week).await.status, StatusCode::OK);
    let again = app.get(&format!("/api/v1/reviews/{rid}"), &t.creator).await.json();
    assert_eq!(again["stages"][0]["due_at"], review["stages"][0]["due_at"]);

    // The second stage starts when Brand approves and is due 30 wall-clock minutes later.
    app.clock.set(at("2026-12-26T10:00:00+11:00"));
    let decided = app.decide(&rid, &t.brand.1, 1, "approve", None).await;
    assert_eq!(decided.status, StatusCode::CREATED, "{:?}", decided.json());
    let after = app.get(&format!("/api/v1/reviews/{rid}"), &t.creator).await.json();
    assert_eq!(after["stages"][1]["due_at"], at("2026-12-26T10:30:00+11:00").to_string());
    let events = app.get("/api/v1/workspaces/cal/audit?object_type=calendar", &app.admin).await.json();
    assert_eq!(events["events"].as_array().unwrap().len(), 2);
}

on_both!(deadlines_count_on_the_workspace_calendar);

/// An overdue stage reminds its approver twice, then escalates to their supervisor, who is
/// added as an approver and decides; sweeping again sends nothing twice.
async fn an_overdue_stage_reminds_then_escalates(app: &TestApp) {
    let t = team(app, "remind", json!("any")).await;
    let (brand, legal) = (t.brand.0.clone(), t.legal1.0.clone());
    let member = format!("/api/v1/workspaces/remind/members/{brand}");
    assert_eq!(
        app.put(&member, &app.admin, json!({"role": "reviewer", "supervisor_id": legal})).await.status,
        StatusCode::OK
    );
    let wf = app
        .post(
            "/api/v1/workspaces/remind/workflows",
            Some(&app.admin),
            json!({"name": "Chased", "stages": [{"name": "Brand", "approvers": [{"user": brand}], "rule": "any",
                "due_in_hours": 10, "reminders": {"at_fractions": [0.5], "overdue_every_hours": 4},
                "escalation": {"after": {"reminders": 2}, "to": "supervisor", "add_as_approver": true}}]}),
        )
        .await;
    assert_eq!(wf.status, StatusCode::CREATED, "{:?}", wf.json());
    let wf = wf.json()["id"].as_str().unwrap().to_string();
    let a = app.new_asset("remind", &t.creator, "Poster", b"poster").await;
    let id = a["id"].as_str().unwrap();
    let r = app.post(&format!("/api/v1/assets/{id}/reviews"), Some(&t.creator), json!({"workflow_id": wf})).await;
    let rid = r.json()["id"].as_str().unwrap().to_string();
    let kinds = |review: &serde_json::Value| -> Vec<(String, String)> {
        review["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["kind"].as_str().unwrap().to_string(), e["user_id"].as_str().unwrap().to_string()))
            .collect()
    };

    app.clock.advance_secs(4 * 3600);
    assert_eq!(app.core.sweep_reminders().await.unwrap().reminders, 0, "not half-way yet");
    app.clock.advance_secs(3600);
    assert_eq!(app.core.sweep_reminders().await.unwrap().reminders, 1, "half-way: the first reminder");
    assert_eq!(app.core.sweep_reminders().await.unwrap().reminders, 0, "a second sweep sends nothing again");
    app.clock.advance_secs(9 * 3600);
    let swept = app.core.sweep_reminders().await.unwrap();
    assert_eq!((swept.reminders, swept.escalations), (1, 1), "4 h overdue: the second reminder, then escalation");
    assert_eq!(app.core.sweep_reminders().await.unwrap(), vellum_core::reminders::Swept::default());

    let review = app.get(&format!("/api/v1/reviews/{rid}"), &t.creator).await.json();
    let expected = vec![
        ("reminder".to_string(), brand.clone()),
        ("reminder".to_string(), brand.clone()),
        ("escalation".to_string(), legal.clone()),
    ];
    assert_eq!(kinds(&review), expected);
    let approvers: Vec<&str> =
        review["stages"][0]["approvers"].as_array().unwrap().iter().map(|a| a["user_id"].as_str().unwrap()).collect();
    assert_eq!(approvers, [brand.as_str(), legal.as_str()], "the supervisor was added");
    // Both reminders reached the approver's inbox, the escalation the supervisor's; sending
    // again tells nobody twice.
    app.core.deliver_notifications().await.unwrap();
    app.core.deliver_notifications().await.unwrap();
    let inbox = |token: String| async move {
        let list = app.get("/api/v1/notifications", &token).await.json();
        list["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(inbox(t.brand.1.clone()).await, ["review.reminder", "review.reminder", "review.started"]);
    assert_eq!(inbox(t.legal1.1.clone()).await, ["review.escalated"]);
    let decided = app.decide(&rid, &t.legal1.1, 1, "approve", None).await;
    assert_eq!(decided.status, StatusCode::CREATED, "{:?}", decided.json());
    assert_eq!(decided.json()["status"], "approved");
    let trail = app.get(&format!("/api/v1/workspaces/remind/audit?object_id={rid}"), &app.admin).await.json();
    let actions: Vec<&str> =
        trail["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "review.remind").count(), 2);
    assert_eq!(actions.iter().filter(|a| **a == "review.escalate").count(), 1);
}

/// A decision just after the deadline, before any sweep, does not cancel the escalation of the
/// approver still pending.
async fn a_late_decision_keeps_the_escalation_due(app: &TestApp) {
    let t = team(app, "late", json!("all")).await;
    let (legal1, legal2, brand) = (t.legal1.0.clone(), t.legal2.0.clone(), t.brand.0.clone());
    let wf = app
        .post(
            "/api/v1/workspaces/late/workflows",
            Some(&app.admin),
            json!({"name": "Both lawyers", "stages": [{"name": "Legal", "rule": "all", "due_in_hours": 1,
                "approvers": [{"user": legal1}, {"user": legal2}],
                "escalation": {"after": "deadline", "to": {"user": brand}, "add_as_approver": false}}]}),
        )
        .await;
    assert_eq!(wf.status, StatusCode::CREATED, "{:?}", wf.json());
    let a = app.new_asset("late", &t.creator, "Leaflet", b"leaflet").await;
    let path = format!("/api/v1/assets/{}/reviews", a["id"].as_str().unwrap());
    let r = app.post(&path, Some(&t.creator), json!({"workflow_id": wf.json()["id"]})).await.json();
    let rid = r["id"].as_str().unwrap().to_string();
    app.clock.advance_secs(3600 + 5);
    assert_eq!(app.decide(&rid, &t.legal1.1, 1, "approve", None).await.status, StatusCode::CREATED);
    let swept = app.core.sweep_reminders().await.unwrap();
    assert_eq!(swept.escalations, 1, "the other lawyer is still late");
    let review = app.get(&format!("/api/v1/reviews/{rid}"), &t.creator).await.json();
    assert_eq!(review["events"][0]["kind"], "escalation");
    assert_eq!(review["events"][0]["user_id"], brand);
}

on_both!(an_overdue_stage_reminds_then_escalates, a_late_decision_keeps_the_escalation_due);
