//! The use cases' error: a kind the HTTP layer maps to a status, a stable code, a message.

use vellum_domain::DomainError;

/// How an error should be answered, independent of the transport.
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
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Rule { kind: ErrorKind, code: &'static str, message: String },
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
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Error::Rule { kind, code, message: message.into() }
    }

    /// The object does not exist or the caller may not know it does.
    pub fn not_found(what: &str) -> Self {
        Error::new(ErrorKind::NotFound, "not_found", format!("{what} not found"))
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
        Error::new(ErrorKind::Forbidden, "forbidden", message)
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Invalid, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Conflict, code, message)
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Rule { kind, .. } => *kind,
            Error::Domain(d) => match d {
                DomainError::Invalid { .. } | DomainError::ReasonRequired { .. } => ErrorKind::Invalid,
                DomainError::VersionMismatch { .. }
                | DomainError::ReviewClosed { .. }
                | DomainError::AlreadyDecided => ErrorKind::Conflict,
                DomainError::NotAnApprover => ErrorKind::Forbidden,
            },
            Error::Store(vellum_store::Error::NotFound) => ErrorKind::NotFound,
            Error::Store(vellum_store::Error::Conflict(_)) => ErrorKind::Conflict,
            Error::Store(_) | Error::Blob(_) => ErrorKind::Internal,
            Error::Throttled { .. } => ErrorKind::TooManyRequests,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::Rule { code, .. } => code,
            Error::Domain(d) => d.code(),
            Error::Store(vellum_store::Error::NotFound) => "not_found",
            Error::Store(vellum_store::Error::Conflict(_)) => "conflict",
            Error::Store(_) | Error::Blob(_) => "internal",
            Error::Throttled { .. } => "too_many_attempts",
        }
    }

    /// Whether running the same use case again may succeed (the database broke a deadlock).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Store(vellum_store::Error::Busy(_)))
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
