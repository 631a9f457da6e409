//! What a use case can fail with. No HTTP here: the web layer decides how each is shown.
use crate::domain::lifecycle::InvalidTransition;
use crate::domain::text::Field;
use crate::domain::text::{FieldError, Problem};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input field is missing, too long, unknown or otherwise not acceptable.
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("the receipt is not valid")]
    InvalidReceipt,
    #[error("unknown username or wrong password")]
    InvalidCredentials,
    #[error("sign in first")]
    Unauthenticated,
    #[error("your role may not do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error("the item was changed by someone else at the same moment; reload and try again")]
    Conflict,
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn field(field: Field, problem: Problem) -> Error {
        Error::Field(FieldError::new(field, problem))
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Error {
        Error::Internal(e.into())
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
