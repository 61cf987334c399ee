//! The MCP server through the official Python SDK (PyPI `mcp`), as an agent uses it: tools
//! offered by scope, search seeing only what the person may see, governed links that work (and
//! the reasoned refusal for expired rights), a comment and a proposal that a person accepts
//! with both identities in the audit trail, and nothing at all for a member of another
//! workspace.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use serde_json::{json, Value};
use support::{admin_token, json_request, png, request, sign_in_token, upload, wait_for, Server, PATIENCE};

/// The pinned Python with the MCP SDK, if it is installed (in CI it must be).
fn python() -> Option<PathBuf> {
    let dir = std::env::var_os("VELLUM_PYTHON_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/python"));
    let py = dir.join("bin/python");
    let ok = Command::new(&py).args(["-c", "import mcp"]).status().is_ok_and(|s| s.success());
    if ok {
        return Some(py);
    }
    assert!(
        std::env::var("CI").is_err(),
        "the MCP Python SDK is required in CI: run the test install step (./vellum.sh test)"
    );
    eprintln!("skipping: the MCP Python SDK is not installed in .tools/python");
    None
}

/// Runs operations through the SDK client as the token's agent; one outcome per operation.
fn agent(py: &Path, addr: &str, token: &str, ops: Value) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/mcp_agent.py");
    let mut child = Command::new(py)
        .arg(script)
        .arg(format!("http://{addr}/mcp"))
        .arg(token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(ops.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the MCP client failed: {}", String::from_utf8_lossy(&out.stdout));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

fn error_code(outcome: &Value) -> String {
    assert_eq!(outcome["is_error"], true, "expected a tool error: {outcome}");
    assert!(outcome["text"].as_str().unwrap().contains(outcome["structured"]["error"]["code"].as_str().unwrap()));
    outcome["structured"]["error"]["code"].as_str().unwrap().to_string()
}

struct Library {
    spring: String,
    winter: String,
    draft: String,
    theirs: String,
    review: String,
}

fn id_of(r: &support::Reply) -> String {
    assert!((200..300).contains(&r.status), "{:?}", r.json());
    r.json()["id"].as_str().unwrap().to_string()
}

fn post(addr: &str, token: &str, path: &str, body: Value) -> support::Reply {
    json_request(addr, "POST", path, token, body).unwrap()
}

fn user(addr: &str, admin: &str, name: &str) -> String {
    let email = format!("{name}@example.com");
    id_of(&post(
        addr,
        admin,
        "/api/v1/users",
        json!({"email": email, "name": name, "password": "a long agent password"}),
    ))
}

/// Two workspaces: `brand` (Cara creates, Vic views) with an approved poster, an approved one
/// whose rights ended, and a draft; `other` (Otto's) with its own approved poster.
fn seed(addr: &str, admin: &str, dir: &Path) -> Library {
    let me = json_request(addr, "GET", "/api/v1/me", admin, json!(null)).unwrap().json()["user"]["id"].clone();
    let (cara, vic, otto) = (user(addr, admin, "cara"), user(addr, admin, "vic"), user(addr, admin, "otto"));
    let image = png(dir);
    let approved = |ws: &str, title: &str, approve: bool| -> (String, Option<String>) {
        let r = upload(
            addr,
            &format!("/api/v1/workspaces/{ws}/assets"),
            admin,
            &[("title", title), ("kind", "visual")],
            "poster.png",
            &image,
        )
        .unwrap();
        let id = id_of(&r);
        if !approve {
            return (id, None);
        }
        let wf = json_request(addr, "GET", &format!("/api/v1/workspaces/{ws}/workflows"), admin, json!(null))
            .unwrap()
            .json();
        let wf = wf["workflows"][0]["id"].as_str().unwrap().to_string();
        let review = id_of(&post(addr, admin, &format!("/api/v1/assets/{id}/reviews"), json!({"workflow_id": wf})));
        let d = post(
            addr,
            admin,
            &format!("/api/v1/reviews/{review}/decisions"),
            json!({"version": 1, "decision": "approve"}),
        );
        assert_eq!(d.status, 201, "{:?}", d.json());
        (id, Some(review))
    };
    for (ws, members) in [
        ("brand", vec![(cara.as_str(), "creator"), (vic.as_str(), "viewer")]),
        ("other", vec![(otto.as_str(), "creator")]),
    ] {
        id_of(&post(addr, admin, "/api/v1/workspaces", json!({"name": ws.to_uppercase(), "slug": ws})));
        for (u, role) in members {
            let r = json_request(
                addr,
                "PUT",
                &format!("/api/v1/workspaces/{ws}/members/{u}"),
                admin,
                json!({"role": role}),
            )
            .unwrap();
            assert_eq!(r.status, 200, "{:?}", r.json());
        }
        let stages = json!([{"name": "Brand", "approvers": [{"user": me}], "rule": "any"}]);
        id_of(&post(
            addr,
            admin,
            &format!("/api/v1/workspaces/{ws}/workflows"),
            json!({"name": "Sign-off", "stages": stages}),
        ));
    }
    let (spring, review) = approved("brand", "Spring poster", true);
    let (winter, _) = approved("brand", "Winter poster", true);
    let (draft, _) = approved("brand", "Draft poster", false);
    let (theirs, _) = approved("other", "Other poster", true);
    let rights = json!({"licence": "rights_managed", "territories": ["DE"], "channels": ["web"],
        "valid_from": "2026-01-01", "valid_until": "2026-01-31", "releases": []});
    let r = json_request(addr, "PUT", &format!("/api/v1/assets/{winter}/rights"), admin, rights).unwrap();
    assert_eq!(r.status, 200, "{:?}", r.json());
    Library { spring, winter, draft, theirs, review: review.unwrap() }
}

fn searched(addr: &str, admin: &str, ws: &str) -> u64 {
    json_request(addr, "GET", &format!("/api/v1/workspaces/{ws}/search?q=poster"), admin, json!(null)).unwrap().json()
        ["total"]
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn an_agent_sees_what_its_person_sees_and_proposes_what_a_person_accepts() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--index-interval-ms", "20"]);
    let addr = server.addr.clone();
    let admin = admin_token(&addr);
    let lib = seed(&addr, &admin, dir.path());
    // The index and the thumbnails are made in the background: wait for both, not for time.
    wait_for("the index", PATIENCE, || {
        (searched(&addr, &admin, "brand") == 3 && searched(&addr, &admin, "other") == 1).then_some(())
    });
    let thumbnail = format!("/api/v1/assets/{}/versions/1/renditions/thumbnail", lib.spring);
    let auth = [("Authorization", format!("Bearer {admin}"))];
    wait_for("the thumbnail", PATIENCE, || request(&addr, "GET", &thumbnail, &auth, b"").filter(|r| r.status == 200));

    let password = "a long agent password";
    let vic = sign_in_token(&addr, "vic@example.com", password, json!({"name": "assistant", "scopes": ["read"]}));
    let cara = sign_in_token(&addr, "cara@example.com", password, json!({"name": "assistant", "scopes": ["propose"]}));
    let otto = sign_in_token(&addr, "otto@example.com", password, json!({"name": "assistant", "scopes": ["read"]}));

    // A read token is not even offered the write tools; a propose token is.
    let read_tools = [
        "search_assets",
        "get_asset",
        "get_governed_link",
        "request_download",
        "list_my_work",
        "get_review",
        "get_brief",
        "list_campaign_assets",
    ];
    let out = agent(&py, &addr, &vic, json!([{"op": "list_tools"}]));
    assert_eq!(out[0]["names"], json!(read_tools));
    let out = agent(&py, &addr, &cara, json!([{"op": "list_tools"}]));
    let names: Vec<&str> = out[0]["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    for extra in ["add_comment", "propose_metadata_change", "propose_review_start", "propose_brief"] {
        assert!(names.contains(&extra), "{extra} in {names:?}");
    }
    assert_eq!(out[0]["schemas"]["get_governed_link"]["properties"]["kind"]["enum"], json!(["download", "public"]));

    // The viewer's agent finds only the approved, in-rights poster of the viewer's workspace.
    let out = agent(
        &py,
        &addr,
        &vic,
        json!([
            {"op": "call", "name": "search_assets", "arguments": {"query": "poster"}},
            {"op": "call", "name": "get_governed_link", "arguments": {"asset_id": lib.spring}},
            {"op": "call", "name": "get_governed_link", "arguments": {"asset_id": lib.winter}},
            {"op": "call", "name": "get_asset", "arguments": {"asset_id": lib.draft}},
            {"op": "call", "name": "get_asset", "arguments": {"asset_id": lib.spring}},
            {"op": "read_resource", "uri": format!("vellum://assets/{}/versions/1/renditions/thumbnail", lib.spring)},
            {"op": "call", "name": "add_comment", "arguments": {"asset_id": lib.spring, "version": 1, "body": "x"}},
            {"op": "call", "name": "search_assets", "arguments": {"query": "poster", "filters": {"status": "approved", "kind": ["visual"]}}},
            {"op": "call", "name": "search_assets", "arguments": {"filters": ["kind:video"]}},
        ]),
    );
    let hits: Vec<&str> =
        out[0]["structured"]["hits"].as_array().unwrap().iter().map(|h| h["asset_id"].as_str().unwrap()).collect();
    assert_eq!(hits, [lib.spring.as_str()], "{}", out[0]);
    let url = out[1]["structured"]["url"].as_str().unwrap();
    let path = &url[url.find("/api/v1/links/").expect("a governed link")..];
    let file = request(&addr, "GET", path, &[], b"").unwrap();
    assert_eq!(file.status, 200);
    assert_eq!(file.body, png(dir.path()), "the link serves the approved file");
    assert_eq!(error_code(&out[2]), "rights_expired", "{}", out[2]);
    assert!(out[2]["text"].as_str().unwrap().contains("rights"));
    assert_eq!(error_code(&out[3]), "not_found");
    let asset = &out[4]["structured"];
    assert_eq!((asset["asset"]["approved_version"].as_u64(), asset["version_shown"].as_u64()), (Some(1), Some(1)));
    assert!(asset["renditions"].as_array().unwrap().iter().any(|r| r["name"] == "thumbnail"));
    assert_eq!(out[5]["ok"], true, "{}", out[5]);
    assert!(out[5]["mime_type"].as_str().unwrap().starts_with("image/"));
    assert_eq!(error_code(&out[6]), "insufficient_scope");
    assert_eq!(out[7]["structured"]["hits"][0]["asset_id"], json!(lib.spring), "filters as an object: {}", out[7]);
    assert_eq!(out[8]["structured"]["hits"], json!([]), "filters as a list: {}", out[8]);

    // The creator's agent comments (marked as via the agent) and proposes a metadata change.
    let out = agent(
        &py,
        &addr,
        &cara,
        json!([
            {"op": "call", "name": "add_comment", "arguments": {"asset_id": lib.spring, "version": 1, "body": "The logo is too small for print"}},
            {"op": "call", "name": "propose_metadata_change", "arguments": {"asset_id": lib.spring, "version": 1,
                "metadata": {"language": "de"}, "rationale": "The German launch needs German metadata"}},
            {"op": "call", "name": "propose_metadata_change", "arguments": {"asset_id": lib.spring, "version": 9,
                "metadata": {"language": "de"}, "rationale": "stale"}},
            {"op": "call", "name": "get_review", "arguments": {"review_id": lib.review}},
        ]),
    );
    assert_eq!(out[0]["is_error"], false, "{}", out[0]);
    let token_id = out[0]["structured"]["via_token_id"].as_str().expect("marked as written via the agent").to_string();
    let proposal = out[1]["structured"]["id"].as_str().expect("a proposal").to_string();
    assert_eq!(out[1]["structured"]["status"], "pending");
    assert_eq!(error_code(&out[2]), "proposal_stale");
    assert_eq!(out[3]["structured"]["open_comments"].as_array().unwrap().len(), 1, "{}", out[3]);
    let unchanged =
        json_request(&addr, "GET", &format!("/api/v1/assets/{}", lib.spring), &admin, json!(null)).unwrap().json();
    assert_ne!(unchanged["metadata"]["language"], "de", "nothing changes until a person accepts");

    // A person accepts it through the API: the change is the admin's, made through Cara's agent.
    let pending = json_request(&addr, "GET", "/api/v1/workspaces/brand/proposals?status=pending", &admin, json!(null))
        .unwrap()
        .json();
    assert_eq!(pending["proposals"][0]["id"], json!(proposal));
    assert_eq!(pending["proposals"][0]["token_id"], json!(token_id));
    let accepted = post(&addr, &admin, &format!("/api/v1/proposals/{proposal}/accept"), json!({}));
    assert_eq!(accepted.status, 200, "{:?}", accepted.json());
    let now =
        json_request(&addr, "GET", &format!("/api/v1/assets/{}", lib.spring), &admin, json!(null)).unwrap().json();
    assert_eq!(now["metadata"]["language"], "de");
    let admin_id = json_request(&addr, "GET", "/api/v1/me", &admin, json!(null)).unwrap().json()["user"]["id"].clone();
    let trail =
        json_request(&addr, "GET", "/api/v1/workspaces/brand/audit?limit=500", &admin, json!(null)).unwrap().json();
    let update = trail["events"].as_array().unwrap().iter().rfind(|e| e["action"] == "asset.update").unwrap().clone();
    assert_eq!((update["actor_id"].clone(), update["token_id"].clone()), (admin_id, json!(token_id)), "{update}");

    // A member of another workspace gets nothing through any tool.
    let out = agent(
        &py,
        &addr,
        &otto,
        json!([
            {"op": "call", "name": "search_assets", "arguments": {"query": "poster"}},
            {"op": "call", "name": "search_assets", "arguments": {"query": "poster", "workspace": "brand"}},
            {"op": "call", "name": "get_asset", "arguments": {"asset_id": lib.spring}},
            {"op": "call", "name": "get_governed_link", "arguments": {"asset_id": lib.spring}},
            {"op": "call", "name": "request_download", "arguments": {"asset_id": lib.spring, "purpose": "print"}},
            {"op": "call", "name": "get_review", "arguments": {"review_id": lib.review}},
            {"op": "read_resource", "uri": format!("vellum://assets/{}/versions/1/renditions/thumbnail", lib.spring)},
            {"op": "call", "name": "list_my_work", "arguments": {}},
        ]),
    );
    let hits: Vec<&str> =
        out[0]["structured"]["hits"].as_array().unwrap().iter().map(|h| h["asset_id"].as_str().unwrap()).collect();
    assert_eq!(hits, [lib.theirs.as_str()]);
    for o in &out[1..6] {
        assert_eq!(error_code(o), "not_found", "{o}");
    }
    assert_eq!(out[6]["ok"], false);
    assert!(out[6]["error"].as_str().unwrap().contains("not_found"), "{}", out[6]);
    assert_eq!(out[7]["structured"]["decisions"], json!([]));

    // Without a token there is no MCP at all.
    let bare = request(&addr, "POST", "/mcp", &[("Content-Type", "application/json".into())], b"{}").unwrap();
    assert_eq!(bare.status, 401);
    assert_eq!(bare.header("www-authenticate"), Some("Bearer"));

    // The transport's refusals read like every other error, with a code that says what to fix.
    let bearer = ("Authorization", format!("Bearer {vic}"));
    let json_type = ("Content-Type", "application/json".to_string());
    let both = ("Accept", "application/json, text/event-stream".to_string());
    let list = br#"{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}"#;
    for (headers, body, status, code) in [
        (vec![bearer.clone(), json_type.clone()], &list[..], 406, "not_acceptable"),
        (vec![bearer.clone(), json_type.clone(), both.clone()], &b"{\"jsonrpc\": \"1.0\"}"[..], 400, "malformed_json"),
        (
            vec![bearer.clone(), ("Content-Type", "text/plain".into()), both.clone()],
            &list[..],
            415,
            "unsupported_media_type",
        ),
    ] {
        let r = request(&addr, "POST", "/mcp", &headers, body).unwrap();
        assert_eq!((r.status, r.json()["error"]["code"].as_str()), (status, Some(code)), "{:?}", r.json());
    }
    let listed = request(&addr, "POST", "/mcp", &[bearer.clone(), json_type, both], list).unwrap();
    assert_eq!(listed.status, 200, "the same message with both types is answered");
    let stream = request(&addr, "GET", "/mcp", &[bearer], b"").unwrap();
    assert_eq!((stream.status, stream.header("allow")), (405, Some("POST")), "no sessions, no stream to GET");
}
