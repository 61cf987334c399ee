//! The use cases' error: a stable code from the one table (`vellum_domain::ErrorCode`, which
//! also gives its HTTP status) and a message a person can act on.

use vellum_domain::{fields::FieldError, DomainError, ErrorCode};

/// The broad class of an error, from its code's status: what callers branch on when they only
/// care whether something was missing, refused or broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Unauthenticated,
    Forbidden,
    NotFound,
    Invalid,
    Conflict,
    TooLarge,
    /// Too many attempts: try again after a while (`Error::retry_after_secs`).
    TooManyRequests,
    /// Not now, but nothing is broken (a search index being rebuilt): try again later.
    Unavailable,
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Rule { code: ErrorCode, message: String },
    /// A rule broken by particular fields, each named with what is wrong with it.
    #[error("{message}")]
    Fields { code: ErrorCode, message: String, fields: Vec<FieldError> },
    /// A rule broken at one place in a JSON document (`/rules/2/when/value`).
    #[error("{message}")]
    AtPath { code: ErrorCode, message: String, path: String },
    /// A rule broken with one fact the client needs to put it right (`expected` name).
    #[error("{message}")]
    Detail { code: ErrorCode, message: String, key: &'static str, value: String },
    /// A search that cannot be read, with where its fault is (characters from its start).
    #[error("{message}")]
    Query { message: String, position: usize },
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("storage: {0}")]
    Store(#[from] vellum_store::Error),
    #[error("blob storage: {0}")]
    Blob(#[from] vellum_blob::Error),
    #[error("too many failed sign-ins from here or for this account; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: u64 },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Rule { code, message: message.into() }
    }

    /// The object does not exist or the caller may not know it does.
    pub fn not_found(what: &str) -> Self {
        Error::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// Reports what the caller may not see as "not found" under another name (a review whose
    /// asset is hidden is itself not found), and passes every other error — a database fault
    /// above all — through unchanged, so it is logged and answered 500, never a 404.
    pub fn hidden_as(self, what: &str) -> Self {
        match self.kind() {
            ErrorKind::NotFound | ErrorKind::Forbidden => Error::not_found(what),
            _ => self,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Forbidden, message)
    }

    pub fn kind(&self) -> ErrorKind {
        match self.code().status() {
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            413 => ErrorKind::TooLarge,
            429 => ErrorKind::TooManyRequests,
            503 => ErrorKind::Unavailable,
            500..=599 => ErrorKind::Internal,
            _ => ErrorKind::Invalid,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Rule { code, .. }
            | Error::Fields { code, .. }
            | Error::AtPath { code, .. }
            | Error::Detail { code, .. } => *code,
            Error::Domain(d) => d.code(),
            Error::Store(vellum_store::Error::NotFound) => ErrorCode::NotFound,
            Error::Store(vellum_store::Error::Conflict(_)) => ErrorCode::Conflict,
            Error::Store(_) | Error::Blob(_) => ErrorCode::Internal,
            Error::Throttled { .. } => ErrorCode::TooManyAttempts,
            Error::Query { .. } => ErrorCode::SearchQuery,
        }
    }

    /// Whether running the same use case again may succeed (the database broke a deadlock).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Store(vellum_store::Error::Busy(_)))
    }

    /// The fields an error names (`fields: [{key, message}]` in the API).
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Error::Fields { fields, .. } => fields,
            _ => &[],
        }
    }

    /// Where in a JSON document the error is (`path` in the API).
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::AtPath { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Where in a search its fault is.
    pub fn position(&self) -> Option<usize> {
        match self {
            Error::Query { position, .. } => Some(*position),
            _ => None,
        }
    }

    /// The one fact a `Detail` error adds (a top-level key of the API error).
    pub fn detail(&self) -> Option<(&'static str, &str)> {
        match self {
            Error::Detail { key, value, .. } => Some((key, value)),
            _ => None,
        }
    }

    /// For throttled requests: seconds until another try is accepted.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::Throttled { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The message a client may see: internal causes are not disclosed.
    pub fn public_message(&self) -> String {
        match self.kind() {
            ErrorKind::Internal => "something went wrong on the server; the change was not made".to_string(),
            _ => self.to_string(),
        }
    }
}
