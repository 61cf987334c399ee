//! SCIM 2.0 at `/scim/v2` (RFC 7644): the directory's protocol, outside `/api/v1` and its
//! OpenAPI document as `/mcp` and `/oauth/token` are. Requests carry the server's SCIM token;
//! answers are `application/scim+json` and errors take SCIM's shape
//! (`{schemas, status, scimType?, detail}`), which directories expect.

use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde::Deserialize;
use serde_json::{json, Value};
use vellum_core::scim::Directory;
use vellum_domain::{scim, ErrorCode, Id};

use crate::{auth::bearer, error::ApiError, extract::origin_of, AppState};

/// The SCIM routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/scim/v2/ServiceProviderConfig", get(service_provider_config))
        .route("/scim/v2/ResourceTypes", get(resource_types))
        .route("/scim/v2/Users", get(list_users).post(create_user))
        .route("/scim/v2/Users/{id}", get(get_user).put(replace_user).patch(patch_user).delete(delete_user))
        .route("/scim/v2/Groups", get(list_groups).post(create_group))
        .route("/scim/v2/Groups/{id}", get(get_group).put(replace_group).patch(patch_group).delete(delete_group))
}

fn scim_json(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/scim+json"));
    r
}

/// A failure in SCIM's shape (RFC 7644, section 3.12).
struct Failure(ApiError);

impl From<vellum_core::Error> for Failure {
    fn from(e: vellum_core::Error) -> Self {
        Failure(e.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let e = self.0;
        let scim_type = match e.code {
            ErrorCode::InvalidScimFilter => Some("invalidFilter"),
            ErrorCode::InvalidScimPatch | ErrorCode::MalformedJson => Some("invalidSyntax"),
            ErrorCode::Conflict => Some("uniqueness"),
            _ if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                Some("invalidValue")
            }
            _ => None,
        };
        // SCIM clients expect 400 for values they got wrong, where our API says 422.
        let status = if e.status == StatusCode::UNPROCESSABLE_ENTITY { StatusCode::BAD_REQUEST } else { e.status };
        let mut body =
            json!({"schemas": [scim::ERROR_SCHEMA], "status": status.as_u16().to_string(), "detail": e.message});
        if let Some(t) = scim_type {
            body["scimType"] = json!(t);
        }
        let mut r = scim_json(status, body);
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"vellum-scim\""));
        }
        r
    }
}

type Scim = Result<Response, Failure>;

async fn directory(s: &AppState, parts: &Parts) -> Result<Directory, Failure> {
    Ok(s.core.directory(bearer(&parts.headers), origin_of(parts)).await?)
}

fn body_of(bytes: &Bytes) -> Result<Value, Failure> {
    serde_json::from_slice(bytes)
        .map_err(|e| vellum_core::Error::new(ErrorCode::MalformedJson, format!("the body is not JSON: {e}")).into())
}

fn id_of(id: &str, what: &str) -> Result<Id, Failure> {
    id.parse::<Id>().map_err(|_| vellum_core::Error::not_found(what).into())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    excluded_attributes: Option<String>,
}

/// What this server supports (RFC 7643, section 5).
async fn service_provider_config() -> Response {
    scim_json(
        StatusCode::OK,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://github.com/vellum/vellum/blob/main/docs/integrations.md",
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": scim::MAX_PAGE},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The server's SCIM token (POST /api/v1/admin/scim-token), as Authorization: Bearer.",
                "primary": true
            }],
            "meta": {"resourceType": "ServiceProviderConfig", "location": "/scim/v2/ServiceProviderConfig"}
        }),
    )
}

/// The resource types served (RFC 7643, section 6).
async fn resource_types() -> Response {
    let kind = |name: &str, endpoint: &str, schema: &str| {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": name, "name": name,
            "endpoint": endpoint, "schema": schema, "meta": {"resourceType": "ResourceType",
            "location": format!("/scim/v2/ResourceTypes/{name}")}})
    };
    let types = vec![kind("User", "/Users", scim::USER_SCHEMA), kind("Group", "/Groups", scim::GROUP_SCHEMA)];
    scim_json(StatusCode::OK, scim::list(types, 2, scim::paging(None, None)))
}

async fn list_users(State(s): State<AppState>, parts: Parts, Query(q): Query<ListQuery>) -> Scim {
    let dir = directory(&s, &parts).await?;
    let paging = scim::paging(q.start_index, q.count);
    Ok(scim_json(StatusCode::OK, s.core.scim_users(&dir, q.filter.as_deref(), paging).await?))
}

async fn create_user(State(s): State<AppState>, parts: Parts, body: Bytes) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::CREATED, s.core.scim_create_user(&dir, &body_of(&body)?).await?))
}

async fn get_user(State(s): State<AppState>, parts: Parts, Path(id): Path<String>) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_user(&dir, id_of(&id, "user")?).await?))
}

async fn replace_user(State(s): State<AppState>, parts: Parts, Path(id): Path<String>, body: Bytes) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_replace_user(&dir, id_of(&id, "user")?, &body_of(&body)?).await?))
}

async fn patch_user(State(s): State<AppState>, parts: Parts, Path(id): Path<String>, body: Bytes) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_patch_user(&dir, id_of(&id, "user")?, &body_of(&body)?).await?))
}

async fn delete_user(State(s): State<AppState>, parts: Parts, Path(id): Path<String>) -> Scim {
    let dir = directory(&s, &parts).await?;
    s.core.scim_delete_user(&dir, id_of(&id, "user")?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_groups(State(s): State<AppState>, parts: Parts, Query(q): Query<ListQuery>) -> Scim {
    let dir = directory(&s, &parts).await?;
    let without_members = q
        .excluded_attributes
        .as_deref()
        .is_some_and(|x| x.split(',').any(|a| a.trim().eq_ignore_ascii_case("members")));
    let paging = scim::paging(q.start_index, q.count);
    Ok(scim_json(StatusCode::OK, s.core.scim_groups(&dir, q.filter.as_deref(), paging, without_members).await?))
}

async fn create_group(State(s): State<AppState>, parts: Parts, body: Bytes) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::CREATED, s.core.scim_create_group(&dir, &body_of(&body)?).await?))
}

async fn get_group(State(s): State<AppState>, parts: Parts, Path(id): Path<String>) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_group(&dir, id_of(&id, "group")?).await?))
}

async fn replace_group(State(s): State<AppState>, parts: Parts, Path(id): Path<String>, body: Bytes) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_replace_group(&dir, id_of(&id, "group")?, &body_of(&body)?).await?))
}

async fn patch_group(State(s): State<AppState>, parts: Parts, Path(id): Path<String>, body: Bytes) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_patch_group(&dir, id_of(&id, "group")?, &body_of(&body)?).await?))
}

async fn delete_group(State(s): State<AppState>, parts: Parts, Path(id): Path<String>) -> Scim {
    let dir = directory(&s, &parts).await?;
    s.core.scim_delete_group(&dir, id_of(&id, "group")?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
