//! How `/mcp` appears in the OpenAPI document. The MCP SDK serves the endpoint, so no handler
//! carries this description: it is the transport's contract (streamable HTTP, JSON responses,
//! no sessions) with JSON-RPC messages whose methods and tools MCP's own schema describes.
#![allow(dead_code)]

use utoipa::{OpenApi, ToSchema};

use crate::api::views::ErrorBody;

/// A request's id: a number or a string.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = McpRequestId)]
enum RequestId {
    Number(i64),
    Text(String),
}

/// One JSON-RPC 2.0 message of the Model Context Protocol: `initialize`, `tools/list`,
/// `tools/call`, `resources/read`… (a request has an `id`; a notification has none).
#[derive(ToSchema)]
#[schema(as = McpMessage)]
struct Message {
    /// Always `2.0`.
    #[schema(pattern = "^2\\.0$")]
    jsonrpc: String,
    /// Absent in a notification.
    #[schema(nullable = false)]
    id: Option<RequestId>,
    method: String,
    #[schema(value_type = Object, required = false)]
    params: Option<serde_json::Value>,
}

/// The answer to a request: its `result`, or an `error` of the protocol. A tool's own failure
/// is a result with `isError: true` whose text names the error code.
#[derive(ToSchema)]
#[schema(as = McpAnswer)]
struct Answer {
    jsonrpc: String,
    id: RequestId,
    #[schema(value_type = Object, required = false)]
    result: Option<serde_json::Value>,
    #[schema(value_type = Object, required = false)]
    error: Option<serde_json::Value>,
}

/// Sends one MCP message as the person whose API token it carries; the token's scope bounds the
/// tools offered.
#[utoipa::path(post, path = "/mcp", tag = "mcp", operation_id = "mcp",
    security(("bearer" = [])),
    request_body(content = Message, description = "Send with `Accept: application/json, text/event-stream`."),
    responses(
        (status = 200, description = "The answer to a request", body = Answer),
        (status = 202, description = "A notification, taken"),
        (status = 400, description = "The body is not a JSON-RPC message (`malformed_json`)", body = ErrorBody),
        (status = 401, description = "Without a live API token", body = ErrorBody),
        (status = 406, description = "The Accept header lacks one of the two types (`not_acceptable`)", body = ErrorBody),
        (status = 413, description = "A message over 1 MiB (`payload_too_large`)", body = ErrorBody),
        (status = 415, description = "Not sent as application/json (`unsupported_media_type`)", body = ErrorBody),
    )
)]
fn endpoint() {}

#[derive(OpenApi)]
#[openapi(paths(endpoint), components(schemas(Message, Answer)))]
struct Described;

/// The description of `/mcp`.
pub fn described() -> utoipa::openapi::OpenApi {
    Described::openapi()
}
