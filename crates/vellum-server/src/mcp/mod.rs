//! The MCP server at `/mcp` (Model Context Protocol, streamable HTTP, stateless): an agent
//! acting for a person through that person's API token sees exactly what the person may see
//! and does only what the token's scope allows. Every tool calls the same use cases as the API;
//! failures are tool errors naming our error codes, never protocol errors.

mod described;
mod resources;
mod tools;

pub use described::described;

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Router,
};
use rmcp::{
    model::{
        CallToolRequestParams, CallToolResponse, Implementation, ListResourceTemplatesResult, ListResourcesResult,
        ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
        ServerConfig,
    },
    service::RequestContext,
    transport::streamable_http_server::{
        session::never::NeverSessionManager, StreamableHttpServerConfig, StreamableHttpService,
    },
    ErrorData, RoleServer, ServerHandler,
};
use vellum_core::Actor;
use vellum_domain::ErrorCode;

use crate::{error::ApiError, extract::origin_of, AppState};

/// The largest JSON-RPC message the server reads.
const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// What the agent is told about this server when it connects.
const INSTRUCTIONS: &str = "Vellum is a creative-operations server: a library of brand assets with \
versioned, multi-stage approvals and a distribution gate. You act for one person and see exactly \
what they may see. Find assets with search_assets, look at one with get_asset (its status, \
approved version, rights window and renditions), and hand out files only through \
get_governed_link. Changes to the record are proposals (propose_*) that a person accepts or \
rejects in Vellum; a comment (add_comment) is the one direct write, shown as written via an \
agent. Ids are asset_id, workspace (id or slug) and version (a number from 1).";

/// The routes of the MCP endpoint: bearer-token only, so no browser can call it for someone.
pub fn routes(state: AppState) -> Router<AppState> {
    let handler_state = state.clone();
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_max_request_body_bytes(MAX_MESSAGE_BYTES)
        // Requests carry a bearer token, which a page on a rebinding host cannot add.
        .disable_allowed_hosts();
    let service = StreamableHttpService::new(
        move || Ok(Agent { state: handler_state.clone() }),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    Router::new().nest_service("/mcp", service).layer(axum::middleware::from_fn_with_state(state, authenticate))
}

/// Resolves the bearer token into the actor the handler reads from the request, or answers 401.
/// Only POST is served: without sessions there is no stream to GET and none to DELETE.
async fn authenticate(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::POST {
        let mut r =
            ApiError::new(ErrorCode::MethodNotAllowed, "the MCP endpoint takes POST (streamable HTTP, no sessions)")
                .into_response();
        r.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return r;
    }
    let (mut parts, body) = req.into_parts();
    let origin = origin_of(&parts);
    let actor = match crate::auth::bearer(&parts.headers) {
        Some(t) => s.core.token_actor(t, origin).await,
        None => Ok(None),
    };
    match actor {
        Ok(Some(actor)) => {
            let json_body = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"));
            parts.extensions.insert(actor);
            req = Request::from_parts(parts, body);
            in_our_shape(next.run(req).await, json_body).await
        }
        Ok(None) => {
            let mut r = ApiError::new(
                ErrorCode::Unauthenticated,
                "send Authorization: Bearer <token> with an API token of the person the agent acts for",
            )
            .into_response();
            r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            r
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The transport's own refusals (plain text from the SDK) as our error body, with the code
/// that says what to fix. The SDK answers 415 for a JSON body that is no JSON-RPC message,
/// which is a malformed body, not a wrong media type.
async fn in_our_shape(res: Response, json_body: bool) -> Response {
    let code = match res.status() {
        StatusCode::NOT_ACCEPTABLE => ErrorCode::NotAcceptable,
        StatusCode::UNSUPPORTED_MEDIA_TYPE if json_body => ErrorCode::MalformedJson,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::BAD_REQUEST => ErrorCode::MalformedJson,
        _ => return res,
    };
    let said = axum::body::to_bytes(res.into_body(), 4096).await.unwrap_or_default();
    let said: String = String::from_utf8_lossy(&said).chars().filter(|c| !c.is_control()).take(300).collect();
    let message = match code {
        ErrorCode::MalformedJson => format!("the body is not a JSON-RPC message: {said}"),
        _ => said,
    };
    ApiError::new(code, message).into_response()
}

/// One MCP server instance per request (the transport is stateless); the caller travels with
/// the request.
#[derive(Clone)]
struct Agent {
    state: AppState,
}

/// The actor the authentication layer put on the HTTP request.
fn actor_of(ctx: &RequestContext<RoleServer>) -> Result<Actor, ErrorData> {
    ctx.extensions
        .get::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<Actor>())
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("the request reached the MCP handler without a caller", None))
}

impl ServerHandler for Agent {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_resources().build())
            .with_server_info(Implementation::new("vellum", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let actor = actor_of(&ctx)?;
        Ok(ListToolsResult::with_all_items(tools::offered(actor.scope())))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let actor = actor_of(&ctx)?;
        let args = request.arguments.map(serde_json::Value::Object).unwrap_or_else(|| serde_json::json!({}));
        Ok(tools::call(&self.state, &actor, &request.name, args).await.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        // Renditions are reached through the template; listing every asset's would leak nothing
        // but would be a library dump no agent needs.
        Ok(ListResourcesResult::with_all_items(Vec::new()))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(resources::templates()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let actor = actor_of(&ctx)?;
        Ok(resources::read(&self.state, &actor, &request.uri).await?.into())
    }
}
