//! Custom fields: admins define them, uploads and edits are checked against them field by
//! field, and a change that would break stored values is refused with the count.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::{harness::TestApp, on_both};

fn schema(risk_values: Value) -> Value {
    json!({"fields": [
        {"key": "risk", "label": "Risk", "type": "enum", "values": risk_values, "required_for": ["visual"]},
        {"key": "budget", "label": "Budget", "type": "money", "currency": "AUD", "help": "In cents"},
        {"key": "owner", "label": "Owner", "type": "user"}
    ]})
}

fn keys(r: &Value) -> Vec<String> {
    r["error"]["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap().to_string()).collect()
}

async fn upload(app: &TestApp, token: &str, title: &str, metadata: Value) -> crate::harness::Reply {
    let meta = metadata.to_string();
    app.upload(
        "/api/v1/workspaces/fields/assets",
        token,
        &[("title", title), ("kind", "visual"), ("metadata", &meta)],
        Some(("a.png", title.as_bytes())),
    )
    .await
}

async fn custom_fields_check_uploads_and_edits(app: &TestApp) {
    let creator = app.user("Fieldcreator").await;
    let viewer = app.user("Fieldviewer").await;
    let outsider = app.user("Fieldoutsider").await;
    app.workspace("fields", &[(&creator.0, "creator"), (&viewer.0, "viewer")]).await;
    let path = "/api/v1/workspaces/fields/metadata-schema";

    let empty = app.get(path, &viewer.1).await.json();
    assert_eq!(empty, json!({"fields": [], "revision": 0}));
    let saved = app.put(path, &app.admin, schema(json!(["low", "high"]))).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.json());
    assert_eq!(saved.json()["revision"], 1);
    let read = app.get(path, &viewer.1).await.json();
    assert_eq!(read["fields"][0]["values"], json!(["low", "high"]));
    assert_eq!(read["fields"][1]["currency"], "AUD");

    // Only owners and admins change it; other tenants do not see it.
    let refused = app.put(path, &creator.1, schema(json!(["low"]))).await;
    assert_eq!((refused.status, refused.code().as_str()), (StatusCode::FORBIDDEN, "forbidden"));
    let hidden = app.get(path, &outsider.1).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // Uploads: every problem named by its field, nothing kept.
    let bad = upload(
        app,
        &creator.1,
        "Bad",
        json!({"custom": {"budget": {"amount": 100, "currency": "EUR"}, "owner": outsider.0}}),
    )
    .await;
    assert_eq!((bad.status, bad.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_metadata"));
    assert_eq!(keys(&bad.json()), ["risk", "budget", "owner"], "{:?}", bad.json());
    let listed = app.get("/api/v1/workspaces/fields/assets", &creator.1).await.json();
    assert_eq!(listed["assets"].as_array().unwrap().len(), 0, "a refused upload leaves nothing");

    let good = upload(
        app,
        &creator.1,
        "Good",
        json!({"custom": {"risk": "high", "budget": {"amount": 5_000_000, "currency": "AUD"}, "owner": creator.0, "free": 1}}),
    )
    .await;
    assert_eq!(good.status, StatusCode::CREATED, "{:?}", good.json());
    let id = good.json()["id"].as_str().unwrap().to_string();

    // Edits are checked the same way, and a refused one changes nothing.
    let edit = app
        .send(
            axum::http::Method::PATCH,
            &format!("/api/v1/assets/{id}"),
            crate::harness::Auth::Bearer(&creator.1),
            Some(json!({"metadata": {"custom": {"risk": "medium"}}})),
        )
        .await;
    assert_eq!(keys(&edit.json()), ["risk"], "{:?}", edit.json());
    let asset = app.get(&format!("/api/v1/assets/{id}"), &creator.1).await.json();
    assert_eq!(asset["metadata"]["custom"]["risk"], "high");

    // An invalid schema is refused whole, by key.
    let invalid = app
        .put(
            path,
            &app.admin,
            json!({"fields": [
                {"key": "tier", "label": "Tier", "type": "enum", "values": []},
                {"key": "dup", "label": "A", "type": "text"},
                {"key": "dup", "label": "B", "type": "text", "currency": "AUD"}
            ]}),
        )
        .await;
    assert_eq!(invalid.code(), "invalid_metadata");
    assert_eq!(keys(&invalid.json()), ["tier", "dup", "dup"], "{:?}", invalid.json());
    let unknown = app.put(path, &app.admin, json!({"fields": [{"key": "a", "label": "A", "type": "colour"}]})).await;
    assert_eq!(unknown.code(), "invalid_body");

    // Narrowing the values would strand the stored "high": refused with the count.
    let narrower = app.put(path, &app.admin, schema(json!(["low"]))).await;
    assert_eq!((narrower.status, narrower.code().as_str()), (StatusCode::CONFLICT, "conflict"));
    assert_eq!(keys(&narrower.json()), ["risk"]);
    assert!(narrower.json()["error"]["message"].as_str().unwrap().starts_with("1 asset"), "{:?}", narrower.json());
    assert_eq!(app.get(path, &viewer.1).await.json()["revision"], 1, "nothing changed");

    // Widening is fine, and the change is in the audit trail.
    let wider = app.put(path, &app.admin, schema(json!(["low", "medium", "high"]))).await;
    assert_eq!(wider.json()["revision"], 2);
    let events = app.get("/api/v1/workspaces/fields/audit?object_type=metadata_schema", &app.admin).await.json();
    assert_eq!(events["events"].as_array().unwrap().len(), 2, "{events}");
}

/// A bulk edit changes every chosen asset or none, each checked against the fields.
async fn bulk_metadata_is_all_or_nothing(app: &TestApp) {
    let creator = app.user("Bulkcreator").await;
    let viewer = app.user("Bulkviewer").await;
    app.workspace("fields", &[(&creator.0, "creator"), (&viewer.0, "viewer")]).await;
    let schema = json!({"fields": [{"key": "risk", "label": "Risk", "type": "enum", "values": ["low", "high"]}]});
    assert_eq!(app.put("/api/v1/workspaces/fields/metadata-schema", &app.admin, schema).await.status, StatusCode::OK);
    let a = upload(app, &creator.1, "A", json!({"channels": ["web"], "custom": {"keep": 1, "drop": 2}})).await.json();
    let b = upload(app, &creator.1, "B", json!({})).await.json();
    let ids = [a["id"].as_str().unwrap(), b["id"].as_str().unwrap()];
    let path = "/api/v1/workspaces/fields/assets/bulk-metadata";

    let bad = app.post(path, Some(&creator.1), json!({"asset_ids": ids, "set": {"custom": {"risk": "extreme"}}})).await;
    assert_eq!((bad.status, bad.code().as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_metadata"));
    assert_eq!(keys(&bad.json()), ["risk"]);
    let missing = app
        .post(
            path,
            Some(&creator.1),
            json!({"asset_ids": [ids[0], "01900000-0000-7000-8000-000000000099"], "set": {"language": "fr"}}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unchanged = app.get(&format!("/api/v1/assets/{}", ids[0]), &creator.1).await.json();
    assert_eq!(unchanged["metadata"].get("language"), None, "the first asset was not changed either");
    assert_eq!(
        app.post(path, Some(&viewer.1), json!({"asset_ids": ids, "set": {}})).await.status,
        StatusCode::FORBIDDEN
    );

    let done = app
        .post(
            path,
            Some(&creator.1),
            json!({"asset_ids": ids, "set": {"language": "fr", "custom": {"risk": "high", "drop": null}}}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.json());
    let assets = done.json()["assets"].clone();
    assert_eq!(assets.as_array().unwrap().len(), 2);
    assert_eq!(assets[0]["metadata"]["custom"], json!({"keep": 1, "risk": "high"}));
    assert_eq!(assets[0]["metadata"]["channels"], json!(["web"]), "fields not given are kept");
    assert_eq!(assets[1]["metadata"]["language"], "fr");
    let trail = app.get(&format!("/api/v1/workspaces/fields/audit?object_id={}", ids[1]), &app.admin).await.json();
    let actions: Vec<&str> =
        trail["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["asset.create", "asset.update"], "one event for the bulk change");
}

on_both!(custom_fields_check_uploads_and_edits, bulk_metadata_is_all_or_nothing);
