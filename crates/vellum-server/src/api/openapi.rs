//! The OpenAPI 3.1 document: generated from the handlers' `#[utoipa::path]` descriptions and
//! the request and response types, then completed with what every operation shares — the
//! error responses (one schema, the codes from the one table), authentication and `/healthz`.

use axum::{response::IntoResponse, Json};
use utoipa::{
    openapi::{
        path::{OperationBuilder, PathItem, PathsBuilder},
        response::{ResponseBuilder, ResponsesBuilder},
        schema::{ObjectBuilder, Schema, Type},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        tag::TagBuilder,
        ContentBuilder, HttpMethod, OpenApi, RefOr, Server,
    },
    OpenApi as _, PartialSchema,
};
use vellum_domain::ErrorCode;

use super::views::{ErrorBody, ErrorDetail, FieldError};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Vellum API",
        description = "Assets with immutable versions, version-bound approvals and a tamper-evident audit trail. \
            Errors are `{\"error\": {\"code\", \"message\"}}` with the codes of docs/errors.md; lists are paged with \
            `?limit=&cursor=` and answer `next_cursor`."
    ),
    components(schemas(ErrorBody, ErrorDetail, FieldError))
)]
struct ApiDoc;

/// What the generated paths are added to.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// The statuses any operation may answer with the error body, besides its own.
const COMMON_ERRORS: [u16; 7] = [400, 401, 413, 415, 422, 429, 500];

/// The whole document: `api` (paths relative to `/api/v1`) under `/api/v1` with the error
/// responses, `protocols` (OAuth, OpenID Connect, SCIM, MCP: each with its own errors) as they
/// are, `/healthz` and the security schemes.
pub fn document(api: OpenApi, protocols: OpenApi) -> OpenApi {
    let mut doc = api;
    let mut paths = PathsBuilder::new();
    for (path, item) in std::mem::take(&mut doc.paths.paths) {
        paths = paths.path(format!("/api/v1{path}"), with_errors(item));
    }
    for (path, item) in protocols.paths.paths {
        paths = paths.path(path, item);
    }
    if let Some(schemas) = protocols.components.map(|c| c.schemas) {
        doc.components.get_or_insert_with(Default::default).schemas.extend(schemas);
    }
    let health = OperationBuilder::new()
        .operation_id(Some("health"))
        .summary(Some("Whether the server is up"))
        .tag("health")
        .responses(
            ResponsesBuilder::new()
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("Up")
                        .content("text/plain", ContentBuilder::new().schema(Some(String::schema())).build()),
                )
                .build(),
        )
        .security(SecurityRequirement::default())
        .build();
    paths = paths.path("/healthz", PathItem::new(HttpMethod::Get, health));
    let itself = OperationBuilder::new()
        .operation_id(Some("openapi"))
        .summary(Some("This document"))
        .tag("health")
        .responses(
            ResponsesBuilder::new()
                .response(
                    "200",
                    ResponseBuilder::new().description("The OpenAPI document").content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::Object).build()))
                            .build(),
                    ),
                )
                .build(),
        )
        .security(SecurityRequirement::default())
        .build();
    paths = paths.path("/api/v1/openapi.json", PathItem::new(HttpMethod::Get, itself));
    doc.paths = paths.build();
    doc.servers = Some(vec![Server::new("/")]);
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    components
        .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("vellum_session"))));
    // SCIM takes the server's SCIM token (POST /api/v1/admin/scim-token), not a person's.
    components
        .add_security_scheme("scim", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    doc.security = Some(vec![
        SecurityRequirement::new("bearer", Vec::<String>::new()),
        SecurityRequirement::new("session", Vec::<String>::new()),
    ]);
    let mut tags: Vec<String> = Vec::new();
    for item in doc.paths.paths.values() {
        for op in operations(item) {
            for t in op.tags.iter().flatten() {
                if !tags.contains(t) {
                    tags.push(t.clone());
                }
            }
        }
    }
    doc.tags = Some(tags.into_iter().map(|t| TagBuilder::new().name(t).build()).collect());
    doc
}

fn operations(item: &PathItem) -> impl Iterator<Item = &utoipa::openapi::path::Operation> {
    [&item.get, &item.put, &item.post, &item.delete, &item.options, &item.head, &item.patch, &item.trace]
        .into_iter()
        .filter_map(Option::as_ref)
}

/// Adds the error responses every operation may give (404 where the path names something or
/// a write's body or query may name something, 409 for writes), each with the one error body.
fn with_errors(mut item: PathItem) -> PathItem {
    let names_something = item.parameters.iter().flatten().any(in_path);
    for (method, op) in [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("patch", &mut item.patch),
    ] {
        let Some(op) = op else { continue };
        let names = names_something || op.parameters.iter().flatten().any(in_path);
        let mut statuses: Vec<u16> = COMMON_ERRORS.to_vec();
        statuses.extend([403, 405]);
        if names || method != "get" {
            statuses.push(404);
        }
        if method != "get" {
            statuses.push(409);
        }
        if op.operation_id.as_deref().is_some_and(|id| {
            id.starts_with("download") || id.starts_with("get_rendition") || id == "get_page" || id == "compare_heatmap"
        }) {
            // Files pass the distribution gate: rights and archive answer 410.
            statuses.extend([410, 416]);
        }
        if op.operation_id.as_deref().is_some_and(|id| id.starts_with("upload")) {
            statuses.push(408);
        }
        for status in statuses {
            op.responses.responses.entry(status.to_string()).or_insert_with(|| RefOr::T(error_response(status)));
        }
    }
    item
}

fn in_path(p: &RefOr<utoipa::openapi::path::Parameter>) -> bool {
    matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path))
}

fn error_response(status: u16) -> utoipa::openapi::Response {
    let codes: Vec<&str> = ErrorCode::ALL.iter().filter(|c| c.status() == status).map(|c| c.as_str()).collect();
    let description = if codes.is_empty() { "An error".to_string() } else { format!("An error: {}", codes.join(", ")) };
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ErrorBody")))).build(),
        )
        .build()
}

/// The `code` of an error: one of the table's codes.
pub fn error_code_schema() -> Schema {
    // `invalid_query` answers 400 or 422; the enum names it once.
    let mut codes: Vec<&str> = Vec::new();
    for c in ErrorCode::ALL.iter().map(|c| c.as_str()) {
        if !codes.contains(&c) {
            codes.push(c);
        }
    }
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(codes))
            .description(Some("docs/errors.md"))
            .build(),
    )
}

/// The document as `GET /api/v1/openapi.json` serves it.
pub fn serve(doc: std::sync::Arc<OpenApi>) -> impl Fn() -> std::future::Ready<axum::response::Response> + Clone {
    move || std::future::ready(Json(doc.as_ref().clone()).into_response())
}
