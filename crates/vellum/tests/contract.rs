//! The API contract checked from outside, against a live `vellum serve` on each database:
//! schemathesis (every check, a fixed seed, a bounded number of examples) must find nothing,
//! and a Python client generated from the document must upload, download and list.
//!
//! The Python tools are pinned and installed by the test install step into `.tools/python`
//! (or `VELLUM_PYTHON_TOOLS`); in CI a missing tool fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::json;
use support::{admin_token, json_request, png, request, upload, Server};

/// Examples per operation and phase: enough to reach every rule, small enough for CI.
const MAX_EXAMPLES: u32 = 25;

/// Where the pinned Python tools live, if they are installed.
fn python_tools() -> Option<PathBuf> {
    let dir = std::env::var_os("VELLUM_PYTHON_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/python"));
    dir.join("bin/st").is_file().then_some(dir)
}

fn tools_or_skip() -> Option<PathBuf> {
    let tools = python_tools();
    if tools.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "schemathesis and openapi-python-client are required in CI: run the test install step (./vellum.sh test)"
        );
        eprintln!("skipping: the Python tools are not installed in .tools/python");
    }
    tools
}

/// What the seeded workspace holds, by the ids the operations take.
struct Seeded {
    asset: String,
    review: String,
    workflow: String,
    group: String,
    user: String,
    webhook: String,
    comment: String,
    scim_token: String,
    scim_user: String,
    scim_group: String,
}

fn ok(reply: Option<support::Reply>, status: u16, what: &str) -> serde_json::Value {
    let reply = reply.unwrap_or_else(|| panic!("{what}: no answer"));
    assert_eq!(reply.status, status, "{what}: {}", String::from_utf8_lossy(&reply.body));
    reply.json()
}

/// A workspace `wk` with an image asset, a second member, a group, a workflow the admin
/// approves in, a review in progress and a preset: every kind of thing a path can name.
fn seed(addr: &str, token: &str, dir: &Path) -> Seeded {
    let post = |path: &str, body: serde_json::Value| json_request(addr, "POST", path, token, body);
    ok(post("/api/v1/workspaces", json!({"name": "Contract", "slug": "wk"})), 201, "workspace");
    let me = ok(json_request(addr, "GET", "/api/v1/me", token, json!(null)), 200, "me");
    let admin = me["user"]["id"].as_str().or(me["id"].as_str()).expect("my id").to_string();
    let user = ok(
        post(
            "/api/v1/users",
            json!({"email": "rita@example.com", "name": "Rita Reviewer", "password": "plum-harbour-violin-42"}),
        ),
        201,
        "user",
    );
    let user = user["id"].as_str().expect("user id").to_string();
    let path = format!("/api/v1/workspaces/wk/members/{user}");
    ok(json_request(addr, "PUT", &path, token, json!({"role": "reviewer"})), 200, "member");
    let group = ok(post("/api/v1/workspaces/wk/groups", json!({"name": "Legal", "members": [user]})), 201, "group");
    let workflow = ok(
        post(
            "/api/v1/workspaces/wk/workflows",
            json!({"name": "Standard", "stages": [
                {"name": "Brand", "approvers": [{"user": admin}], "rule": "all"},
                {"name": "Legal", "approvers": [{"group": group["id"]}], "rule": "any"}
            ]}),
        ),
        201,
        "workflow",
    );
    let asset = ok(
        upload(
            addr,
            "/api/v1/workspaces/wk/assets",
            token,
            &[("kind", "visual"), ("title", "Hero")],
            "hero.png",
            &png(dir),
        ),
        201,
        "upload",
    );
    let asset = asset["id"].as_str().expect("asset id").to_string();
    let review =
        ok(post(&format!("/api/v1/assets/{asset}/reviews"), json!({"workflow_id": workflow["id"]})), 201, "review");
    let preset = json!({"width": 300, "height": 200, "fit": "cover"});
    ok(json_request(addr, "PUT", "/api/v1/workspaces/wk/presets/banner", token, preset), 200, "preset");
    // Port 9 on loopback (allowed for this run) refuses at once: test sends fail fast.
    let hook = json!({"url": "http://127.0.0.1:9/hook", "events": ["review.started"]});
    let webhook = ok(post("/api/v1/workspaces/wk/webhooks", hook), 201, "webhook");
    let comment =
        ok(post(&format!("/api/v1/assets/{asset}/versions/1/comments"), json!({"body": "First note"})), 201, "comment");
    let scim_token = ok(post("/api/v1/admin/scim-token", json!(null)), 201, "SCIM token")["token"]
        .as_str()
        .expect("SCIM token")
        .to_string();
    let scim = |path: &str, body: serde_json::Value| json_request(addr, "POST", path, &scim_token, body);
    let scim_user = ok(
        scim("/scim/v2/Users", json!({"userName": "dora@example.com", "name": {"givenName": "Dora"}})),
        201,
        "SCIM user",
    );
    let scim_user = scim_user["id"].as_str().expect("SCIM user id").to_string();
    let scim_group = ok(
        scim("/scim/v2/Groups", json!({"displayName": "Marketing", "members": [{"value": scim_user}]})),
        201,
        "group",
    );
    Seeded {
        scim_group: scim_group["id"].as_str().expect("SCIM group id").to_string(),
        scim_user,
        scim_token,
        comment: comment["id"].as_str().expect("comment id").to_string(),
        webhook: webhook["id"].as_str().expect("webhook id").to_string(),
        asset,
        review: review["id"].as_str().expect("review id").to_string(),
        workflow: workflow["id"].as_str().expect("workflow id").to_string(),
        group: group["id"].as_str().expect("group id").to_string(),
        user,
    }
}

/// The schemathesis configuration: the server, the token, and which seeded thing each path
/// names. Where a request that fits the document can still be refused by a rule a JSON
/// Schema cannot state, that operation also expects 422 from valid data, with the rule said.
fn config(addr: &str, token: &str, s: &Seeded) -> String {
    format!(
        r#"
base-url = "http://{addr}"
seed = 1
headers = {{ Authorization = "Bearer {token}" }}
suppress-health-check = ["too_slow", "filter_too_much", "data_too_large"]
generation.max-examples = {MAX_EXAMPLES}
generation.deterministic = true

[parameters]
"path.ws" = "wk"

[[operations]]
include-path-regex = "^/api/v1/assets/"
parameters = {{ "path.id" = "{asset}", "path.n" = 1, "path.k" = 1, "path.name" = "thumbnail" }}

[[operations]]
include-path-regex = "^/api/v1/reviews/"
parameters = {{ "path.id" = "{review}" }}

[[operations]]
include-path-regex = "^/api/v1/workflows/"
parameters = {{ "path.id" = "{workflow}" }}

[[operations]]
include-path-regex = "^/api/v1/groups/"
parameters = {{ "path.id" = "{group}" }}

[[operations]]
include-path-regex = "^/api/v1/users/"
parameters = {{ "path.id" = "{user}" }}

[[operations]]
include-path-regex = "/members/"
parameters = {{ "path.user_id" = "{user}" }}

[[operations]]
include-path-regex = "/collaborators/"
parameters = {{ "path.id" = "{review}", "path.user_id" = "{user}" }}

[[operations]]
include-path-regex = "/presets/"
parameters = {{ "path.name" = "banner" }}

[[operations]]
include-path-regex = "^/api/v1/webhooks/"
parameters = {{ "path.id" = "{webhook}" }}

[[operations]]
include-path-regex = "^/api/v1/comments/"
parameters = {{ "path.id" = "{comment}" }}

# A comment's anchor must fit its version (pages, frames, points per shape, coordinates in
# 0..1), a mention must name a member who sees the asset, a reply's parent must be a comment
# of the asset; resolving needs a version the comment is listed on, and not twice; a
# collaborator must be a member who is not a viewer. A guest is invited by a real email
# address for at most 90 days ahead, to an open review.
[[operations]]
include-operation-id = ["create_comment", "edit_comment", "resolve_comment", "reopen_comment", "retract_comment", "add_collaborator", "guest_comment", "invite_guest"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# A webhook's URL must be http(s) on an allowed address, and name known event kinds; an
# invitation names a role of this server and someone not yet a member; accepting one needs
# its secret; a reset needs a live link (or is throttled: 429).
[[operations]]
include-operation-id = ["create_webhook", "invite", "accept_invitation", "set_notification_preferences"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# A campaign ends on or after its start and its code is unique; a milestone depends only on
# milestones of its campaign, without loops, and is assigned to a member. Glossary terms are
# unique ignoring case, and blank once trimmed is empty. A naming pattern names known parts
# with text between them. A brief template's keys are unique and its values fit their types;
# a brief's answers fit its template; a feed of one's own work names no campaign; a card
# moves only where a transition leads. Rights windows end after they start and releases carry
# dates; policy conditions name fields of the schema; a purpose or reason is not blank; a grant
# or share link expires in the future; only an approved version is linked or shared. Retention
# conditions name fields of the schema; a legal hold names assets or a campaign of the
# workspace; a watermark is one line without control characters; the rights managers are a
# group of the workspace.
[[operations]]
include-operation-id = ["create_campaign", "update_campaign", "create_milestone", "update_milestone", "put_glossary", "put_naming", "create_brief_template", "revise_brief_template", "create_brief", "update_brief", "submit_brief", "create_ical_feed", "move_card", "put_rights", "put_download_policies", "request_download", "grant_download", "deny_download", "create_public_link", "create_share_link", "put_retention", "create_legal_hold", "put_watermark", "update_workspace"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# A search's text and filters follow the search language (a filter is one field:value of a
# field the workspace has, a range only on numbers and dates), also when saved; a collection
# is shared with a group of its own workspace; sharing it needs approved items and a future
# expiry.
[[operations]]
include-operation-id = ["search", "create_saved_search", "create_collection", "set_collection_items", "add_collection_item", "share_collection"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# Files pass the distribution gate: once another call of the run archives or deletes the
# seeded asset (or its rights lapse), its files answer 410 until it is brought back.
[[operations]]
include-operation-id = ["download_version", "download_stamped_version", "get_rendition", "get_page", "compare_heatmap"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 410, 429, "5XX"]

# The expiry must lie in the future: a date in the past fits the schema; the workspace a token
# is kept to must be one of the caller's (another is not found).
[[operations]]
include-operation-id = "create_token"
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# Passwords must be hard to guess (zxcvbn), which no pattern states.
[[operations]]
include-operation-id = ["create_user", "reset_password"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# The current password must be the caller's.
[[operations]]
include-operation-id = "change_password"
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 422, 429, "5XX"]

# Stage rules across fields: approvers must be members, the first stage cannot start with
# a previous one, a quorum cannot exceed the named users, stage names are unique.
[[operations]]
include-operation-id = ["create_workflow", "update_workflow"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# A cursor must be one the list gave out: a made-up one fits the pattern.
[[operations]]
include-operation-id-regex = "^list_"
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# Group members must be members of the workspace.
[[operations]]
include-operation-id = ["create_group", "update_group"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# A new version restarts the review in progress, whose stages must still have approvers
# (the run removes the seeded group's only member).
[[operations]]
include-operation-id = ["upload_version", "restore_version"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# Every multipart field is text: the "integer" 42 sent as a title is the title "42", which
# the negative check counts as a schema violation. Wrong kinds, unknown parts and bad
# metadata in uploads are covered by the API's own tests.
[[operations]]
include-operation-id = ["upload_asset", "upload_version"]
checks.negative_data_rejection.enabled = false

# Rules across a rule set: unique names, fields of the schema, values of each field's type,
# workflows, members and groups of the workspace; a dry run names an asset_id or an asset,
# not both; a review that names no workflow needs a rule that matches (422 no_route); a
# calendar needs a real IANA zone, each day once and a working day that ends after it starts;
# a reassignment needs a pending approver of an active stage and a member to take over; an
# out-of-office period must end after it starts, in the future, with a member as delegate; a
# supervisor must be another member.
[[operations]]
include-operation-id = ["put_routing", "explain_routing", "start_review", "put_calendar", "reassign_approver", "set_out_of_office", "set_member"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# Field rules across a schema: keys unique, values only for enums, a currency only for money,
# and no change that values already stored would break (409). A bulk edit names assets that
# must exist in the workspace, and its result must fit the fields.
[[operations]]
include-operation-id = ["put_metadata_schema", "bulk_metadata"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# The distribution window must end after it starts; custom values must fit the workspace's
# fields (which the run may have changed). A named brief or campaign may not exist.
[[operations]]
include-operation-id = ["update_asset", "upload_asset"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]

# SCIM takes the server's SCIM token. A valid User can still be refused: its userName must be
# an address when no email is given, its address and userName unique (409), a server admin's
# password is not the directory's to set (403), and a Group's members must be users of the
# directory (404). Directories differ in what they send (Azure writes booleans as "True"), so
# attributes are read leniently and attributes this server does not keep are ignored, as
# RFC 7644 (section 3.3) allows: the negative check would count that as accepting a schema
# violation. Making a new SCIM token revokes the one these operations
# carry, so that operation (which takes no input) is left to the API's own tests.
[[operations]]
include-operation-id = "create_scim_token"
enabled = false

[[operations]]
include-path-regex = "^/scim/"
headers = {{ Authorization = "Bearer {scim_token}" }}
checks.positive_data_acceptance.expected-statuses = ["2XX", 400, 401, 403, 404, 409]
checks.negative_data_rejection.enabled = false

[[operations]]
include-path-regex = "^/scim/v2/Users/"
parameters = {{ "path.id" = "{scim_user}" }}

[[operations]]
include-path-regex = "^/scim/v2/Groups/"
parameters = {{ "path.id" = "{scim_group}" }}

# The MCP endpoint speaks JSON-RPC, which answers a message it cannot act on (an unknown
# method, params that do not fit) with a JSON-RPC error inside a 200, as the protocol says; the
# negative check would count that as accepting invalid data. Streamable HTTP needs both types
# in Accept.
[[operations]]
include-operation-id = "mcp"
headers = {{ Authorization = "Bearer {token}", Accept = "application/json, text/event-stream" }}
checks.negative_data_rejection.enabled = false

# A client that is not registered is refused (401); a scope must be one of ours (400).
[[operations]]
include-operation-id = "oauth_token"
checks.positive_data_acceptance.expected-statuses = ["2XX", 400, 401]

# Single sign-on is not configured in this run (404), or was set to an issuer another call
# made up, which cannot be reached (502); a callback needs a sign-in started in this browser.
[[operations]]
include-operation-id = ["oidc_login", "oidc_callback", "oidc_logout"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 400, 401, 403, 404, 502]

# Single sign-on settings hang together: passwords can be turned off only while an issuer and
# client are set, an issuer needs a client, and a rule must name an existing workspace.
[[operations]]
include-operation-id = ["put_sso"]
checks.positive_data_acceptance.expected-statuses = ["2XX", "3XX", 401, 403, 404, 409, 422, 429, "5XX"]
"#,
        asset = s.asset,
        review = s.review,
        workflow = s.workflow,
        group = s.group,
        user = s.user,
        webhook = s.webhook,
        comment = s.comment,
        scim_token = s.scim_token,
        scim_user = s.scim_user,
        scim_group = s.scim_group,
    )
}

fn run_schemathesis(tools: &Path, addr: &str, token: &str, seeded: &Seeded, dir: &Path) {
    let config_file = dir.join("schemathesis.toml");
    std::fs::write(&config_file, config(addr, token, seeded)).unwrap();
    let out = Command::new(tools.join("bin/st"))
        .arg("--config-file")
        .arg(&config_file)
        // Every check is on by default (response times are not checked: timings never
        // decide a test); the few exceptions are per operation in the configuration, which a
        // `--checks all` on the command line would override.
        .args(["run", &format!("http://{addr}/api/v1/openapi.json"), "--no-color"])
        .current_dir(dir)
        .output()
        .expect("run schemathesis");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "schemathesis found failures:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
}

/// Generates a Python client from the served document and runs the client story with it.
fn run_generated_client(tools: &Path, addr: &str, token: &str, dir: &Path) {
    let doc = request(addr, "GET", "/api/v1/openapi.json", &[], b"").expect("document");
    assert_eq!(doc.status, 200);
    let doc_file = dir.join("openapi.json");
    std::fs::write(&doc_file, &doc.body).unwrap();
    let out = Command::new(tools.join("bin/openapi-python-client"))
        .args(["generate", "--meta", "none", "--output-path"])
        .arg(dir.join("vellum_client"))
        .arg("--path")
        .arg(&doc_file)
        .output()
        .expect("run openapi-python-client");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the client generator failed:\n{said}");
    assert!(!said.contains("WARNING"), "the client generator left parts out:\n{said}");
    let story = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/client_story.py");
    let out = Command::new(tools.join("bin/python"))
        .arg(story)
        .args([&format!("http://{addr}"), token])
        .env("PYTHONPATH", dir)
        .output()
        .expect("run the client story");
    assert!(
        out.status.success(),
        "the generated client's story failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn story(tools: &Path, db: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let mut extra: Vec<&str> = db.map(|u| vec!["--database-url", u]).unwrap_or_default();
    extra.extend(["--webhook-allow-hosts", "127.0.0.1"]);
    let server = Server::start(&dir.path().join("data"), &extra);
    let token = admin_token(&server.addr);
    let seeded = seed(&server.addr, &token, dir.path());
    run_generated_client(tools, &server.addr, &token, dir.path());
    run_schemathesis(tools, &server.addr, &token, &seeded, dir.path());
}

#[test]
fn the_contract_holds_on_sqlite() {
    if let Some(tools) = tools_or_skip() {
        story(&tools, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_holds_on_postgres() {
    let Some(tools) = tools_or_skip() else { return };
    match vellum_store::testing::TempPostgres::fresh().await {
        Ok(db) => {
            let url = db.url().to_string();
            tokio::task::spawn_blocking(move || story(&tools, Some(&url))).await.unwrap();
        }
        Err(e) if !vellum_store::testing::in_ci() => eprintln!("skipping the PostgreSQL run: {e}"),
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
}
