//! Routing: a regulated high-budget ad goes through a four-stage chain and a social post
//! through one stage, each review keeping the rule and why; no match is an error, never a
//! silent default; rules are checked whole, revised, compared and dry-run.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::{harness::TestApp, on_both, review_stories::team};

async fn asset_with(app: &TestApp, token: &str, title: &str, metadata: Value) -> String {
    let meta = metadata.to_string();
    let r = app
        .upload(
            "/api/v1/workspaces/route/assets",
            token,
            &[("title", title), ("kind", "visual"), ("metadata", &meta)],
            Some(("a.png", title.as_bytes())),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    r.json()["id"].as_str().unwrap().to_string()
}

fn rules(four: &str, one: &str, legal: &str) -> Value {
    json!({"rules": [
        {"name": "Regulated big spend", "workflow_id": four, "when": {"all": [
            {"field": "metadata.custom.risk", "op": "eq", "value": "high"},
            {"field": "metadata.custom.budget", "op": "gte", "value": {"amount": 5_000_000, "currency": "AUD"}}
        ]}, "add_approvers": [{"stage": "Compliance", "approver": {"user": legal}}]},
        {"name": "Social", "workflow_id": one, "when": {"field": "metadata.channels", "op": "contains", "value": "social"}}
    ]})
}

async fn rules_choose_the_chain_and_say_why(app: &TestApp) {
    let t = team(app, "route", json!("all")).await;
    let (brand, legal1, legal2) = (t.brand.0.clone(), t.legal1.0.clone(), t.legal2.0.clone());
    let workflow = |name: &str, stages: Value| json!({"name": name, "stages": stages});
    let stage = |name: &str, user: &str| json!({"name": name, "approvers": [{"user": user}], "rule": "all"});
    let four = app
        .post(
            "/api/v1/workspaces/route/workflows",
            Some(&app.admin),
            workflow(
                "Regulated",
                json!([
                    stage("Brand", &brand),
                    stage("Legal", &legal1),
                    stage("Compliance", &legal2),
                    stage("Sign-off", &brand)
                ]),
            ),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let one = app
        .post(
            "/api/v1/workspaces/route/workflows",
            Some(&app.admin),
            workflow("Social", json!([stage("Brand", &brand)])),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let schema = json!({"fields": [
        {"key": "risk", "label": "Risk", "type": "enum", "values": ["low", "high"]},
        {"key": "budget", "label": "Budget", "type": "money"}
    ]});
    assert_eq!(app.put("/api/v1/workspaces/route/metadata-schema", &app.admin, schema).await.status, StatusCode::OK);

    // Before any rule, a review without a workflow is refused, not defaulted.
    let early = asset_with(app, &t.creator, "Early", json!({})).await;
    let r = app.post(&format!("/api/v1/assets/{early}/reviews"), Some(&t.creator), json!({})).await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "no_route"));

    // A faulty rule set changes nothing and names the node.
    let mut bad = rules(&four, &one, &legal1);
    bad["rules"][1]["when"]["field"] = json!("metadata.custom.colour");
    let refused = app.put("/api/v1/workspaces/route/routing", &app.admin, bad).await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_routing"));
    assert_eq!(refused.json()["error"]["path"], "/rules/1/when/field");
    assert_eq!(app.get("/api/v1/workspaces/route/routing", &t.creator).await.json()["revision"], 0);
    let creator_put = app.put("/api/v1/workspaces/route/routing", &t.creator, rules(&four, &one, &legal1)).await;
    assert_eq!(creator_put.status, StatusCode::FORBIDDEN);

    let saved = app.put("/api/v1/workspaces/route/routing", &app.admin, rules(&four, &one, &legal1)).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.json());
    assert_eq!(saved.json()["revision"], 1);

    // The regulated ad: four stages, Compliance with the added approver, and the reasons.
    let ad = asset_with(
        app,
        &t.creator,
        "Home loan ad",
        json!({"channels": ["print"], "custom": {"risk": "high", "budget": {"amount": 8_000_000, "currency": "AUD"}}}),
    )
    .await;
    let review = app.post(&format!("/api/v1/assets/{ad}/reviews"), Some(&t.creator), json!({})).await;
    assert_eq!(review.status, StatusCode::CREATED, "{:?}", review.json());
    let review = review.json();
    assert_eq!(review["workflow_id"], four.as_str());
    assert_eq!(review["routing"]["rule"], "Regulated big spend");
    assert_eq!(review["routing"]["rules_revision"], 1);
    let names: Vec<&str> = review["stages"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Brand", "Legal", "Compliance", "Sign-off"]);
    assert_eq!(review["stages"][2]["approvers"].as_array().unwrap().len(), 2, "the rule added an approver");
    let tests = &review["routing"]["explanation"][0]["conditions"];
    assert_eq!(tests[1]["actual"], json!({"amount": 8_000_000, "currency": "AUD"}));
    assert_eq!(tests[1]["result"], true);
    let again = app.get(&format!("/api/v1/reviews/{}", review["id"].as_str().unwrap()), &t.creator).await.json();
    assert_eq!(again["routing"], review["routing"], "kept with the review");

    // The social post: one stage; the first rule was tried and said no.
    let post = asset_with(app, &t.creator, "Post", json!({"channels": ["social"], "custom": {"risk": "low"}})).await;
    let review = app.post(&format!("/api/v1/assets/{post}/reviews"), Some(&t.creator), json!({})).await.json();
    assert_eq!(review["routing"]["rule"], "Social");
    assert_eq!(review["stages"].as_array().unwrap().len(), 1);
    let results: Vec<bool> =
        review["routing"]["explanation"].as_array().unwrap().iter().map(|e| e["result"].as_bool().unwrap()).collect();
    assert_eq!(results, [false, true]);

    // Nothing matches: the error says what was checked. A named workflow needs no rule.
    let plain = asset_with(app, &t.creator, "Plain", json!({"channels": ["print"]})).await;
    let none = app.post(&format!("/api/v1/assets/{plain}/reviews"), Some(&t.creator), json!({})).await;
    assert_eq!(none.code(), "no_route");
    let message = none.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("metadata.custom.risk") && message.contains("metadata.channels"), "{message}");
    let named =
        app.post(&format!("/api/v1/assets/{plain}/reviews"), Some(&t.creator), json!({"workflow_id": one})).await;
    assert_eq!(named.json()["routing"], Value::Null);

    // Dry runs, for a stored asset and for one described.
    let dry =
        app.post("/api/v1/workspaces/route/routing/explain", Some(&t.creator), json!({"asset_id": ad})).await.json();
    assert_eq!(dry["matched"], json!({"index": 0, "name": "Regulated big spend"}));
    assert_eq!(dry["stages"].as_array().unwrap().len(), 4);
    let described = app
        .post(
            "/api/v1/workspaces/route/routing/explain",
            Some(&t.creator),
            json!({"asset": {"kind": "video", "metadata": {"channels": ["tv"]}}}),
        )
        .await
        .json();
    assert_eq!((described["matched"].clone(), described["workflow_id"].clone()), (Value::Null, Value::Null));
    let both = app
        .post(
            "/api/v1/workspaces/route/routing/explain",
            Some(&t.creator),
            json!({"asset_id": ad, "asset": {"kind": "video"}}),
        )
        .await;
    assert_eq!(both.code(), "invalid_body");

    // A second revision reads as changes against the first, and both are audited.
    let mut next = rules(&four, &one, &legal1);
    next["rules"].as_array_mut().unwrap().swap(0, 1);
    next["rules"][0]["when"]["value"] = json!("instagram");
    assert_eq!(app.put("/api/v1/workspaces/route/routing", &app.admin, next).await.json()["revision"], 2);
    let rev = app.get("/api/v1/workspaces/route/routing/revisions/2", &t.creator).await.json();
    assert_eq!(
        rev["changes"],
        json!([{"rule": "Social", "change": "changed"}, {"rule": "Regulated big spend", "change": "moved"}])
    );
    let first = app.get("/api/v1/workspaces/route/routing/revisions/1", &t.creator).await.json();
    assert_eq!(first["changes"].as_array().unwrap().len(), 2, "both rules were added");
    assert_eq!(app.get("/api/v1/workspaces/route/routing/revisions/3", &t.creator).await.status, StatusCode::NOT_FOUND);
    let events = app.get("/api/v1/workspaces/route/audit?object_type=routing", &app.admin).await.json();
    assert_eq!(events["events"].as_array().unwrap().len(), 2);

    // Viewers do not read the rules; other tenants do not find them.
    assert_eq!(app.get("/api/v1/workspaces/route/routing", &t.viewer).await.status, StatusCode::FORBIDDEN);
    let outsider = app.user("Routeoutsider").await;
    assert_eq!(app.get("/api/v1/workspaces/route/routing", &outsider.1).await.status, StatusCode::NOT_FOUND);
}

on_both!(rules_choose_the_chain_and_say_why);
