//! Extractors that answer malformed input in our error format, and the request's origin.

use std::net::SocketAddr;
use vellum_domain::ErrorCode;

use axum::{
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{request::Parts, StatusCode},
};
use serde::de::DeserializeOwned;
use vellum_core::Origin;
use vellum_domain::{id::parse_id, Id};

use crate::error::ApiError;

/// A JSON body read in our terms: no JSON Content-Type is `415 unsupported_media_type`,
/// broken JSON `400 malformed_json` (with where), JSON of the wrong shape — a wrong type,
/// a missing or an unknown field — `422 invalid_body` with the `path` of the offending value,
/// and a body over the route's limit `413 payload_too_large`.
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorCode::PayloadTooLarge, "the request body is larger than this route accepts")
            } else {
                ApiError::new(ErrorCode::MalformedJson, format!("the body could not be read: {}", e.body_text()))
            }
        })?;
        parse_json(&bytes).map(AppJson)
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Parses a JSON body, naming where it fails. Every body this API takes is an object: an
/// array is refused rather than read field by field in order, as serde would otherwise do.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {e}"))
            .with("details", serde_json::json!({"line": e.line(), "column": e.column()}))
    })?;
    if !value.is_object() {
        return Err(ApiError::new(ErrorCode::InvalidBody, "the body must be a JSON object")
            .with("path", serde_json::json!(".")));
    }
    whole_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." { "the body".to_string() } else { format!("'{path}'") };
        ApiError::new(ErrorCode::InvalidBody, format!("{at}: {}", e.into_inner())).with("path", serde_json::json!(path))
    })
}

/// JSON has one number type and JSON Schema calls `3.0` an integer, so a client may send a
/// count or a version as `3.0`; integer fields read it as 3. Numbers with a fraction, or
/// outside the 64-bit range, stay as they are and are refused where an integer is expected.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            let Some(f) = n.as_f64() else { return };
            // Both bounds are exact powers of two, so the comparison is exact.
            let whole = f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(64);
            if whole {
                *value = if f < 0.0 { serde_json::json!(f as i64) } else { serde_json::json!(f as u64) };
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// Query parameters read in our terms: one that cannot be read is `400 invalid_query`, naming
/// the parameter (`position` is where it starts in the query string).
pub struct AppQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AppQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(AppQuery).map_err(|e| {
            let name = e.path().to_string();
            let position = query.find(&format!("{name}=")).filter(|_| name != ".");
            let what = if name == "." { "the query string".to_string() } else { format!("the parameter '{name}'") };
            let mut err =
                ApiError::new(ErrorCode::InvalidQuery, format!("{what} could not be read: {}", e.into_inner()));
            if let Some(p) = position {
                err =
                    err.with("position", serde_json::json!(p)).with("details", serde_json::json!({"parameter": name}));
            }
            err
        })
    }
}

/// `Multipart` whose rejection is in our format: not multipart at all is `415`, a broken
/// body `400 malformed_multipart`.
pub struct Form(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
        if !multipart {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the upload as multipart/form-data with a 'file' part",
            ));
        }
        axum::extract::Multipart::from_request(req, state).await.map(Form).map_err(|e| {
            ApiError::new(
                ErrorCode::MalformedMultipart,
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
    Origin { ip, request_id: Some(request_id), token: None }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Counted {
        n: u32,
        at: Vec<i64>,
        ratio: f64,
    }

    #[test]
    fn whole_floats_read_as_integers_and_fractions_do_not() {
        let c: Counted = parse_json(br#"{"n": 3.0, "at": [-2.0, 1e3], "ratio": 0.5}"#).unwrap();
        assert_eq!((c.n, c.at, c.ratio), (3, vec![-2, 1000], 0.5));
        let e = parse_json::<Counted>(br#"{"n": 3.5, "at": [], "ratio": 1}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidBody);
        assert!(parse_json::<Counted>(br#"{"n": 1e300, "at": [], "ratio": 1}"#).is_err());
    }
}
