//! Errors on their way to API clients: always `{"error": {"code", "message", …}}`, the status
//! from the code's row of the one table (`vellum_domain::ErrorCode`).

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;
use vellum_core::{Error, ErrorKind};
use vellum_domain::ErrorCode;

/// An error on its way to an API client: a code from the one table, which also gives the
/// status, a message, and any detail under fixed names inside `error`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Sent as `Retry-After` (throttled requests).
    pub retry_after_secs: Option<u64>,
    /// Extra members of the `error` object (`path`, `position`, `fields`, `details`).
    pub detail: serde_json::Map<String, serde_json::Value>,
}

/// The status of a code, from the table.
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status: status_of(code),
            code,
            message: message.into(),
            retry_after_secs: None,
            detail: serde_json::Map::new(),
        }
    }

    /// Adds a detail member to the `error` object.
    pub fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.detail.insert(key.to_string(), value);
        self
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn too_large(limit: u64) -> Self {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the upload is larger than this server's limit of {limit} bytes"),
        )
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        if e.kind() == ErrorKind::Internal {
            tracing::error!(error = %e, "request failed");
        }
        let mut out = ApiError::new(e.code(), e.public_message());
        out.retry_after_secs = e.retry_after_secs();
        if !e.fields().is_empty() {
            out = out.with("fields", json!(e.fields()));
        }
        if let Some(path) = e.path() {
            out = out.with("path", json!(path));
        }
        if let Some(p) = e.position() {
            out = out.with("position", json!(p));
        }
        if let Some((key, value)) = e.detail() {
            out = out.with(key, json!(value));
        }
        out
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = self.detail;
        error.insert("code".into(), json!(self.code.as_str()));
        error.insert("message".into(), json!(self.message));
        let mut res = (self.status, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after_secs {
            if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
