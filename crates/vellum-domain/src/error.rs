//! The domain's one error type: every rule violation a use case can surface to a user.

use crate::ErrorCode;

/// A broken domain rule. `code()` is the stable snake_case name clients branch on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value failed validation; `code` names which kind of value.
    #[error("{message}")]
    Invalid { code: ErrorCode, message: String },
    #[error("version {given} is not the version under review (v{expected})")]
    VersionMismatch { given: u32, expected: u32 },
    #[error("this review is closed ({status}); no more decisions can be recorded")]
    ReviewClosed { status: &'static str },
    #[error("you are not an approver of an active stage of this review")]
    NotAnApprover,
    #[error("a reason is required for '{decision}'")]
    ReasonRequired { decision: &'static str },
    #[error("you have already decided on every active stage you approve")]
    AlreadyDecided,
}

impl DomainError {
    pub fn invalid(code: ErrorCode, message: impl Into<String>) -> Self {
        DomainError::Invalid { code, message: message.into() }
    }

    /// The stable snake_case code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            DomainError::Invalid { code, .. } => *code,
            DomainError::VersionMismatch { .. } => ErrorCode::VersionMismatch,
            DomainError::ReviewClosed { .. } => ErrorCode::ReviewClosed,
            DomainError::NotAnApprover => ErrorCode::NotAnApprover,
            DomainError::ReasonRequired { .. } => ErrorCode::ReasonRequired,
            DomainError::AlreadyDecided => ErrorCode::AlreadyDecided,
        }
    }
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;
