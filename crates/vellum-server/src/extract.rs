//! Extractors that answer malformed input in our error format, and the request's origin.

use std::net::SocketAddr;

use axum::{
    extract::{rejection::JsonRejection, ConnectInfo, FromRequest, FromRequestParts, Request},
    http::request::Parts,
};
use serde::de::DeserializeOwned;
use vellum_core::Origin;
use vellum_domain::{id::parse_id, Id};

use crate::error::ApiError;

/// `Json<T>` whose rejections are `malformed_json` / `invalid_request` in our format.
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(AppJson(v)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than this server accepts for this route",
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::invalid("invalid_request", e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::bad_request(
                "malformed_json",
                "send the body as JSON with Content-Type: application/json",
            )),
            Err(e) => {
                Err(ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {}", e.body_text())))
            }
        }
    }
}

/// `Multipart` whose rejection (wrong content type, bad boundary) is in our format.
pub struct Form(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::extract::Multipart::from_request(req, state).await.map(Form).map_err(|e| {
            ApiError::bad_request(
                "malformed_multipart",
                format!("send the upload as multipart/form-data with a 'file' part ({})", e.body_text()),
            )
        })
    }
}

/// Where the request came from: client address and a request id (the client's
/// `X-Request-Id` if it is sane, else a new one).
pub struct RequestOrigin(pub Origin);

impl<S: Send + Sync> FromRequestParts<S> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestOrigin(origin_of(parts)))
    }
}

pub fn origin_of(parts: &Parts) -> Origin {
    let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let request_id = sane_request_id(&parts.headers).unwrap_or_else(|| vellum_domain::id::new_id().to_string());
    Origin { ip, request_id: Some(request_id) }
}

/// The client's `X-Request-Id`, if it is short and plain enough to log and store.
pub fn sane_request_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        })
        .map(str::to_string)
}

/// Parses an id from a path segment; one that cannot exist is simply not found.
pub fn path_id(s: &str, what: &str) -> Result<Id, ApiError> {
    parse_id(s).ok_or_else(|| ApiError::not_found(what))
}

/// Parses a version number from a path segment.
pub fn path_version(s: &str) -> Result<u32, ApiError> {
    s.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| ApiError::not_found("version"))
}
