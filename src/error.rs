//! The one error type. The service returns it; the web layer renders it as a JSON body or an HTML page.
use crate::domain::lifecycle::InvalidTransition;
use crate::domain::text::{FieldError, Problem};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("the request body is not valid JSON for this call: {0}")]
    MalformedJson(String),
    #[error("the receipt is not valid")]
    InvalidReceipt,
    #[error("unknown username or wrong password")]
    InvalidCredentials,
    #[error("sign in first")]
    Unauthenticated,
    #[error("your role may not do this")]
    Forbidden,
    #[error(
        "the form's security token or origin is missing or wrong; reload the page and try again"
    )]
    CsrfFailed,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error("the item was changed by someone else at the same moment; reload and try again")]
    Conflict,
    #[error("the request body is too large")]
    TooLarge,
    #[error("too many attempts; wait a few minutes and try again")]
    RateLimited,
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn field(field: &'static str, problem: Problem) -> Error {
        Error::Field(FieldError::new(field, problem))
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Error {
        Error::Internal(e.into())
    }

    /// HTTP status code this error maps to (the web layer's only decision table).
    pub fn status(&self) -> u16 {
        match self {
            Error::Field(_) | Error::MalformedJson(_) => 400,
            Error::InvalidReceipt | Error::InvalidCredentials | Error::Unauthenticated => 401,
            Error::Forbidden | Error::CsrfFailed => 403,
            Error::NotFound => 404,
            Error::InvalidTransition(_) | Error::Conflict => 409,
            Error::TooLarge => 413,
            Error::RateLimited => 429,
            Error::Unavailable => 503,
            Error::Internal(_) => 500,
        }
    }

    /// Stable machine-readable code of API.md's error body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Field(_) => "invalid_input",
            Error::MalformedJson(_) => "malformed_json",
            Error::InvalidReceipt => "invalid_receipt",
            Error::InvalidCredentials => "invalid_credentials",
            Error::Unauthenticated => "unauthenticated",
            Error::Forbidden => "forbidden",
            Error::CsrfFailed => "csrf_failed",
            Error::NotFound => "not_found",
            Error::InvalidTransition(_) => "invalid_transition",
            Error::Conflict => "conflict",
            Error::TooLarge => "too_large",
            Error::RateLimited => "rate_limited",
            Error::Unavailable => "unavailable",
            Error::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(e) => {
                // An operational event for whoever runs the service; the client gets a plain 503.
                tracing::warn!(error = %e, "database unavailable");
                Error::Unavailable
            }
            StoreError::Conflict => Error::Conflict,
            other => Error::Internal(other.into()),
        }
    }
}
