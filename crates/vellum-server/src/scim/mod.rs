//! SCIM 2.0 at `/scim/v2` (RFC 7644): the directory's protocol, beside `/api/v1` and described
//! in the same OpenAPI document. Requests carry the server's SCIM token; answers are
//! `application/scim+json` and errors take SCIM's shape (`{schemas, status, scimType?, detail}`),
//! which directories expect.

mod shapes;

use axum::{
    body::Bytes,
    extract::{
        rejection::{PathRejection, QueryRejection},
        Path, Query, State,
    },
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};
use vellum_core::scim::Directory;
use vellum_domain::{scim, ErrorCode, Id};

use self::shapes::{Document, Failures, Group, GroupInput, GroupList, Patch, Shapes, User, UserInput, UserList};
use crate::{auth::bearer, error::ApiError, extract::origin_of, AppState};

/// The SCIM routes, with their descriptions.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Shapes::openapi())
        .routes(routes!(service_provider_config))
        .routes(routes!(resource_types))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, replace_user, patch_user, delete_user))
        .routes(routes!(list_groups, create_group))
        .routes(routes!(get_group, replace_group, patch_group, delete_group))
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

/// The resource id in the path; one that cannot be read names nothing.
fn id_of(id: Result<Path<String>, PathRejection>, what: &str) -> Result<Id, Failure> {
    id.ok().and_then(|Path(id)| id.parse::<Id>().ok()).ok_or_else(|| vellum_core::Error::not_found(what).into())
}

/// The list's query, refused in SCIM's shape when it does not read.
fn query_of(q: Result<Query<ListQuery>, QueryRejection>) -> Result<ListQuery, Failure> {
    q.map(|Query(q)| q).map_err(|e| {
        vellum_core::Error::new(ErrorCode::InvalidQuery, format!("the query does not read: {}", e.body_text())).into()
    })
}

#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `userName eq "…"` or `externalId eq "…"` (Users), `displayName eq "…"` (Groups): the
    /// one operator this server answers.
    filter: Option<String>,
    /// The first result, counted from 1.
    start_index: Option<i64>,
    /// At most this many results (up to 200).
    count: Option<i64>,
    /// `members` leaves groups' members out.
    excluded_attributes: Option<String>,
}

/// What this server supports (RFC 7643, section 5).
#[utoipa::path(get, path = "/scim/v2/ServiceProviderConfig", tag = "scim", operation_id = "scim_service_provider_config",
    security(()),
    responses((status = 200, description = "What this server supports", body = Document, content_type = "application/scim+json")))]
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
#[utoipa::path(get, path = "/scim/v2/ResourceTypes", tag = "scim", operation_id = "scim_resource_types",
    security(()),
    responses((status = 200, description = "User and Group", body = Document, content_type = "application/scim+json")))]
async fn resource_types() -> Response {
    let kind = |name: &str, endpoint: &str, schema: &str| {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": name, "name": name,
            "endpoint": endpoint, "schema": schema, "meta": {"resourceType": "ResourceType",
            "location": format!("/scim/v2/ResourceTypes/{name}")}})
    };
    let types = vec![kind("User", "/Users", scim::USER_SCHEMA), kind("Group", "/Groups", scim::GROUP_SCHEMA)];
    scim_json(StatusCode::OK, scim::list(types, 2, scim::paging(None, None)))
}

#[utoipa::path(get, path = "/scim/v2/Users", tag = "scim", operation_id = "scim_list_users",
    security(("scim" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of users", body = UserList, content_type = "application/scim+json"),
        Failures)
)]
async fn list_users(State(s): State<AppState>, parts: Parts, q: Result<Query<ListQuery>, QueryRejection>) -> Scim {
    let dir = directory(&s, &parts).await?;
    let q = query_of(q)?;
    let paging = scim::paging(q.start_index, q.count);
    Ok(scim_json(StatusCode::OK, s.core.scim_users(&dir, q.filter.as_deref(), paging).await?))
}

#[utoipa::path(post, path = "/scim/v2/Users", tag = "scim", operation_id = "scim_create_user",
    security(("scim" = [])),
    request_body(content = UserInput, content_type = "application/scim+json"),
    responses((status = 201, description = "Created (or an account with the address adopted)", body = User, content_type = "application/scim+json"),
        Failures)
)]
async fn create_user(State(s): State<AppState>, parts: Parts, body: Bytes) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::CREATED, s.core.scim_create_user(&dir, &body_of(&body)?).await?))
}

#[utoipa::path(get, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scim_get_user",
    security(("scim" = [])),
    params(("id" = String, Path, description = "The resource's id")),
    responses((status = 200, description = "The user", body = User, content_type = "application/scim+json"),
        Failures)
)]
async fn get_user(State(s): State<AppState>, parts: Parts, id: Result<Path<String>, PathRejection>) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_user(&dir, id_of(id, "user")?).await?))
}

#[utoipa::path(put, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scim_replace_user",
    security(("scim" = [])),
    params(("id" = String, Path, description = "The resource's id")),
    request_body(content = UserInput, content_type = "application/scim+json"),
    responses((status = 200, description = "The user now", body = User, content_type = "application/scim+json"),
        Failures)
)]
async fn replace_user(
    State(s): State<AppState>,
    parts: Parts,
    id: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_replace_user(&dir, id_of(id, "user")?, &body_of(&body)?).await?))
}

#[utoipa::path(patch, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scim_patch_user",
    security(("scim" = [])),
    params(("id" = String, Path, description = "The resource's id")),
    request_body(content = Patch, content_type = "application/scim+json"),
    responses((status = 200, description = "The user now", body = User, content_type = "application/scim+json"),
        Failures)
)]
async fn patch_user(
    State(s): State<AppState>,
    parts: Parts,
    id: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_patch_user(&dir, id_of(id, "user")?, &body_of(&body)?).await?))
}

#[utoipa::path(delete, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scim_delete_user",
    security(("scim" = [])),
    params(("id" = String, Path, description = "The resource's id")),
    responses((status = 204, description = "Deactivated and out of the directory"),
        Failures)
)]
async fn delete_user(State(s): State<AppState>, parts: Parts, id: Result<Path<String>, PathRejection>) -> Scim {
    let dir = directory(&s, &parts).await?;
    s.core.scim_delete_user(&dir, id_of(id, "user")?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/scim/v2/Groups", tag = "scim", operation_id = "scim_list_groups",
    security(("scim" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of groups", body = GroupList, content_type = "application/scim+json"),
        Failures)
)]
async fn list_groups(State(s): State<AppState>, parts: Parts, q: Result<Query<ListQuery>, QueryRejection>) -> Scim {
    let dir = directory(&s, &parts).await?;
    let q = query_of(q)?;
    let without_members = q
        .excluded_attributes
        .as_deref()
        .is_some_and(|x| x.split(',').any(|a| a.trim().eq_ignore_ascii_case("members")));
    let paging = scim::paging(q.start_index, q.count);
    Ok(scim_json(StatusCode::OK, s.core.scim_groups(&dir, q.filter.as_deref(), paging, without_members).await?))
}

#[utoipa::path(post, path = "/scim/v2/Groups", tag = "scim", operation_id = "scim_create_group",
    security(("scim" = [])),
    request_body(content = GroupInput, content_type = "application/scim+json"),
    responses((status = 201, description = "Created", body = Group, content_type = "application/scim+json"),
        Failures)
)]
async fn create_group(State(s): State<AppState>, parts: Parts, body: Bytes) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::CREATED, s.core.scim_create_group(&dir, &body_of(&body)?).await?))
}

#[utoipa::path(get, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scim_get_group",
    security(("scim" = [])),
    params(("id" = String, Path, description = "The resource's id")),
    responses((status = 200, description = "The group", body = Group, content_type = "application/scim+json"),
        Failures)
)]
async fn get_group(State(s): State<AppState>, parts: Parts, id: Result<Path<String>, PathRejection>) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_group(&dir, id_of(id, "group")?).await?))
}

#[utoipa::path(put, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scim_replace_group",
    security(("scim" = [])),
    params(("id" = String, Path, description = "The resource's id")),
    request_body(content = GroupInput, content_type = "application/scim+json"),
    responses((status = 200, description = "The group now", body = Group, content_type = "application/scim+json"),
        Failures)
)]
async fn replace_group(
    State(s): State<AppState>,
    parts: Parts,
    id: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_replace_group(&dir, id_of(id, "group")?, &body_of(&body)?).await?))
}

#[utoipa::path(patch, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scim_patch_group",
    security(("scim" = [])),
    params(("id" = String, Path, description = "The resource's id")),
    request_body(content = Patch, content_type = "application/scim+json"),
    responses((status = 200, description = "The group now", body = Group, content_type = "application/scim+json"),
        Failures)
)]
async fn patch_group(
    State(s): State<AppState>,
    parts: Parts,
    id: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Scim {
    let dir = directory(&s, &parts).await?;
    Ok(scim_json(StatusCode::OK, s.core.scim_patch_group(&dir, id_of(id, "group")?, &body_of(&body)?).await?))
}

#[utoipa::path(delete, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scim_delete_group",
    security(("scim" = [])),
    params(("id" = String, Path, description = "The resource's id")),
    responses((status = 204, description = "Gone; its members leave what it gave them"),
        Failures)
)]
async fn delete_group(State(s): State<AppState>, parts: Parts, id: Result<Path<String>, PathRejection>) -> Scim {
    let dir = directory(&s, &parts).await?;
    s.core.scim_delete_group(&dir, id_of(id, "group")?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
