//! Shapes every part of the API shares: the error body, binary files, pending renditions.

use serde::Serialize;
use utoipa::ToSchema;

/// `{"error": {"code", "message", …}}`: what every failure answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code from the error table (docs/errors.md).
    #[schema(schema_with = crate::api::openapi::error_code_schema)]
    pub code: String,
    /// What happened, for a person.
    pub message: String,
    /// For a body of the wrong shape: where in it (`.`, `title`, `stages[0].rule`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// For a query parameter that could not be read: where it starts in the query string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Field errors: which field, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
    /// Anything else that helps: for a query parameter, its name; for broken JSON, line and
    /// column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    pub key: String,
    pub message: String,
}

/// The answer while a rendition is being made (202, with `Retry-After`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Pending {
    #[schema(example = "pending")]
    pub status: String,
    pub message: String,
}

impl Pending {
    /// 202 with `Retry-After: 2` and this body: the caller should ask again shortly.
    pub fn response(message: impl Into<String>) -> axum::response::Response {
        use axum::{http::header, response::IntoResponse};
        let body = axum::Json(Pending { status: "pending".into(), message: message.into() });
        (axum::http::StatusCode::ACCEPTED, [(header::RETRY_AFTER, "2")], body).into_response()
    }
}

/// The bytes of a file.
pub struct BinaryFile;

impl utoipa::PartialSchema for BinaryFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for BinaryFile {}
