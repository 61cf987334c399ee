//! The OpenAPI 3.1 document of `/api/v1`, built from one table of operations so it cannot
//! drift far from the routes (a test checks every route is described).

use axum::Json;
use serde_json::{json, Map, Value};

/// (method, path, summary, request body schema, success status, success schema)
type Operation = (&'static str, &'static str, &'static str, Option<&'static str>, u16, &'static str);

pub const OPERATIONS: &[Operation] = &[
    ("post", "/session", "Sign in; sets the HttpOnly session cookie", Some("Credentials"), 200, "SessionCreated"),
    ("delete", "/session", "Sign out", None, 204, ""),
    ("delete", "/sessions", "Sign out everywhere: end every browser session of the caller", None, 204, ""),
    ("get", "/me", "The signed-in user and their workspaces", None, 200, "Me"),
    ("put", "/me/password", "Change one's password; other sessions end", Some("PasswordChange"), 204, ""),
    ("post", "/password-reset", "Set a new password with a one-time reset link's token", Some("PasswordReset"), 204, ""),
    ("post", "/tokens", "Create an API token, optionally expiring (shown once, stored hashed)", Some("NewToken"), 201, "TokenCreated"),
    ("get", "/tokens", "The caller's API tokens (never their secrets)", None, 200, "Tokens"),
    ("delete", "/tokens/{id}", "Revoke one of the caller's API tokens", None, 204, ""),
    ("post", "/users", "Create a user (server admins)", Some("NewUser"), 201, "User"),
    ("get", "/users", "List users (server admins)", None, 200, "Users"),
    ("post", "/users/{id}/disable", "Disable a user: sessions end and tokens are revoked at once (server admins)", None, 200, "User"),
    ("post", "/users/{id}/enable", "Enable a disabled user (server admins)", None, 200, "User"),
    ("post", "/users/{id}/password-reset", "A one-time password-reset link, valid a day (server admins)", None, 201, "ResetLink"),
    ("patch", "/groups/{id}", "Rename a group, add and remove members (admins)", Some("GroupPatch"), 200, "Group"),
    ("delete", "/groups/{id}", "Delete a group no workflow names (admins)", None, 204, ""),
    ("post", "/admin/audit/checkpoint", "Sign a checkpoint of every audit chain now (server admins)", None, 201, "Checkpoint"),
    ("post", "/workspaces", "Create a workspace; the caller becomes its owner", Some("NewWorkspace"), 201, "Workspace"),
    ("get", "/workspaces", "The caller's workspaces", None, 200, "Workspaces"),
    ("get", "/workspaces/{ws}", "One workspace (id or slug)", None, 200, "Workspace"),
    ("patch", "/workspaces/{ws}", "Rename a workspace or set keep_gps (admins)", Some("WorkspacePatch"), 200, "Workspace"),
    ("get", "/workspaces/{ws}/members", "Members and roles", None, 200, "Members"),
    ("put", "/workspaces/{ws}/members/{user_id}", "Add a member or change their role", Some("RoleBody"), 200, "Member"),
    ("delete", "/workspaces/{ws}/members/{user_id}", "Remove a member from the workspace and its groups (not the last owner)", None, 204, ""),
    ("post", "/workspaces/{ws}/groups", "Create a group", Some("NewGroup"), 201, "Group"),
    ("get", "/workspaces/{ws}/groups", "List groups", None, 200, "Groups"),
    (
        "post",
        "/workspaces/{ws}/assets",
        "Upload an asset (multipart: file, title, kind, metadata, note)",
        Some("Upload"),
        201,
        "Asset",
    ),
    ("get", "/workspaces/{ws}/assets", "The library; filter with ?status=&kind=", None, 200, "Assets"),
    ("get", "/assets/{id}", "One asset", None, 200, "Asset"),
    ("patch", "/assets/{id}", "Edit title or metadata", Some("AssetPatch"), 200, "Asset"),
    (
        "post",
        "/assets/{id}/versions",
        "Upload a new version (multipart: file, note)",
        Some("VersionUpload"),
        201,
        "Version",
    ),
    ("get", "/assets/{id}/versions", "Versions, newest first", None, 200, "Versions"),
    ("get", "/assets/{id}/versions/{n}", "One version", None, 200, "Version"),
    ("get", "/assets/{id}/versions/{n}/file", "Download the exact bytes (ETag = sha256, Range)", None, 200, "File"),
    (
        "post",
        "/assets/{id}/versions/{n}/restore",
        "Restore: a new version with this version's content",
        Some("RestoreBody"),
        201,
        "Version",
    ),
    ("post", "/workspaces/{ws}/workflows", "Create a workflow", Some("WorkflowSpec"), 201, "Workflow"),
    ("get", "/workspaces/{ws}/workflows", "List workflows", None, 200, "Workflows"),
    ("get", "/workflows/{id}", "One workflow (latest revision)", None, 200, "Workflow"),
    ("put", "/workflows/{id}", "Edit a workflow: saves a new revision", Some("WorkflowSpec"), 200, "Workflow"),
    ("post", "/assets/{id}/reviews", "Start a review of the current version", Some("StartReview"), 201, "Review"),
    ("get", "/assets/{id}/reviews", "Reviews of an asset, newest first", None, 200, "Reviews"),
    ("get", "/reviews/{id}", "One review with stages, approvers and decisions", None, 200, "Review"),
    ("post", "/reviews/{id}/decisions", "Decide on the version under review", Some("Decision"), 201, "Review"),
    (
        "get",
        "/workspaces/{ws}/audit",
        "Export audit events (?object_type=&object_id=&asset_id=&format=json|csv)",
        None,
        200,
        "AuditEvents",
    ),
    ("get", "/workspaces/{ws}/audit/verify", "Re-walk the hash chain", None, 200, "Verification"),
    ("get", "/assets/{id}/versions/{n}/renditions/{name}", "A rendition (thumbnail, preview, …): 202 + Retry-After while processing, 404 rendition_not_available when it cannot exist", None, 200, "File"),
    ("get", "/assets/{id}/versions/{n}/pages/{k}", "Page k (1-based) of a PDF or office document as an image; 202 while processing", None, 200, "File"),
    ("get", "/workspaces/{ws}/jobs", "Background jobs of a workspace (?state=queued|running|done|failed; admins)", None, 200, "Jobs"),
    ("post", "/jobs/{id}/retry", "Send a failed job back to the queue (admins)", None, 200, "Job"),
    ("get", "/workspaces/{ws}/presets", "Channel presets: the workspace's own and the built-in ones", None, 200, "Presets"),
    ("get", "/workspaces/{ws}/presets/{name}", "One channel preset", None, 200, "Preset"),
    ("put", "/workspaces/{ws}/presets/{name}", "Define or change a channel preset (admins)", Some("PresetBody"), 200, "Preset"),
    ("put", "/assets/{id}/versions/{n}/focal-point", "Where the subject is (x, y in 0..1), kept by crops", Some("FocalPoint"), 200, "Version"),
];

fn obj(props: &[(&str, Value)], required: &[&str]) -> Value {
    let props: Map<String, Value> = props.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    json!({"type": "object", "properties": props, "required": required})
}

fn s() -> Value {
    json!({"type": "string"})
}

fn i() -> Value {
    json!({"type": "integer"})
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn list_of(key: &str, item: &str) -> Value {
    obj(&[(key, json!({"type": "array", "items": r(item)}))], &[key])
}

fn schemas() -> Value {
    let role = json!({"type": "string", "enum": ["owner", "admin", "manager", "creator", "reviewer", "collaborator", "external", "viewer"]});
    let kind = json!({"type": "string", "enum": ["visual", "video", "written", "design_source", "campaign_ready"]});
    let decision =
        json!({"type": "string", "enum": ["approve", "approve_with_changes", "changes_requested", "reject"]});
    let rule = json!({"oneOf": [{"type": "string", "enum": ["all", "any"]}, obj(&[("quorum", i())], &["quorum"])]});
    let approver = json!({"oneOf": [obj(&[("user", s())], &["user"]), obj(&[("group", s())], &["group"])]});
    let stage = obj(
        &[
            ("name", s()),
            ("approvers", json!({"type": "array", "items": approver})),
            ("rule", rule),
            ("start", json!({"type": "string", "enum": ["after_previous", "with_previous"]})),
            ("due_in_hours", i()),
        ],
        &["name", "approvers", "rule"],
    );
    let pairs: Vec<(&str, Value)> = vec![
        ("Error", obj(&[("error", obj(&[("code", s()), ("message", s())], &["code", "message"]))], &["error"])),
        ("Credentials", obj(&[("email", s()), ("password", s())], &["email", "password"])),
        ("SessionCreated", obj(&[("user", r("User")), ("csrf_token", s())], &["user"])),
        (
            "Me",
            obj(&[("user", r("User")), ("workspaces", json!({"type": "array", "items": r("Workspace")}))], &["user"]),
        ),
        ("NewToken", obj(&[("name", s()), ("expires_at", s())], &["name"])),
        (
            "TokenCreated",
            obj(
                &[("id", s()), ("name", s()), ("token", s()), ("created_at", s()), ("expires_at", s())],
                &["id", "token"],
            ),
        ),
        ("Token", obj(&[("id", s()), ("name", s()), ("created_at", s()), ("expires_at", s())], &["id", "name"])),
        ("Tokens", list_of("tokens", "Token")),
        ("PasswordChange", obj(&[("current", s()), ("new", s())], &["current", "new"])),
        ("PasswordReset", obj(&[("token", s()), ("password", s())], &["token", "password"])),
        ("ResetLink", obj(&[("link", s()), ("expires_at", s())], &["link", "expires_at"])),
        (
            "GroupPatch",
            obj(
                &[
                    ("name", s()),
                    ("add", json!({"type": "array", "items": s()})),
                    ("remove", json!({"type": "array", "items": s()})),
                ],
                &[],
            ),
        ),
        (
            "Checkpoint",
            obj(
                &[("at", s()), ("chains", json!({"type": "object"})), ("public_key", s()), ("signature", s())],
                &["at", "chains", "public_key", "signature"],
            ),
        ),
        (
            "NewUser",
            obj(
                &[("email", s()), ("name", s()), ("password", s()), ("is_admin", json!({"type": "boolean"}))],
                &["email", "name", "password"],
            ),
        ),
        (
            "User",
            obj(
                &[
                    ("id", s()),
                    ("email", s()),
                    ("name", s()),
                    ("is_admin", json!({"type": "boolean"})),
                    ("created_at", s()),
                    ("disabled_at", json!({"type": ["string", "null"]})),
                ],
                &["id", "email", "name"],
            ),
        ),
        ("Users", list_of("users", "User")),
        ("NewWorkspace", obj(&[("name", s()), ("slug", s())], &["name", "slug"])),
        (
            "Workspace",
            obj(
                &[("id", s()), ("name", s()), ("slug", s()), ("role", role.clone()), ("created_at", s())],
                &["id", "name", "slug"],
            ),
        ),
        ("Workspaces", list_of("workspaces", "Workspace")),
        ("RoleBody", obj(&[("role", role.clone())], &["role"])),
        (
            "Member",
            obj(
                &[("user_id", s()), ("email", s()), ("name", s()), ("role", role), ("since", s())],
                &["user_id", "role"],
            ),
        ),
        ("Members", list_of("members", "Member")),
        ("NewGroup", obj(&[("name", s()), ("members", json!({"type": "array", "items": s()}))], &["name"])),
        (
            "Group",
            obj(
                &[
                    ("id", s()),
                    ("workspace_id", s()),
                    ("name", s()),
                    ("members", json!({"type": "array", "items": s()})),
                ],
                &["id", "name", "members"],
            ),
        ),
        ("Groups", list_of("groups", "Group")),
        (
            "Upload",
            obj(
                &[
                    ("file", json!({"type": "string", "format": "binary"})),
                    ("title", s()),
                    ("kind", kind.clone()),
                    ("metadata", s()),
                    ("note", s()),
                ],
                &["file", "kind"],
            ),
        ),
        (
            "VersionUpload",
            obj(&[("file", json!({"type": "string", "format": "binary"})), ("note", s())], &["file", "note"]),
        ),
        (
            "Metadata",
            obj(
                &[
                    ("language", s()),
                    ("locale", s()),
                    ("channels", json!({"type": "array", "items": s()})),
                    ("distribution_start", s()),
                    ("distribution_end", s()),
                    ("custom", json!({"type": "object"})),
                ],
                &[],
            ),
        ),
        (
            "Asset",
            obj(
                &[
                    ("id", s()),
                    ("workspace_id", s()),
                    ("title", s()),
                    ("kind", kind),
                    ("metadata", r("Metadata")),
                    (
                        "status",
                        json!({"type": "string", "enum": ["draft", "in_review", "changes_requested", "rejected", "approved"]}),
                    ),
                    ("current_version", i()),
                    ("approved_version", json!({"type": ["integer", "null"]})),
                ],
                &["id", "workspace_id", "title", "kind", "metadata", "status", "current_version", "approved_version"],
            ),
        ),
        ("Assets", list_of("assets", "Asset")),
        ("AssetPatch", obj(&[("title", s()), ("metadata", r("Metadata"))], &[])),
        (
            "Version",
            obj(
                &[
                    ("number", i()),
                    ("size", i()),
                    ("content_type", s()),
                    ("sha256", s()),
                    ("filename", s()),
                    ("note", s()),
                    ("restored_from", json!({"type": ["integer", "null"]})),
                    ("created_by", s()),
                    ("created_at", s()),
                    ("processing", json!({"type": "string", "enum": ["pending", "done", "failed"]})),
                    ("processing_reason", s()),
                    ("media", json!({"type": ["object", "null"]})),
                ],
                &["number", "size", "content_type", "sha256", "note", "created_by", "created_at", "processing"],
            ),
        ),
        ("Versions", list_of("versions", "Version")),
        ("File", json!({"type": "string", "format": "binary"})),
        ("RestoreBody", obj(&[("note", s())], &[])),
        (
            "WorkflowSpec",
            obj(&[("name", s()), ("stages", json!({"type": "array", "items": stage}))], &["name", "stages"]),
        ),
        (
            "Workflow",
            obj(
                &[
                    ("id", s()),
                    ("workspace_id", s()),
                    ("name", s()),
                    ("revision", i()),
                    ("stages", json!({"type": "array"})),
                ],
                &["id", "name", "revision", "stages"],
            ),
        ),
        ("Workflows", list_of("workflows", "Workflow")),
        ("StartReview", obj(&[("workflow_id", s())], &["workflow_id"])),
        (
            "Approver",
            obj(
                &[("user_id", s()), ("decision", decision.clone()), ("reason", s()), ("decided_at", s())],
                &["user_id"],
            ),
        ),
        (
            "Stage",
            obj(
                &[
                    ("name", s()),
                    (
                        "status",
                        json!({"type": "string", "enum": ["pending", "active", "approved", "changes_requested", "rejected", "skipped"]}),
                    ),
                    ("due_at", s()),
                    ("approvers", json!({"type": "array", "items": r("Approver")})),
                ],
                &["name", "status", "approvers"],
            ),
        ),
        (
            "Review",
            obj(
                &[
                    ("id", s()),
                    ("asset_id", s()),
                    ("version", i()),
                    (
                        "status",
                        json!({"type": "string", "enum": ["in_progress", "approved", "changes_requested", "rejected", "superseded"]}),
                    ),
                    ("stages", json!({"type": "array", "items": r("Stage")})),
                ],
                &["id", "asset_id", "version", "status", "stages"],
            ),
        ),
        ("Reviews", list_of("reviews", "Review")),
        ("Decision", obj(&[("version", i()), ("decision", decision), ("reason", s())], &["version", "decision"])),
        (
            "AuditEvent",
            obj(
                &[
                    ("seq", i()),
                    ("id", s()),
                    ("at", s()),
                    ("actor_id", s()),
                    ("action", s()),
                    ("object_type", s()),
                    ("object_id", s()),
                    ("asset_id", s()),
                    ("version", i()),
                    ("before", json!({"type": ["object", "null"]})),
                    ("after", json!({"type": ["object", "null"]})),
                    ("ip", s()),
                    ("request_id", s()),
                    ("prev_hash", s()),
                    ("hash", s()),
                ],
                &["seq", "action", "hash"],
            ),
        ),
        ("AuditEvents", list_of("events", "AuditEvent")),
        (
            "Job",
            obj(
                &[
                    ("id", s()),
                    ("kind", s()),
                    ("state", json!({"type": "string", "enum": ["queued", "running", "done", "failed"]})),
                    ("attempts", i()),
                    ("max_attempts", i()),
                    ("run_at", s()),
                    ("last_error", s()),
                    ("payload", json!({"type": "object"})),
                ],
                &["id", "kind", "state"],
            ),
        ),
        ("Jobs", list_of("jobs", "Job")),
        (
            "PresetBody",
            obj(
                &[
                    ("width", i()),
                    ("height", i()),
                    ("fit", json!({"type": "string", "enum": ["cover", "contain"]})),
                    ("format", json!({"type": "string", "enum": ["jpeg", "png", "webp"]})),
                    ("quality", i()),
                ],
                &["width", "fit"],
            ),
        ),
        (
            "Preset",
            obj(
                &[
                    ("name", s()),
                    ("width", i()),
                    ("height", i()),
                    ("fit", s()),
                    ("format", s()),
                    ("quality", i()),
                    ("built_in", json!({"type": "boolean"})),
                ],
                &["name", "width", "height", "fit", "format", "quality"],
            ),
        ),
        ("Presets", list_of("presets", "Preset")),
        ("WorkspacePatch", obj(&[("name", s()), ("keep_gps", json!({"type": "boolean"}))], &[])),
        ("FocalPoint", obj(&[("x", json!({"type": "number"})), ("y", json!({"type": "number"}))], &["x", "y"])),
        (
            "Verification",
            obj(
                &[
                    ("ok", json!({"type": "boolean"})),
                    ("chain", s()),
                    ("events", i()),
                    ("head", s()),
                    ("checkpoint", obj(&[("seq", i()), ("at", s())], &["seq", "at"])),
                    ("first_bad_seq", i()),
                    ("missing", obj(&[("from", i()), ("to", i())], &["from", "to"])),
                    ("reason", s()),
                ],
                &["ok", "chain"],
            ),
        ),
    ];
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

pub fn build() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, body, status, schema) in OPERATIONS {
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "summary": summary,
            "parameters": params,
            "responses": {
                status.to_string(): if schema.is_empty() { json!({"description": "done"}) } else {
                    json!({"description": "success", "content": {"application/json": {"schema": r(schema)}}})
                },
                "default": {"description": "error", "content": {"application/json": {"schema": r("Error")}}},
            },
        });
        if let Some(b) = body {
            let media =
                if matches!(*b, "Upload" | "VersionUpload") { "multipart/form-data" } else { "application/json" };
            op["requestBody"] = json!({"required": *b != "RestoreBody", "content": {media: {"schema": r(b)}}});
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Vellum API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Assets with immutable versions, version-bound approvals and a tamper-evident audit trail. Errors are {\"error\": {\"code\", \"message\"}}."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "vellum_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}
