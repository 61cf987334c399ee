//! Stamped downloads through the API: an approved JPEG and PDF leave `…/download` carrying
//! their rights and approval record as XMP, read back by exiftool, while `…/file` keeps the
//! exact stored bytes; the distribution event names both hashes; expired rights stop it.

use std::process::Command;

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use vellum_domain::Timestamp;

use crate::{
    harness::{Auth, TestApp},
    media_files::{pdf, tool},
    media_stories::jpeg,
    on_both,
    review_stories::{start_review, team, Team},
};

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn approved(app: &TestApp, t: &Team, name: &str, bytes: &[u8]) -> String {
    let up =
        app.upload("/api/v1/workspaces/stamp/assets", &t.creator, &[("kind", "visual")], Some((name, bytes))).await;
    assert_eq!(up.status, StatusCode::CREATED, "{:?}", up.json());
    let id = up.json()["id"].as_str().unwrap().to_string();
    let r = start_review(app, &id, &t.creator, &t.workflow).await;
    let rid = r["id"].as_str().unwrap().to_string();
    for who in [&t.brand.1, &t.legal1.1] {
        assert_eq!(app.decide(&rid, who, 1, "approve", None).await.status, StatusCode::CREATED);
    }
    id
}

fn exiftool(bytes: &[u8], name: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("exiftool").args(["-json", "-G1", "-n"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout).unwrap()[0].clone()
}

async fn downloads_carry_rights_and_approval_as_xmp(app: &TestApp) {
    if !tool("exiftool") || !tool("gs") {
        return;
    }
    app.clock.set(Timestamp::parse("2026-12-02T09:00:00Z").unwrap());
    let t = team(app, "stamp", json!("any")).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = jpeg(640, 480);
    let doc = pdf(dir.path(), 3);
    for (name, original) in [("spot.jpg", photo), ("leaflet.pdf", doc)] {
        let id = approved(app, &t, name, &original).await;
        let rights = json!({"licence": "rights_managed", "licensor": "Studio North", "usage_terms": "Social and web, AU only",
            "territories": ["AU"], "valid_from": "2026-01-01", "valid_until": "2027-06-30"});
        let put =
            app.send(Method::PUT, &format!("/api/v1/assets/{id}/rights"), Auth::Bearer(&t.creator), Some(rights)).await;
        assert_eq!(put.status, StatusCode::OK, "{:?}", put.json());
        let link = app
            .post(&format!("/api/v1/assets/{id}/public-links"), Some(&t.creator), json!({"rendition": "original"}))
            .await;
        assert_eq!(link.status, StatusCode::CREATED, "{:?}", link.json());

        let got = app.get(&format!("/api/v1/assets/{id}/versions/1/download"), &t.viewer).await;
        assert_eq!(got.status, StatusCode::OK, "{name}: {:?}", got.json());
        assert_eq!(got.headers["x-vellum-original-sha256"].to_str().unwrap(), sha(&original));
        assert!(got.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
        assert_ne!(got.body, original, "{name}: the copy is stamped");
        assert_eq!(got.headers[header::ETAG].to_str().unwrap(), format!("\"{}\"", sha(&got.body)));

        let meta = exiftool(&got.body, name);
        assert_eq!(meta["XMP-vellum:AssetId"], id.as_str(), "{name}: {meta}");
        assert_eq!(meta["XMP-vellum:Version"], 1);
        assert_eq!(meta["XMP-vellum:OriginalSha256"], sha(&original).as_str());
        assert_eq!(meta["XMP-vellum:ApprovedAt"], "2026:12:02 09:00:00Z");
        let approvers = meta["XMP-vellum:Approvers"].to_string();
        assert!(approvers.contains("Brandstamp") && approvers.contains("LegalAstamp"), "{name}: {approvers}");
        assert!(meta["XMP-vellum:AuditEvent"].as_str().unwrap().contains('#'));
        assert_eq!(meta["XMP-dc:Rights"], "Licensed from Studio North (rights_managed)");
        assert_eq!(meta["XMP-xmpRights:UsageTerms"], "Social and web, AU only");
        assert_eq!(meta["XMP-xmpRights:WebStatement"], link.json()["url"]);
        assert_eq!(meta["XMP-plus:LicensorName"], "Studio North");

        // The stored original is untouched and still served byte for byte.
        let file = app.get(&format!("/api/v1/assets/{id}/versions/1/file"), &t.viewer).await;
        assert_eq!(sha(&file.body), sha(&original), "{name}");

        let trail = app.get(&format!("/api/v1/workspaces/stamp/audit?asset_id={id}"), &app.admin).await.json();
        let events = trail["events"].as_array().unwrap();
        let stamped = events
            .iter()
            .find(|e| e["action"] == "distribution.download" && e["after"]["route"] == "download")
            .unwrap_or_else(|| panic!("{name}: {events:?}"));
        assert_eq!(stamped["after"]["stamped_sha256"], sha(&got.body).as_str());
        assert_eq!(stamped["after"]["sha256"], sha(&original).as_str());
        assert!(events.iter().any(|e| e["action"] == "distribution.download" && e["after"]["route"] == "file"));
    }

    // Once the rights lapse nobody takes a stamped copy, not even an editor.
    app.clock.set(Timestamp::parse("2027-07-01T09:00:00Z").unwrap());
    let assets = app.get("/api/v1/workspaces/stamp/assets", &t.creator).await.json();
    let id = assets["assets"][0]["id"].as_str().unwrap().to_string();
    let late = app.get(&format!("/api/v1/assets/{id}/versions/1/download"), &t.creator).await;
    assert_eq!((late.status, late.code().as_str()), (StatusCode::GONE, "rights_expired"));
}

/// A file the stamper does not handle is sent as it is (and says so in the audit event).
async fn other_files_are_sent_unstamped(app: &TestApp) {
    let t = team(app, "stamp", json!("any")).await;
    let id = approved(app, &t, "notes.txt", b"plain words, nothing to stamp").await;
    let got = app.get(&format!("/api/v1/assets/{id}/versions/1/download"), &t.viewer).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, b"plain words, nothing to stamp");
    let trail = app.get(&format!("/api/v1/workspaces/stamp/audit?asset_id={id}"), &app.admin).await.json();
    let e = trail["events"].as_array().unwrap().iter().find(|e| e["after"]["route"] == "download").cloned().unwrap();
    assert_eq!(e["after"]["stamped"], false);
    assert!(e["after"]["unstamped_because"].as_str().unwrap().contains("not stamped"), "{e}");
}

on_both!(downloads_carry_rights_and_approval_as_xmp, other_files_are_sent_unstamped);
